"""Integration secrets, alerts and alert groups. Never commits.

Ingest is the hot path (a storm is thousands of alerts a second), so each request costs a
fixed number of statements whatever its size: the group's row, then one multi-row upsert
that also says which alerts were known (on SQLite a SELECT of them just before).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Row, and_, case, func, select, update

from muster.storage.db import dialect_insert
from muster.storage.tables import alert_groups, alerts, incidents, integration_secrets

# Secrets -----------------------------------------------------------------------------------


def secrets(conn: Connection) -> dict[str, str]:
    return {row.name: row.secret for row in conn.execute(select(integration_secrets))}


def secret(conn: Connection, name: str) -> str | None:
    return conn.execute(
        select(integration_secrets.c.secret).where(integration_secrets.c.name == name)
    ).scalar_one_or_none()


def add_secret(conn: Connection, name: str, value: str, at: datetime) -> bool:
    """Store a first secret for `name`; False if one exists (two admins listing at once)."""
    statement = (
        dialect_insert(conn, integration_secrets)
        .values(name=name, secret=value, created_at=at)
        .on_conflict_do_nothing(index_elements=[integration_secrets.c.name])
        .returning(integration_secrets.c.name)
    )
    return conn.execute(statement).first() is not None


def replace_secret(conn: Connection, name: str, value: str, at: datetime) -> None:
    statement = dialect_insert(conn, integration_secrets).values(
        name=name, secret=value, created_at=at
    )
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[integration_secrets.c.name],
            set_={"secret": value, "created_at": at},
        )
    )


# Groups ------------------------------------------------------------------------------------


def open_group(conn: Connection, integration: str, key: str) -> Row[Any] | None:
    """The open group for `key` with its incident's number, flags and resolution, locked
    until commit: requests for one group take turns."""
    return conn.execute(
        select(
            alert_groups,
            incidents.c.number,
            incidents.c.resolved_at,
            incidents.c.drill,
            incidents.c.private,
        )
        .outerjoin(incidents, incidents.c.id == alert_groups.c.incident_id)
        .where(
            alert_groups.c.integration == integration,
            alert_groups.c.key == key,
            alert_groups.c.closed_at.is_(None),
        )
        .with_for_update(of=alert_groups)
    ).first()


def insert_group(conn: Connection, **values: Any) -> int | None:
    """A new open group's id, or None if another request opened the same one first."""
    statement = (
        dialect_insert(conn, alert_groups)
        .values(**values)
        .on_conflict_do_nothing(
            index_elements=[alert_groups.c.integration, alert_groups.c.key],
            index_where=alert_groups.c.closed_at.is_(None),
        )
        .returning(alert_groups.c.id)
    )
    found = conn.execute(statement).scalar_one_or_none()
    return None if found is None else int(found)


def update_group(conn: Connection, group_id: int, **values: Any) -> None:
    conn.execute(update(alert_groups).where(alert_groups.c.id == group_id).values(**values))


def group(conn: Connection, group_id: int, *, lock: bool = False) -> Row[Any] | None:
    """One group with its incident's number and flags (as `open_group`)."""
    query = (
        select(
            alert_groups,
            incidents.c.number,
            incidents.c.resolved_at,
            incidents.c.drill,
            incidents.c.private,
        )
        .outerjoin(incidents, incidents.c.id == alert_groups.c.incident_id)
        .where(alert_groups.c.id == group_id)
    )
    return conn.execute(query.with_for_update(of=alert_groups) if lock else query).first()


def listing(
    conn: Connection, *, open_only: bool, limit: int, group_id: int | None = None
) -> list[Row[Any]]:
    """Groups (or the one `group_id`), open ones first and newest first, with their firing
    and total counts."""
    firing = func.sum(case((alerts.c.status == "firing", 1), else_=0))
    counts = (
        select(
            alerts.c.group_id,
            func.count().label("total"),
            firing.label("firing"),
        )
        .group_by(alerts.c.group_id)
        .subquery()
    )
    query = select(
        alert_groups,
        func.coalesce(counts.c.total, 0).label("total"),
        func.coalesce(counts.c.firing, 0).label("firing"),
    ).outerjoin(counts, counts.c.group_id == alert_groups.c.id)
    if open_only:
        query = query.where(alert_groups.c.closed_at.is_(None))
    if group_id is not None:
        query = query.where(alert_groups.c.id == group_id)
    closed_last = case((alert_groups.c.closed_at.is_(None), 0), else_=1)
    return list(conn.execute(query.order_by(closed_last, alert_groups.c.id.desc()).limit(limit)))


# Alerts ------------------------------------------------------------------------------------


#: The columns of an upserted alert, in the order `upsert` takes each row's values.
ALERT_COLUMNS = (
    "integration",
    "fingerprint",
    "group_id",
    "incident_id",
    "status",
    "name",
    "service",
    "severity",
    "labels",
    "annotations",
    "url",
    "starts_at",
    "ends_at",
    "first_received_at",
    "last_received_at",
    "received",
)
_KEPT = {"integration", "fingerprint", "first_received_at", "received"}
_LABELS, _NOTES = ALERT_COLUMNS.index("labels"), ALERT_COLUMNS.index("annotations")
_CHANGED = ", ".join(f"{c} = excluded.{c}" for c in ALERT_COLUMNS if c not in _KEPT)
_ON_CONFLICT = (
    f"ON CONFLICT (integration, fingerprint) DO UPDATE SET {_CHANGED}, "
    "received = alerts.received + 1"
)

#: Rows per SQLite statement: well under its limit on bound parameters.
CHUNK = 500


@functools.cache
def _sqlite_upsert(count: int) -> str:
    """One INSERT of `count` rows that updates those already known."""
    row = f"({', '.join('?' * len(ALERT_COLUMNS))})"
    columns = ", ".join(ALERT_COLUMNS)
    return f"INSERT INTO alerts ({columns}) VALUES {', '.join([row] * count)} {_ON_CONFLICT}"


_PG_TYPES = {
    "group_id": "INTEGER",
    "incident_id": "INTEGER",
    "received": "INTEGER",
    "labels": "JSON",
    "annotations": "JSON",
    "url": "TEXT",
    "starts_at": "TIMESTAMP",
    "ends_at": "TIMESTAMP",
    "first_received_at": "TIMESTAMP",
    "last_received_at": "TIMESTAMP",
}
#: The whole batch as one JSON parameter; `before` reads the stored state in the statement's
#: snapshot, so the one round trip both writes the alerts and says which were known then.
_PG_UPSERT = (
    "WITH batch AS (SELECT * FROM json_to_recordset(CAST(%s AS JSON)) AS r("
    + ", ".join(f"{c} {_PG_TYPES.get(c, 'VARCHAR')}" for c in ALERT_COLUMNS)
    + ")), before AS (SELECT a.fingerprint, a.status, a.incident_id FROM alerts AS a"
    " JOIN batch AS b ON a.integration = b.integration AND a.fingerprint = b.fingerprint),"
    f" written AS (INSERT INTO alerts ({', '.join(ALERT_COLUMNS)})"
    f" SELECT {', '.join(ALERT_COLUMNS)} FROM batch {_ON_CONFLICT} RETURNING 1)"
    " SELECT fingerprint, status, incident_id FROM before"
)


def stored_time(moment: datetime | None) -> str | None:
    """A time as the raw upsert below takes it: naive UTC text, as `UTCDateTime` writes it
    on SQLite and as PostgreSQL reads a TIMESTAMP."""
    if moment is None:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def upsert(conn: Connection, rows: Sequence[tuple[Any, ...]]) -> dict[str, Row[Any]]:
    """Insert new alerts and update known ones (status, times, group, count); returns the
    state (fingerprint, status, incident_id) each known one had before.

    This is the storm's hot path, so it is plain SQL over values made ready by the caller
    (`ALERT_COLUMNS` order, labels and annotations as dicts, times through `stored_time`):
    SQLAlchemy's per-value processing cost more than the database did. `rows` must hold
    each fingerprint of one integration once, sorted by it, so that two requests sharing
    alerts lock their rows in the same order and cannot deadlock."""
    if not rows:
        return {}
    if conn.dialect.name == "postgresql":
        # One JSON document of all rows, where psycopg's array dumping escaped every
        # element with a regular expression (half the batch's time).
        records = [dict(zip(ALERT_COLUMNS, row, strict=True)) for row in rows]
        found = conn.exec_driver_sql(_PG_UPSERT, (orjson.dumps(records).decode(),))
        return {str(row.fingerprint): row for row in found}
    before = _known(conn, rows[0][0], [str(row[1]) for row in rows])
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        values = tuple(
            value
            for row in chunk
            for value in (
                *row[:_LABELS],
                orjson.dumps(row[_LABELS]).decode(),
                orjson.dumps(row[_NOTES]).decode(),
                *row[_NOTES + 1 :],
            )
        )
        conn.exec_driver_sql(_sqlite_upsert(len(chunk)), values)
    return before


def _known(conn: Connection, integration: str, fingerprints: Sequence[str]) -> dict[str, Row[Any]]:
    """The stored state of those of `fingerprints` seen before, in one query."""
    rows = conn.execute(
        select(alerts.c.fingerprint, alerts.c.status, alerts.c.incident_id).where(
            alerts.c.integration == integration, alerts.c.fingerprint.in_(fingerprints)
        )
    )
    return {str(row.fingerprint): row for row in rows}  # type: ignore[misc]


def attach(conn: Connection, group_id: int, incident_id: int) -> int:
    """Point a group's alerts at an incident; returns how many."""
    result = conn.execute(
        update(alerts).where(alerts.c.group_id == group_id).values(incident_id=incident_id)
    )
    return int(result.rowcount)


def still_firing(conn: Connection, *, incident_id: int | None = None, group_id: int = 0) -> int:
    """How many alerts of an incident (or, without one, of a group) are firing."""
    where = alerts.c.incident_id == incident_id if incident_id else alerts.c.group_id == group_id
    return int(
        conn.execute(
            select(func.count()).where(and_(where, alerts.c.status == "firing"))
        ).scalar_one()
    )


def of_group(conn: Connection, group_id: int, limit: int) -> list[Row[Any]]:
    """A group's alerts, firing first, most recently received first."""
    resolved_last = case((alerts.c.status == "firing", 0), else_=1)
    return list(
        conn.execute(
            select(alerts)
            .where(alerts.c.group_id == group_id)
            .order_by(resolved_last, alerts.c.last_received_at.desc(), alerts.c.id)
            .limit(limit)
        )
    )


def names_of_group(conn: Connection, group_id: int) -> list[str]:
    return list(conn.scalars(select(alerts.c.name).where(alerts.c.group_id == group_id)))
