"""Alerts in: a hook request (its integration's secret checked by `actions.integrations`),
storing its alerts, grouping them into incidents, and declaring from a waiting group.

One request is one transaction. Every alert is upserted by fingerprint (a repeat bumps its
row, never adds one); alerts join their group (Alertmanager's or Grafana's group key, or for
generic alerts one service within `GENERIC_WINDOW`); a group routed to a severity with
`open_on_alert` opens an incident at once (`declare_in`), any other waits for a person. The
timeline gets one summarised entry per request and incident, and only for changes: a repeat
of a firing alert is counted, not written. When the last firing alert of an incident
resolves, the commander is told; the incident is never resolved for them.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Row

from muster.actions.base import (
    MAX_BACKDATE,
    Actor,
    Pen,
    PlanInForce,
    Runtime,
    plan_in_force,
    reference,
    require_service,
    require_severity,
    require_text,
)
from muster.actions.incidents import declare_in
from muster.actions.integrations import authorize, integration_named
from muster.actions.messages import Outgoing
from muster.domain.alerts import (
    ALERT_ENTRY,
    GENERIC_WINDOW,
    Alert,
    AlertStatus,
    Batch,
    Kind,
    PayloadError,
    Routed,
    Router,
    compile_rule,
    parse,
    summary,
    title_for,
)
from muster.domain.roles import Role
from muster.errors import Conflict, InvalidInput, NotFound
from muster.plan import Plan
from muster.plan.schema import Integration
from muster.storage import alerts as store
from muster.storage import incidents

# Ingest ----------------------------------------------------------------------------------


@dataclass
class Ingested:
    """What one request did: alerts stored, new ones, and the incidents declared or joined."""

    alerts: int = 0
    new: int = 0
    groups: list[int] = field(default_factory=list)
    declared: list[str] = field(default_factory=list)
    joined: list[str] = field(default_factory=list)
    waiting: list[int] = field(default_factory=list)


def receive(
    rt: Runtime, name: str, *, bearer: str | None, path_secret: str | None, body: bytes
) -> Ingested:
    """A hook request, in one transaction: 404 for an unknown integration, then 401 for a
    wrong secret (before the body is decoded; nothing is stored), then 422 for a body its
    kind does not send, then the alerts (see the module)."""
    now = rt.clock()
    with _writer(rt), rt.db.transaction() as conn:
        pif = plan_in_force(rt, conn)
        integration = integration_named(pif, name)
        given = bearer if integration.auth == "bearer" else path_secret
        authorize(integration, store.secret(conn, integration.name), given)
        batch = _decode(integration, body)
        done, queued = _ingest(conn, pif, integration, batch, now)
    if queued:
        rt.wake.set()
    return done


def _decode(integration: Integration, body: bytes) -> Batch:
    try:
        data = orjson.loads(body.removeprefix(_BOM))
    except orjson.JSONDecodeError as error:
        raise InvalidInput(
            f"the body is not JSON: {error}"[:300],
            hint="send the JSON object your tool's webhook sends",
            field="body",
        ) from None
    if _NUL.search(body):
        _storable(data)
    try:
        return parse(Kind(integration.kind), data)
    except PayloadError as error:
        raise InvalidInput(str(error), hint=error.hint, field=error.field) from None


#: A UTF-8 byte order mark, which some tools put before a JSON file (orjson refuses it).
_BOM = b"\xef\xbb\xbf"
#: The JSON escape for NUL, which no database stores in text (orjson itself refuses lone
#: surrogate halves); only a body holding one is checked in full, so the common case costs
#: one scan.
_NUL = re.compile(rb"\\u0000")


def _storable(data: Any) -> None:
    """Refuse NUL characters anywhere in the decoded body (without recursion: orjson
    accepts nesting deeper than Python's recursion limit)."""
    pending = [data]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and "\x00" in item:
            raise InvalidInput(
                "the body holds a NUL character (\\u0000)", hint="remove it", field="body"
            )


_SQLITE_WRITER = threading.Lock()


@contextmanager
def _writer(rt: Runtime) -> Iterator[None]:
    """On SQLite, one ingest at a time in this process: waiting on a lock is fairer and far
    quicker than SQLite's busy-retry sleeps when a storm of requests competes for the file."""
    with _SQLITE_WRITER if rt.db.is_sqlite else nullcontext():
        yield


@dataclass
class _Joined:
    """One group of a request, once its row is open (and its incident declared, if due)."""

    id: int
    existed: bool
    members: list[Alert]
    incident_id: int | None = None
    number: int = 0
    drill: bool = False
    private: bool = False
    declared: bool = False
    queued: bool = False


def _ingest(
    conn: Connection, pif: PlanInForce, integration: Integration, batch: Batch, now: datetime
) -> tuple[Ingested, bool]:
    """Store, group and route one request's alerts; returns what happened and whether
    messages were queued."""
    author = f"hook:{integration.name}"
    router = router_for(pif.plan)
    latest = _checked(pif.plan, integration, batch.alerts)
    routes = {fp: router.route(alert) for fp, alert in latest.items()}
    joined = [
        _join(conn, pif, router, integration, key, members, routes, now, author)
        for key, members in _by_group(batch, latest).items()
    ]
    stamp = store.stored_time(now)
    rows = [
        _row(integration.name, alert, routes[alert.fingerprint], group, stamp)
        for group in joined
        for alert in group.members
    ]
    known = store.upsert(conn, sorted(rows, key=lambda row: str(row[1])))
    queued = [_record(conn, pif, group, known, now, author) for group in joined]
    done = Ingested(alerts=len(latest), new=sum(1 for fp in latest if fp not in known))
    for group in joined:
        done.groups.append(group.id)
        if group.incident_id is None:
            done.waiting.append(group.id)
        else:
            (done.declared if group.declared else done.joined).append(reference(group.number))
    return done, any(queued) or any(group.queued for group in joined)


def _checked(plan: Plan, integration: Integration, alerts: Sequence[Alert]) -> dict[str, Alert]:
    """The request's alerts by fingerprint (the last of repeats wins). A generic alert names
    its service, and maybe its severity, outright: each must be the plan's, or the whole
    request is refused with a 422 naming the alert."""
    latest: dict[str, Alert] = {}
    for index, alert in enumerate(alerts):
        if integration.kind == Kind.generic:
            where = f"alerts[{index}]"
            service = require_service(plan, alert.service or "", f"{where}.service")
            severity = None
            if alert.severity is not None:
                try:
                    severity = require_severity(plan, alert.severity)
                except InvalidInput as error:
                    raise InvalidInput(
                        error.message, hint=error.hint, field=f"{where}.severity"
                    ) from None
            alert = replace(alert, service=service, severity=severity)
        latest[alert.fingerprint] = alert
    return latest


def _by_group(batch: Batch, latest: dict[str, Alert]) -> dict[str, list[Alert]]:
    """The sender's group key, or for generic alerts one group per service."""
    if batch.group_key is not None:
        return {batch.group_key: list(latest.values())} if latest else {}
    groups: dict[str, list[Alert]] = {}
    for alert in latest.values():
        groups.setdefault(f"service:{alert.service}", []).append(alert)
    return groups


def _join(
    conn: Connection,
    pif: PlanInForce,
    router: Router,
    integration: Integration,
    key: str,
    members: list[Alert],
    routes: dict[str, Routed | None],
    now: datetime,
    author: str,
) -> _Joined:
    """Find or open the group's row, and declare its incident if its severity says so."""
    routed = [r for r in (routes[a.fingerprint] for a in members) if r is not None]
    services = sorted({r.service for r in routed if r.service})
    row = store.open_group(conn, integration.name, key)
    if row is not None and _stale(row, integration, now):
        store.update_group(conn, row.id, closed_at=now)
        row = None
    if row is None:
        severity = router.most_severe(r.severity for r in routed)
        new_id = store.insert_group(
            conn,
            integration=integration.name,
            key=key,
            title=title_for(members),
            service=services[0] if services else None,
            severity=severity,
            opened_at=now,
            last_received_at=now,
        )
        # None: a concurrent request opened it first; take that one (and wait for its lock).
        row = store.open_group(conn, integration.name, key) if new_id is None else None
        if new_id is not None:
            group = _Joined(new_id, False, members)
            return _maybe_declare(conn, pif, group, severity, services, members, now, author)
    assert row is not None
    severity = router.most_severe([*(r.severity for r in routed), *filter(None, [row.severity])])
    store.update_group(
        conn,
        row.id,
        severity=severity,
        service=row.service or (services[0] if services else None),
        last_received_at=now,
    )
    group = _Joined(row.id, True, members, row.incident_id, row.number or 0)
    group.drill, group.private = bool(row.drill), bool(row.private)
    if row.incident_id is not None:
        return group
    if not services and row.service:
        services = [row.service]
    return _maybe_declare(conn, pif, group, severity, services, members, now, author, row.title)


def _stale(row: Row[Any], integration: Integration, now: datetime) -> bool:
    """A group ends when its incident is resolved; a waiting generic group after its window."""
    if row.incident_id is not None:
        return row.resolved_at is not None
    quiet = now - row.last_received_at > GENERIC_WINDOW
    return integration.kind == Kind.generic and quiet


def _maybe_declare(
    conn: Connection,
    pif: PlanInForce,
    group: _Joined,
    severity: str | None,
    services: list[str],
    members: list[Alert],
    now: datetime,
    author: str,
    title: str | None = None,
) -> _Joined:
    firing = [a for a in members if a.status is AlertStatus.firing]
    level = pif.plan.severity(severity) if severity else None
    if level is None or not level.open_on_alert or not firing:
        return group
    declared, group.queued = declare_in(
        conn,
        pif,
        Actor(author),
        now,
        title=title or title_for(members),
        severity=level.name,
        services=services,
        impact="",
        occurred=_detected(firing, now),
    )
    row = incidents.get(conn, declared.number, viewer=None)
    assert row is not None
    store.update_group(conn, group.id, incident_id=row.id)
    group.incident_id, group.number, group.declared = row.id, declared.number, True
    return group


def _detected(firing: Sequence[Alert], now: datetime) -> datetime:
    """When the first alert started, if that is a time the record can hold; else now."""
    starts = [a.starts_at for a in firing if a.starts_at is not None]
    first = min(starts, default=now)
    return first if now - MAX_BACKDATE <= first <= now else now


def _row(
    integration: str, alert: Alert, routed: Routed | None, group: _Joined, stamp: str | None
) -> tuple[Any, ...]:
    """One alert's values in `store.ALERT_COLUMNS` order."""
    return (
        integration,
        alert.fingerprint,
        group.id,
        group.incident_id,
        str(alert.status),
        alert.name,
        routed.service if routed else alert.service,
        routed.severity if routed else None,
        alert.labels,
        alert.annotations,
        alert.url,
        store.stored_time(alert.starts_at),
        store.stored_time(alert.ends_at),
        stamp,
        stamp,
        1,
    )


def _record(
    conn: Connection,
    pif: PlanInForce,
    group: _Joined,
    known: dict[str, Row[Any]],
    now: datetime,
    author: str,
) -> bool:
    """The timeline entry for what changed, and the commander's notice when the last alert
    resolved. Returns whether a message was queued."""
    firing, resolved = [], []
    for alert in group.members:
        before = known.get(alert.fingerprint)
        if alert.status is AlertStatus.firing:
            if (
                before is None
                or before.status != "firing"
                or before.incident_id != group.incident_id
            ):
                firing.append(alert.name)
        elif before is None or before.status == "firing":
            resolved.append(alert.name)
    if group.incident_id is None:
        if resolved and not store.still_firing(conn, group_id=group.id):
            store.update_group(conn, group.id, closed_at=now)  # a waiting group that is over
        return False
    if group.declared and group.existed:
        store.attach(conn, group.id, group.incident_id)
    pen = Pen(conn, group.incident_id, author, now)
    if firing or resolved:
        pen.write(
            ALERT_ENTRY,
            summary(firing, resolved),
            data={"group": group.id, "firing": len(firing), "resolved": len(resolved)},
        )
    if not resolved or store.still_firing(conn, incident_id=group.incident_id):
        return False
    return _tell_commander(conn, pif, group, pen, now)


def _tell_commander(
    conn: Connection, pif: PlanInForce, group: _Joined, pen: Pen, now: datetime
) -> bool:
    assert group.incident_id is not None
    ref = reference(group.number)
    seq = pen.write(
        ALERT_ENTRY,
        f"every alert of {ref} has resolved; the commander decides whether the incident is over",
        data={"group": group.id, "all_resolved": True},
    )
    roles = incidents.roles_of(conn, [group.incident_id])[group.incident_id]
    commander = roles[Role.commander].holder
    out = Outgoing(
        conn,
        pif.plan,
        now,
        group.incident_id,
        group.number,
        drill=group.drill,
        private=group.private,
    )
    out.to_people(
        [commander],
        "alerts-resolved",
        f"commander-{seq}",
        f"Every alert of {ref} has resolved",
        f"Every alert of {ref} has resolved. Muster does not resolve incidents on its own: "
        f"if users are fine again, record it with `muster milestone {ref} mitigated` "
        f"(or resolved). `muster show {ref}` has the record.",
    )
    return bool(out.queued)


# Routing with the plan's routes, compiled once per plan version --------------------------


_ROUTERS: dict[int, tuple[Plan, Router]] = {}
_ROUTERS_LOCK = threading.Lock()


def router_for(plan: Plan) -> Router:
    """The plan's routes compiled (plans are cached per version, so this runs once each)."""
    with _ROUTERS_LOCK:
        found = _ROUTERS.get(id(plan))
        if found is not None and found[0] is plan:
            return found[1]
    rules = []
    for route in plan.routes:
        severity = plan.severity(route.severity)
        service = plan.service(route.service) if route.service else None
        if severity is None or (route.service and service is None):
            continue  # lint refuses such a plan; an old stored one must not break ingest
        name = service.name if service else None
        rules.append(compile_rule(route.match, route.match_re, name, severity.name))
    router = Router(
        rules,
        frozenset(s.name for s in plan.services),
        tuple(s.name for s in plan.severities),
    )
    with _ROUTERS_LOCK:
        _ROUTERS[id(plan)] = (plan, router)
    return router


# Declaring from a waiting group --------------------------------------------------------------


def no_group(group_id: int) -> NotFound:
    return NotFound(f"there is no alert group {group_id}", hint="`muster alerts` lists them")


def declare_from_group(
    rt: Runtime,
    actor: Actor,
    group_id: int,
    *,
    title: str | None = None,
    severity: str | None = None,
    services: list[str] | None = None,
    impact: str = "",
    private: bool = False,
) -> str:
    """A person declares from a waiting (or unrouted) group; its alerts join the incident.
    Returns the incident's reference."""
    now = rt.clock()
    with rt.db.transaction() as conn:
        pif = plan_in_force(rt, conn)
        row = store.group(conn, group_id, lock=True)
        if row is None:
            raise no_group(group_id)
        if row.incident_id is not None:
            raise Conflict(
                f"alert group {group_id} is already {reference(row.number)}",
                hint=f"`muster show {reference(row.number)}`",
            )
        if row.closed_at is not None:
            raise Conflict(
                f"alert group {group_id} is over: its alerts resolved",
                hint="declare with `muster declare` if something is still wrong",
            )
        level = severity or row.severity
        if not level:
            raise InvalidInput(
                f"alert group {group_id} matched no route, so it has no severity",
                hint="give one, like --severity SEV2",
                field="severity",
            )
        chosen = services if services is not None else ([row.service] if row.service else [])
        declared, queued = declare_in(
            conn,
            pif,
            actor,
            now,
            title=require_text(title, "title", limit=200) if title else row.title,
            severity=level,
            services=chosen,
            impact=require_text(impact, "impact") if impact.strip() else "",
            occurred=now,
            private=private,
        )
        incident = incidents.get(conn, declared.number, viewer=None)
        assert incident is not None
        store.update_group(conn, group_id, incident_id=incident.id)
        count = store.attach(conn, group_id, incident.id)
        names = store.names_of_group(conn, group_id)
        Pen(conn, incident.id, actor.handle, now).write(
            ALERT_ENTRY,
            f"declared from alert group {group_id}: {count} alerts ({summary(names, [])})",
            data={"group": group_id, "alerts": count},
        )
    if queued:
        rt.wake.set()
    return reference(declared.number)
