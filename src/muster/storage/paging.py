"""Pages: who each escalation step paged, when, and whether they acknowledged. Never commits."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select, update

from muster.storage.db import dialect_insert
from muster.storage.tables import incidents, pages


def add_page(
    conn: Connection,
    *,
    incident_id: int,
    step: int,
    person: str,
    reason: str,
    now: datetime,
    due_at: datetime,
) -> bool:
    """Record that step `step` pages `person`; False if it already had (the unique key)."""
    statement = (
        dialect_insert(conn, pages)
        .values(
            incident_id=incident_id,
            step=step,
            person=person,
            reason=reason,
            created_at=now,
            due_at=due_at,
        )
        .on_conflict_do_nothing(index_elements=["incident_id", "step", "person"])
        .returning(pages.c.id)
    )
    return conn.execute(statement).first() is not None


def pages_of(conn: Connection, incident_ids: Sequence[int]) -> dict[int, list[Row[Any]]]:
    """Each incident's pages, by step then person."""
    found: dict[int, list[Row[Any]]] = {i: [] for i in incident_ids}
    if incident_ids:
        query = (
            select(pages)
            .where(pages.c.incident_id.in_(list(incident_ids)))
            .order_by(pages.c.step, pages.c.id)
        )
        for row in conn.execute(query):
            found[row.incident_id].append(row)
    return found


def unacknowledged_incidents(conn: Connection) -> list[Row[Any]]:
    """Open incidents nobody has acknowledged yet: the ones escalation still works on."""
    query = select(incidents).where(
        incidents.c.resolved_at.is_(None), incidents.c.acknowledged_at.is_(None)
    )
    return list(conn.execute(query.order_by(incidents.c.id)))


def mark_sent(conn: Connection, page_id: int, *, now: datetime, token_digest: str) -> bool:
    """Note a page as sent with its link's token; False if it already was (another worker)."""
    statement = (
        update(pages)
        .where(pages.c.id == page_id, pages.c.sent_at.is_(None))
        .values(sent_at=now, token_digest=token_digest)
    )
    return conn.execute(statement).rowcount == 1


def by_token(conn: Connection, token_digest: str) -> Row[Any] | None:
    return conn.execute(select(pages).where(pages.c.token_digest == token_digest)).first()


def acknowledge(conn: Connection, incident_id: int, *, by: str, at: datetime) -> list[Row[Any]]:
    """Mark the incident's unacknowledged pages as acknowledged by `by`; returns them."""
    statement = (
        update(pages)
        .where(pages.c.incident_id == incident_id, pages.c.acknowledged_at.is_(None))
        .values(acknowledged_at=at, acknowledged_by=by)
        .returning(*pages.c)
    )
    return sorted(conn.execute(statement), key=lambda row: (row.step, row.id))


def incident_of(conn: Connection, page: Row[Any]) -> Row[Any]:
    """The incident a page belongs to (pages are never deleted, nor are incidents)."""
    return conn.execute(select(incidents).where(incidents.c.id == page.incident_id)).one()
