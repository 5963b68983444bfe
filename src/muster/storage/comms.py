"""Queries on updates, questions, reminders and status-page subscribers. Never commits."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, func, insert, or_, select, update

from muster.storage.db import dialect_insert
from muster.storage.tables import (
    incidents,
    plan_versions,
    questions,
    reminders,
    subscribers,
    updates,
)


def _next_number(conn: Connection, table: Any, incident_id: int) -> int:
    """Numbers per incident; callers hold the incident's row lock, so no two writers race."""
    highest = conn.execute(
        select(func.coalesce(func.max(table.c.number), 0)).where(table.c.incident_id == incident_id)
    ).scalar_one()
    return int(highest) + 1


# Updates ----------------------------------------------------------------------------------


def add_update(conn: Connection, incident_id: int, **values: Any) -> int:
    number = _next_number(conn, updates, incident_id)
    conn.execute(insert(updates).values(incident_id=incident_id, number=number, **values))
    return number


def updates_of(conn: Connection, incident_ids: list[int]) -> dict[int, list[Row[Any]]]:
    """Each incident's updates in the order they were posted."""
    found: dict[int, list[Row[Any]]] = {i: [] for i in incident_ids}
    if incident_ids:
        rows = conn.execute(
            select(updates)
            .where(updates.c.incident_id.in_(incident_ids))
            .order_by(updates.c.posted_at, updates.c.number)
        )
        for row in rows:
            found[row.incident_id].append(row)
    return found


# Questions --------------------------------------------------------------------------------


def add_question(conn: Connection, incident_id: int, **values: Any) -> int:
    number = _next_number(conn, questions, incident_id)
    conn.execute(insert(questions).values(incident_id=incident_id, number=number, **values))
    return number


def questions_of(conn: Connection, incident_id: int) -> list[Row[Any]]:
    return list(
        conn.execute(
            select(questions)
            .where(questions.c.incident_id == incident_id)
            .order_by(questions.c.number)
        )
    )


def question(conn: Connection, incident_id: int, number: int) -> Row[Any] | None:
    return conn.execute(
        select(questions).where(
            questions.c.incident_id == incident_id, questions.c.number == number
        )
    ).first()


def change_question(conn: Connection, question_id: int, **values: Any) -> None:
    conn.execute(update(questions).where(questions.c.id == question_id).values(**values))


# Reminders --------------------------------------------------------------------------------


def record_reminder(
    conn: Connection, incident_id: int, *, track: str, due_at: datetime, level: str, now: datetime
) -> bool:
    """Record that a reminder went out; False if it already had (another worker, or before)."""
    statement = (
        dialect_insert(conn, reminders)
        .values(incident_id=incident_id, track=track, due_at=due_at, level=level, created_at=now)
        .on_conflict_do_nothing(index_elements=["incident_id", "track", "due_at", "level"])
        .returning(reminders.c.id)
    )
    # A returned id means "new" on both databases (rowcount is unreliable with RETURNING).
    return conn.execute(statement).first() is not None


# Subscribers ------------------------------------------------------------------------------


def add_subscriber(conn: Connection, email: str, now: datetime) -> bool:
    """Subscribe (or re-subscribe) an address; False when it was already subscribed."""
    row = conn.execute(select(subscribers).where(subscribers.c.email == email)).first()
    if row is None:
        conn.execute(insert(subscribers).values(email=email, created_at=now))
        return True
    if row.unsubscribed_at is not None:
        conn.execute(
            update(subscribers).where(subscribers.c.id == row.id).values(unsubscribed_at=None)
        )
        return True
    return False


def remove_subscriber(conn: Connection, email: str, now: datetime) -> bool:
    result = conn.execute(
        update(subscribers)
        .where(subscribers.c.email == email, subscribers.c.unsubscribed_at.is_(None))
        .values(unsubscribed_at=now)
    )
    return bool(result.rowcount)


def subscriber_emails(conn: Connection) -> list[str]:
    return list(
        conn.execute(
            select(subscribers.c.email)
            .where(subscribers.c.unsubscribed_at.is_(None))
            .order_by(subscribers.c.id)
        ).scalars()
    )


# Public: what customers may read (the feed and the status page) ----------------------------

_PUBLIC_INCIDENT = (incidents.c.private.is_(False), incidents.c.drill.is_(False))
#: The one rule for what is public: customer-track updates of incidents that are neither
#: private nor drills. Nothing else (titles, internal updates, names) ever leaves.
_PUBLIC_UPDATE: tuple[ColumnElement[bool], ...] = (updates.c.track == "customer", *_PUBLIC_INCIDENT)


def public_updates(conn: Connection, since: datetime, limit: int) -> list[Row[Any]]:
    """Customer updates of incidents that are neither private nor drills, newest first."""
    return list(
        conn.execute(
            select(
                updates.c.number,
                updates.c.status,
                updates.c.text,
                updates.c.posted_at,
                incidents.c.number.label("incident"),
            )
            .join(incidents, incidents.c.id == updates.c.incident_id)
            .where(updates.c.posted_at >= since, *_PUBLIC_UPDATE)
            .order_by(updates.c.posted_at.desc(), updates.c.id.desc())
            .limit(limit)
        )
    )


def public_incidents(conn: Connection, resolved_since: datetime) -> list[Row[Any]]:
    """The public record of the status page: every customer update of the public incidents
    that are open or were resolved since `resolved_since`, oldest first by incident.

    An incident with no customer update is not public yet: customers have been told nothing.
    Each row carries the incident's public facts (id, number, severity, declared_at,
    resolved_at) beside the update's (number, status, text, posted_at, next_update_at).
    """
    return list(
        conn.execute(
            select(
                incidents.c.id.label("incident_id"),
                incidents.c.number.label("incident"),
                incidents.c.severity,
                incidents.c.declared_at,
                incidents.c.resolved_at,
                updates.c.number,
                updates.c.status,
                updates.c.text,
                updates.c.posted_at,
                updates.c.next_update_at,
            )
            .join(incidents, incidents.c.id == updates.c.incident_id)
            .where(
                *_PUBLIC_UPDATE,
                or_(incidents.c.resolved_at.is_(None), incidents.c.resolved_at >= resolved_since),
            )
            .order_by(incidents.c.number, updates.c.posted_at, updates.c.number)
        )
    )


def public_fingerprint(conn: Connection) -> tuple[int, int, int]:
    """Changes whenever what the public sees may have changed, in one cheap query.

    Every change to an incident writes a timeline entry, which bumps its `last_seq`, and a
    new plan adds a version; so (public incidents, sum of their last_seq, newest plan) moves
    on every such write, from this process or any other.
    """
    count, seqs = conn.execute(
        select(func.count(), func.coalesce(func.sum(incidents.c.last_seq), 0)).where(
            *_PUBLIC_INCIDENT
        )
    ).one()
    plan = conn.execute(select(func.coalesce(func.max(plan_versions.c.version), 0))).scalar_one()
    return int(count), int(seqs), int(plan)
