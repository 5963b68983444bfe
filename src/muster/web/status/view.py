"""What the public status page shows, read in one go: components, current incidents, history.

The public rule is storage's (`comms.public_incidents`): customer updates of incidents that
are neither private nor drills, and nothing else. An incident is public from its first
customer update on; before that customers have been told nothing, so it shows nowhere.

A component's state is the worst state of the current public incidents touching one of its
services. An incident's state, in words (never colour alone, never the team's severity name):

- its latest customer update says `resolved`: Operational (customers were told it is over);
- it says `monitoring` (a fix is in and being watched): Degraded performance;
- otherwise by the severity's place in the plan's list, most severe first: the first is a
  Major outage, the second a Partial outage, any later one (or one no longer in the plan)
  Degraded performance.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from sqlalchemy import Row

from muster.actions.base import Runtime, plan_in_force, reference
from muster.plan import Plan
from muster.storage import comms, incidents, records

DAYS = 90  # of history, today included
FEED_LIMIT = 200


class State(StrEnum):
    """A component's state in the words status pages use; the order is by gravity."""

    operational = "Operational"
    degraded = "Degraded performance"
    partial = "Partial outage"
    major = "Major outage"

    @property
    def rank(self) -> int:
        return list(State).index(self)

    @property
    def key(self) -> str:
        return self.name


def incident_state(plan: Plan, severity: str, status: str | None) -> State:
    """The rule in the module docstring."""
    if status == "resolved":
        return State.operational
    if status == "monitoring":
        return State.degraded
    names = [s.name.casefold() for s in plan.severities]
    wanted = severity.casefold()
    place = names.index(wanted) if wanted in names else len(names)
    return (State.major, State.partial)[place] if place < 2 else State.degraded


def worst(states: list[State]) -> State:
    return max(states, key=lambda s: s.rank, default=State.operational)


@dataclass(frozen=True)
class PublicUpdate:
    status: str
    text: str
    posted_at: datetime
    next_update_at: datetime | None


@dataclass(frozen=True)
class PublicIncident:
    ref: str
    components: list[str]
    state: State
    status: str  # the latest customer status word
    declared_at: datetime
    resolved_at: datetime | None
    updates: list[PublicUpdate]  # newest first, as status pages list them


@dataclass(frozen=True)
class Component:
    name: str
    state: State


@dataclass(frozen=True)
class Day:
    date: date
    incidents: list[PublicIncident]


@dataclass(frozen=True)
class PublicStatus:
    """Everything the page and the feed need, from one consistent read."""

    fingerprint: tuple[int, int, int]
    tz: tzinfo
    today: date
    team: str | None = None  # None before a plan is applied
    timezone: str = "UTC"
    components: list[Component] = field(default_factory=list)
    current: list[PublicIncident] = field(default_factory=list)
    history: list[Day] = field(default_factory=list)
    feed_rows: list[Row[Any]] = field(default_factory=list)

    @property
    def overall(self) -> State:
        return worst([c.state for c in self.components] + [i.state for i in self.current])


def public_status(rt: Runtime) -> PublicStatus:
    """Read the public record. The fingerprint comes from the same read, so a later recheck
    that finds the same fingerprint knows this view is still the truth."""
    now = rt.clock()
    with rt.db.read() as conn:
        fingerprint = comms.public_fingerprint(conn)
        if records.latest_plan(conn) is None:
            return PublicStatus(fingerprint, UTC, now.date())
        pif = plan_in_force(rt, conn)
        today = now.astimezone(pif.tz).date()
        first = today - timedelta(days=DAYS - 1)
        since = datetime.combine(first, time(), pif.tz).astimezone(UTC)
        rows = comms.public_incidents(conn, since)
        services = incidents.services_of(conn, sorted({r.incident_id for r in rows}))
        feed_rows = comms.public_updates(conn, now - timedelta(days=DAYS), limit=FEED_LIMIT)
    plan = pif.plan
    component_of = {s.name: s.status_component for s in plan.services if s.status_component}
    grouped: dict[int, list[Row[Any]]] = defaultdict(list)
    for row in rows:
        grouped[row.incident_id].append(row)
    shown = [_incident(plan, updates, services[i], component_of) for i, updates in grouped.items()]
    current = [i for i in shown if i.resolved_at is None]
    by_day: dict[date, list[PublicIncident]] = defaultdict(list)
    for inc in sorted(shown, key=lambda i: i.resolved_at or now, reverse=True):
        if inc.resolved_at is not None:
            by_day[inc.resolved_at.astimezone(pif.tz).date()].append(inc)
    components = []
    for name in dict.fromkeys(component_of.values()):  # plan order, each name once
        touching = [i.state for i in current if name in i.components]
        components.append(Component(name, worst(touching)))
    return PublicStatus(
        fingerprint=fingerprint,
        tz=pif.tz,
        today=today,
        team=plan.team.name,
        timezone=plan.team.timezone,
        components=components,
        current=sorted(current, key=lambda i: (-i.state.rank, i.declared_at)),
        history=[Day(d, by_day.get(d, [])) for d in (today - timedelta(n) for n in range(DAYS))],
        feed_rows=feed_rows,
    )


def _incident(
    plan: Plan, rows: list[Row[Any]], services: list[str], component_of: dict[str, str]
) -> PublicIncident:
    first, latest = rows[0], rows[-1]
    status = latest.status or "investigating"
    names = sorted({c for s in services if (c := component_of.get(s))})
    return PublicIncident(
        ref=reference(first.incident),
        components=names,
        state=incident_state(plan, first.severity, status),
        status=status,
        declared_at=first.declared_at,
        resolved_at=first.resolved_at,
        updates=[
            PublicUpdate(r.status or "update", r.text, r.posted_at, r.next_update_at)
            for r in reversed(rows)
        ],
    )
