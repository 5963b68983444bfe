"""The append-only timeline. Entries are inserted, never updated (the schema refuses it)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

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
