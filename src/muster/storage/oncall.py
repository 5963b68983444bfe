"""On-call overrides and calendar-feed secrets. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, delete, insert, select, update

from muster.storage.db import new_id
from muster.storage.tables import calendar_tokens, overrides


def add_override(
    conn: Connection,
    *,
    role: str,
    handle: str,
    starts_at: datetime,
    ends_at: datetime,
    by: str,
    now: datetime,
) -> int:
    return new_id(
        conn,
        insert(overrides).values(
            role=role,
            handle=handle,
            starts_at=starts_at,
            ends_at=ends_at,
            created_by=by,
            created_at=now,
        ),
    )


def overrides_between(conn: Connection, since: datetime, until: datetime) -> list[Row[Any]]:
    """Overrides in force at some moment of [`since`, `until`), oldest made first."""
    query = select(overrides).where(
        overrides.c.cancelled_at.is_(None),
        overrides.c.starts_at < until,
        overrides.c.ends_at > since,
    )
    return list(conn.execute(query.order_by(overrides.c.id)))


def override(conn: Connection, override_id: int) -> Row[Any] | None:
    return conn.execute(select(overrides).where(overrides.c.id == override_id)).first()


def cancel_override(conn: Connection, override_id: int, *, by: str, at: datetime) -> bool:
    statement = (
        update(overrides)
        .where(overrides.c.id == override_id, overrides.c.cancelled_at.is_(None))
        .values(cancelled_at=at, cancelled_by=by)
    )
    return conn.execute(statement).rowcount == 1


def set_calendar_token(conn: Connection, handle: str, *, digest: str, now: datetime) -> None:
    """Give `handle` a new calendar secret; the old one stops working at once."""
    conn.execute(delete(calendar_tokens).where(calendar_tokens.c.handle == handle))
    conn.execute(insert(calendar_tokens).values(handle=handle, digest=digest, created_at=now))


def calendar_holder(conn: Connection, digest: str) -> str | None:
    """Whose calendar secret has this digest, if anyone's."""
    found = conn.scalar(select(calendar_tokens.c.handle).where(calendar_tokens.c.digest == digest))
    return str(found) if found is not None else None
