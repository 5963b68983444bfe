"""The append-only timeline. Entries are inserted, never updated (the schema refuses it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, insert, or_, select, update

from muster.storage.tables import incidents, timeline_entries


def append(
    conn: Connection,
    incident_id: int,
    *,
    kind: str,
    text: str,
    author: str,
    occurred_at: datetime,
    recorded_at: datetime,
    data: Mapping[str, Any] | None = None,
    amends: int | None = None,
) -> int:
    """Add one entry and return its sequence number within the incident.

    The number comes from bumping `incidents.last_seq`, which locks the incident row until
    commit: entries from concurrent writers get distinct, gap-free numbers in commit order.
    """
    seq = conn.execute(
        update(incidents)
        .where(incidents.c.id == incident_id)
        .values(last_seq=incidents.c.last_seq + 1)
        .returning(incidents.c.last_seq)
    ).scalar_one()
    conn.execute(
        insert(timeline_entries).values(
            incident_id=incident_id,
            seq=seq,
            occurred_at=occurred_at,
            recorded_at=recorded_at,
            author=author,
            kind=kind,
            text=text,
            data=dict(data or {}),
            amends=amends,
        )
    )
    return int(seq)


def entries(conn: Connection, incident_id: int) -> list[Row[Any]]:
    """The whole record in the order things happened (recording order breaks ties)."""
    return list(
        conn.execute(
            select(timeline_entries)
            .where(timeline_entries.c.incident_id == incident_id)
            .order_by(timeline_entries.c.occurred_at, timeline_entries.c.seq)
        )
    )


def entry(conn: Connection, incident_id: int, seq: int) -> Row[Any] | None:
    return conn.execute(
        select(timeline_entries).where(
            timeline_entries.c.incident_id == incident_id, timeline_entries.c.seq == seq
        )
    ).first()


def page(conn: Connection, incident_id: int, *, before: int | None, limit: int) -> list[Row[Any]]:
    """Up to `limit` entries, newest first (the timeline's order reversed), that come before
    entry `before` in that order; the latest ones without it. A keyset on (occurred_at, seq)
    so paging back through a long record costs the same on every page."""
    query = select(timeline_entries).where(timeline_entries.c.incident_id == incident_id)
    if before is not None:
        anchor = (
            select(timeline_entries.c.occurred_at)
            .where(timeline_entries.c.incident_id == incident_id, timeline_entries.c.seq == before)
            .scalar_subquery()
        )
        query = query.where(
            or_(
                timeline_entries.c.occurred_at < anchor,
                and_(timeline_entries.c.occurred_at == anchor, timeline_entries.c.seq < before),
            )
        )
    query = query.order_by(timeline_entries.c.occurred_at.desc(), timeline_entries.c.seq.desc())
    return list(conn.execute(query.limit(limit)))


def since(conn: Connection, incident_id: int, after: int) -> list[Row[Any]]:
    """Entries recorded after entry `after`, in recording order: what a live view missed."""
    return list(
        conn.execute(
            select(timeline_entries)
            .where(timeline_entries.c.incident_id == incident_id, timeline_entries.c.seq > after)
            .order_by(timeline_entries.c.seq)
        )
    )
