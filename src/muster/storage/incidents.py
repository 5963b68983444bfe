"""Queries on incidents, their services and their role holders. Never commits."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, case, func, insert, select, update

from muster.domain.milestones import Milestone
from muster.domain.roles import Role
from muster.storage.db import new_id
from muster.storage.tables import counters, incident_roles, incident_services, incidents


def next_number(conn: Connection) -> int:
    """The next incident number, gap-free: the counter row is locked until commit."""
    bumped = conn.execute(
        update(counters)
        .where(counters.c.name == "incident")
        .values(value=counters.c.value + 1)
        .returning(counters.c.value)
    ).scalar()
    if bumped is not None:
        return int(bumped)
    highest = conn.execute(select(func.max(incidents.c.number))).scalar() or 0
    conn.execute(insert(counters).values(name="incident", value=highest + 1))
    return int(highest) + 1


def insert_incident(conn: Connection, **values: Any) -> int:
    return new_id(conn, insert(incidents).values(**values))


def get(conn: Connection, number: int, *, lock: bool = False) -> Row[Any] | None:
    """The incident row; with `lock`, held until commit so concurrent writers queue up."""
    query = select(incidents).where(incidents.c.number == number)
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


def listing(conn: Connection, *, open_only: bool, limit: int) -> list[Row[Any]]:
    """Incidents newest first (open ones first when everything is listed)."""
    query = select(incidents)
    if open_only:
        query = query.where(incidents.c.resolved_at.is_(None))
    open_first = case((incidents.c.resolved_at.is_(None), 0), else_=1)
    query = query.order_by(open_first, incidents.c.number.desc()).limit(limit)
    return list(conn.execute(query))
