"""Passwords and web sessions: one helper per query. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from muster.storage.db import new_id
from muster.storage.tables import credentials, web_sessions


def password_hash(conn: Connection, handle: str) -> str | None:
    row = conn.execute(
        select(credentials.c.password_hash).where(credentials.c.handle == handle)
    ).first()
    return None if row is None else str(row.password_hash)


def set_password_hash(conn: Connection, handle: str, hashed: str, at: datetime) -> None:
    """Insert or replace `handle`'s hash (portable: update first, insert when nothing was)."""
    changed = conn.execute(
        update(credentials)
        .where(credentials.c.handle == handle)
        .values(password_hash=hashed, set_at=at)
    ).rowcount
    if not changed:
        conn.execute(insert(credentials).values(handle=handle, password_hash=hashed, set_at=at))


def insert_session(
    conn: Connection, *, digest: str, handle: str, csrf: str, at: datetime, expires_at: datetime
) -> int:
    return new_id(
        conn,
        insert(web_sessions).values(
            digest=digest,
            handle=handle,
            csrf=csrf,
            created_at=at,
            last_seen_at=at,
            expires_at=expires_at,
        ),
    )


def session_by_digest(conn: Connection, digest: str) -> Row[Any] | None:
    return conn.execute(select(web_sessions).where(web_sessions.c.digest == digest)).first()


def touch_session(conn: Connection, session_id: int, at: datetime) -> None:
    conn.execute(
        update(web_sessions).where(web_sessions.c.id == session_id).values(last_seen_at=at)
    )


def delete_session(conn: Connection, digest: str) -> None:
    conn.execute(delete(web_sessions).where(web_sessions.c.digest == digest))


def delete_sessions_of(conn: Connection, handle: str, *, keep: str | None = None) -> int:
    """End every session of `handle` (but the one whose digest is `keep`); how many ended."""
    query = delete(web_sessions).where(web_sessions.c.handle == handle)
    if keep is not None:
        query = query.where(web_sessions.c.digest != keep)
    return int(conn.execute(query).rowcount)


def delete_expired(conn: Connection, idle_before: datetime, now: datetime) -> int:
    """Drop sessions past either limit, so the table does not grow with every sign-in."""
    query = delete(web_sessions).where(
        (web_sessions.c.last_seen_at < idle_before) | (web_sessions.c.expires_at <= now)
    )
    return int(conn.execute(query).rowcount)
