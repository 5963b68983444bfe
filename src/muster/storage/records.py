"""Plans, tasks, freezes and tokens: the small tables, one helper each. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, insert, literal, or_, select, update

from muster.storage.db import new_id
from muster.storage.tables import counters, freezes, plan_versions, tasks, tokens


def serialise(conn: Connection, name: str) -> None:
    """Queue behind other writers of the same kind until commit (`plan`, `freeze`).

    SQLite writers are already one at a time (BEGIN IMMEDIATE); on PostgreSQL this row lock
    turns check-then-insert into a safe step.
    """
    conn.execute(select(counters.c.value).where(counters.c.name == name).with_for_update())


# Plans ------------------------------------------------------------------------------------


def latest_plan(conn: Connection) -> Row[Any, Any] | None:
    """The newest version's number and digest (not its text: plans are cached by version)."""
    return conn.execute(
        select(plan_versions.c.version, plan_versions.c.digest)
        .order_by(plan_versions.c.version.desc())
        .limit(1)
    ).first()


def plan_version(conn: Connection, version: int) -> Row[Any] | None:
    return conn.execute(select(plan_versions).where(plan_versions.c.version == version)).first()


def insert_plan(conn: Connection, *, source: str, digest: str, at: datetime, by: str) -> int:
    """Store a new version; the primary key makes two concurrent applies of one number fail."""
    version = (
        int(conn.execute(select(func.coalesce(func.max(plan_versions.c.version), 0))).scalar_one())
        + 1
    )
    conn.execute(
        insert(plan_versions).values(
            version=version, source=source, digest=digest, applied_at=at, applied_by=by
        )
    )
    return version


# Tasks ------------------------------------------------------------------------------------


def add_task(
    conn: Connection, incident_id: int, *, title: str, owner: str | None, at: datetime
) -> int:
    """A new task, numbered after the incident's last one (one statement); its number."""
    given = {"incident_id": incident_id, "title": title, "owner": owner, "created_at": at}
    following = func.coalesce(func.max(tasks.c.number), 0) + 1
    row = select(
        following, *(literal(value, tasks.c[name].type) for name, value in given.items())
    ).where(tasks.c.incident_id == incident_id)
    statement = insert(tasks).from_select(["number", *given], row).returning(tasks.c.number)
    return int(conn.execute(statement).scalar_one())


def tasks_of(conn: Connection, incident_id: int) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(tasks).where(tasks.c.incident_id == incident_id).order_by(tasks.c.number)
        )
    )


def task(conn: Connection, incident_id: int, number: int) -> Row[Any] | None:
    return conn.execute(
        select(tasks).where(tasks.c.incident_id == incident_id, tasks.c.number == number)
    ).first()


def finish_task(conn: Connection, task_id: int, *, by: str, at: datetime) -> None:
    conn.execute(update(tasks).where(tasks.c.id == task_id).values(done_at=at, done_by=by))


# Freezes ----------------------------------------------------------------------------------


def active_freezes(conn: Connection, service: str | None = None) -> list[Row[Any]]:
    """Freezes in force; for a service, those on it and those on every service."""
    query = select(freezes).where(freezes.c.ended_at.is_(None))
    if service is not None:
        query = query.where(or_(freezes.c.service == service, freezes.c.service.is_(None)))
    return list(conn.execute(query.order_by(freezes.c.started_at, freezes.c.id)))


def start_freeze(
    conn: Connection,
    *,
    service: str | None,
    reason: str,
    by: str,
    at: datetime,
    incident_id: int | None = None,
) -> int:
    return new_id(
        conn,
        insert(freezes).values(
            service=service,
            reason=reason,
            incident_id=incident_id,
            started_at=at,
            started_by=by,
        ),
    )


def end_freezes(conn: Connection, ids: Sequence[int], *, by: str, at: datetime) -> None:
    if ids:
        conn.execute(update(freezes).where(freezes.c.id.in_(ids)).values(ended_at=at, ended_by=by))


# Tokens -----------------------------------------------------------------------------------


def insert_token(
    conn: Connection, *, handle: str, digest: str, label: str, admin: bool, at: datetime
) -> int:
    return new_id(
        conn,
        insert(tokens).values(
            handle=handle, digest=digest, label=label, admin=admin, created_at=at
        ),
    )


def token_by_digest(conn: Connection, digest: str) -> Row[Any] | None:
    return conn.execute(
        select(tokens).where(tokens.c.digest == digest, tokens.c.revoked_at.is_(None))
    ).first()


def tokens_of(conn: Connection) -> list[Row[Any]]:
    return list(conn.execute(select(tokens).order_by(tokens.c.id)))


def revoke_token(conn: Connection, token_id: int, at: datetime) -> bool:
    result = conn.execute(
        update(tokens)
        .where(tokens.c.id == token_id, tokens.c.revoked_at.is_(None))
        .values(revoked_at=at)
    )
    return bool(result.rowcount)
