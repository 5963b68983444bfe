"""Queries on incidents, their services and their role holders. Never commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, case, insert, or_, select, true, update

from muster.domain.milestones import Milestone
from muster.domain.roles import Role
from muster.storage.db import new_id
from muster.storage.tables import (
    counters,
    incident_roles,
    incident_services,
    incidents,
    timeline_entries,
)


def next_number(conn: Connection) -> int:
    """The next incident number, gap-free: the counter row is locked until commit."""
    return int(
        conn.execute(
            update(counters)
            .where(counters.c.name == "incident")
            .values(value=counters.c.value + 1)
            .returning(counters.c.value)
        ).scalar_one()
    )


def insert_incident(conn: Connection, **values: Any) -> int:
    return new_id(conn, insert(incidents).values(**values))


def visible_to(handle: str | None) -> ColumnElement[bool]:
    """Who may see an incident: everyone, unless it is private; then its participants only.

    Participants are the declarer, every holder, backup or receiver of an offered role, and
    anyone who has written on its timeline (so declining an offer keeps the record in view).
    `None` is the server's admin, who sees everything.
    """
    if handle is None:
        return true()
    roles = select(incident_roles.c.incident_id).where(
        incident_roles.c.incident_id == incidents.c.id,
        or_(
            incident_roles.c.holder == handle,
            incident_roles.c.backup == handle,
            incident_roles.c.pending_to == handle,
        ),
    )
    wrote = select(timeline_entries.c.id).where(
        timeline_entries.c.incident_id == incidents.c.id, timeline_entries.c.author == handle
    )
    return or_(
        incidents.c.private.is_(False),
        incidents.c.declared_by == handle,
        roles.exists(),
        wrote.exists(),
    )


def get(
    conn: Connection, number: int, *, viewer: str | None, lock: bool = False
) -> Row[Any] | None:
    """The incident row if `viewer` may see it; with `lock`, held until commit so concurrent
    writers queue up."""
    query = select(incidents).where(incidents.c.number == number, visible_to(viewer))
    if lock:
        query = query.with_for_update()
    return conn.execute(query).first()


def milestones(row: Row[Any]) -> dict[Milestone, datetime]:
    """The milestones on record, from the row's `<milestone>_at` columns."""
    found = {m: getattr(row, f"{m}_at") for m in Milestone}
    return {m: at for m, at in found.items() if at is not None}


def set_milestone(conn: Connection, incident_id: int, milestone: Milestone, at: datetime) -> None:
    conn.execute(
        update(incidents).where(incidents.c.id == incident_id).values({f"{milestone}_at": at})
    )


def set_fields(conn: Connection, incident_id: int, **values: Any) -> None:
    conn.execute(update(incidents).where(incidents.c.id == incident_id).values(**values))


def add_services(conn: Connection, incident_id: int, services: Iterable[str]) -> None:
    rows = [{"incident_id": incident_id, "service": s} for s in services]
    if rows:
        conn.execute(insert(incident_services), rows)


def services_of(conn: Connection, incident_ids: Sequence[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in incident_ids}
    if incident_ids:
        rows = conn.execute(
            select(incident_services)
            .where(incident_services.c.incident_id.in_(incident_ids))
            .order_by(incident_services.c.service)
        )
        for row in rows:
            found[row.incident_id].append(row.service)
    return found


def add_roles(
    conn: Connection, incident_id: int, roles: dict[Role, tuple[str, str | None]]
) -> None:
    conn.execute(
        insert(incident_roles),
        [
            {"incident_id": incident_id, "role": str(role), "holder": holder, "backup": backup}
            for role, (holder, backup) in roles.items()
        ],
    )


def roles_of(conn: Connection, incident_ids: Sequence[int]) -> dict[int, dict[Role, Row[Any]]]:
    found: dict[int, dict[Role, Row[Any]]] = {i: {} for i in incident_ids}
    if incident_ids:
        rows = conn.execute(
            select(incident_roles).where(incident_roles.c.incident_id.in_(incident_ids))
        )
        for row in rows:
            found[row.incident_id][Role(row.role)] = row
    return found


def update_role(conn: Connection, incident_id: int, role: Role, **values: Any) -> None:
    conn.execute(
        update(incident_roles)
        .where(incident_roles.c.incident_id == incident_id, incident_roles.c.role == str(role))
        .values(**values)
    )


def listing(conn: Connection, *, viewer: str | None, open_only: bool, limit: int) -> list[Row[Any]]:
    """Incidents `viewer` may see, open ones first, newest first."""
    query = select(incidents).where(visible_to(viewer))
    if open_only:
        query = query.where(incidents.c.resolved_at.is_(None))
    open_first = case((incidents.c.resolved_at.is_(None), 0), else_=1)
    query = query.order_by(open_first, incidents.c.number.desc()).limit(limit)
    return list(conn.execute(query))


def visible_numbers(
    conn: Connection, incident_ids: Sequence[int], viewer: str | None
) -> dict[int, int]:
    """id -> number of those incidents `viewer` may see (for records that point at them)."""
    if not incident_ids:
        return {}
    rows = conn.execute(
        select(incidents.c.id, incidents.c.number).where(
            incidents.c.id.in_(incident_ids), visible_to(viewer)
        )
    )
    return {int(row.id): int(row.number) for row in rows}


def private_open(conn: Connection) -> list[Row[Any]]:
    """Open private incidents (their titles must never reach a customer update)."""
    return list(
        conn.execute(
            select(incidents.c.id, incidents.c.title, incidents.c.impact).where(
                incidents.c.private.is_(True), incidents.c.resolved_at.is_(None)
            )
        )
    )


def last_seqs(conn: Connection, incident_ids: Sequence[int]) -> dict[int, int]:
    """id -> the seq of the incident's latest timeline entry: a primary-key read that tells a
    live view whether anything was written."""
    if not incident_ids:
        return {}
    rows = conn.execute(
        select(incidents.c.id, incidents.c.last_seq).where(incidents.c.id.in_(incident_ids))
    )
    return {int(row.id): int(row.last_seq) for row in rows}
