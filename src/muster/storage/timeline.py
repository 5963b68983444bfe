"""The append-only timeline. Entries are inserted, never updated (the schema refuses it)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, insert, or_, select, update

from muster.storage.tables import incidents, timeline_entries


@dataclass(frozen=True)
class NewEntry:
    """An entry to append: what happened, when, and its structured data."""

    kind: str
    text: str
    occurred_at: datetime
    data: Mapping[str, Any] | None = None
    amends: int | None = None


def append(
    conn: Connection,
    incident_id: int,
    entries: Sequence[NewEntry],
    *,
    author: str,
    recorded_at: datetime,
) -> list[int]:
    """Add entries, in order, and return their sequence numbers within the incident.

    The numbers come from bumping `incidents.last_seq` once by the count, which locks the
    incident row until commit: entries from concurrent writers get distinct, gap-free
    numbers in commit order. Two round trips however many entries (a declaration writes a
    dozen): the bump, then one executemany of the rows (psycopg pipelines it; a multi-row
    VALUES statement measured twice as slow to build in SQLAlchemy).
    """
    if not entries:
        return []
    last = conn.execute(
        update(incidents)
        .where(incidents.c.id == incident_id)
        .values(last_seq=incidents.c.last_seq + len(entries))
        .returning(incidents.c.last_seq)
    ).scalar_one()
    first = int(last) - len(entries) + 1
    conn.execute(
        insert(timeline_entries),
        [
            {
                "incident_id": incident_id,
                "seq": first + n,
                "occurred_at": entry.occurred_at,
                "recorded_at": recorded_at,
                "author": author,
                "kind": entry.kind,
                "text": entry.text,
                "data": dict(entry.data or {}),
                "amends": entry.amends,
            }
            for n, entry in enumerate(entries)
        ],
    )
    return list(range(first, first + len(entries)))


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
