"""Read models: what the API returns and the CLI and pages show. One schema per resource."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Row

import muster.domain.cadence as cadence
from muster.actions.base import (
    Actor,
    PlanInForce,
    Runtime,
    load_incident,
    plan_in_force,
    reference,
    rollback_paths,
    viewer,
)
from muster.actions.deploys import rollback_warning
from muster.actions.freeze import resolve_service
from muster.actions.oncall import staffing
from muster.actions.paging import Holders, next_step
from muster.domain.hats import hats, warnings, wearers
from muster.domain.milestones import durations, is_open, phase_of
from muster.domain.questions import likely_duplicates
from muster.domain.records import Track
from muster.domain.roles import Role
from muster.plan import Plan
from muster.storage import comms, incidents, paging, records, timeline


class RoleView(BaseModel):
    role: Role
    holder: str  # who wears it now (the commander when nobody else is named)
    named: bool  # False when the commander wears it by default
    backup: str | None
    pending_to: str | None = None
    pending_by: str | None = None
    pending_since: datetime | None = None


class EntryView(BaseModel):
    seq: int
    occurred_at: datetime
    recorded_at: datetime
    author: str
    kind: str
    text: str
    data: dict[str, Any]
    amends: int | None


class TaskView(BaseModel):
    number: int
    title: str
    owner: str | None
    done: bool
    done_by: str | None
    done_at: datetime | None


class FreezeView(BaseModel):
    service: str | None
    reason: str
    since: datetime
    by: str
    incident: str | None


class RollbackView(BaseModel):
    service: str
    runbook: str | None
    last_tested: str | None
    warning: str | None = None  # never tested, or not in the last 90 days


class UpdateView(BaseModel):
    number: int
    track: str
    status: str | None
    text: str
    author: str
    posted_at: datetime
    next_update_at: datetime | None
    template: str | None


class TrackClock(BaseModel):
    """The update rhythm of one track: when the next update is due, and how it has gone."""

    track: str
    interval_seconds: float
    due_at: datetime | None  # None after the final update
    state: str  # upcoming, due, overdue, done
    seconds: float  # until due (upcoming) or since due (due, overdue)
    on_time: int
    due: int  # updates due so far; adherence is on_time / due


class QuestionView(BaseModel):
    number: int
    text: str
    asked_by: str
    asked_at: datetime
    state: str
    answer: str | None
    answered_by: str | None
    merged_into: int | None
    forwarded_to: str | None
    likely_duplicates: list[int]


class PageLine(BaseModel):
    """One person (or `#channel`) paged by one step of the escalation."""

    step: int  # from 1
    person: str
    reason: str  # the role or backup it stood for, "named in the escalation" or "via"
    paged_at: datetime | None  # None: not sent yet
    waits_until: datetime | None  # a page held for working hours
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class NextPage(BaseModel):
    """The step that pages next unless someone acknowledges first."""

    step: int
    of: int
    at: datetime
    paging: list[str]  # like "alice (commander-backup)"


class PagingView(BaseModel):
    pages: list[PageLine]
    next: NextPage | None


class IncidentSummary(BaseModel):
    ref: str
    number: int
    title: str
    severity: str
    phase: str
    open: bool
    drill: bool
    private: bool
    services: list[str]
    commander: str
    declared_at: datetime
    detected_at: datetime | None
    resolved_at: datetime | None


class IncidentDetail(IncidentSummary):
    impact: str
    timezone: str
    plan_version: int
    declared_by: str
    milestones: dict[str, datetime]
    durations: dict[str, float]  # seconds, e.g. time_to_contain
    roles: list[RoleView]
    hats: dict[str, list[Role]]
    warnings: list[str]
    tasks: list[TaskView]
    freezes: list[FreezeView]
    rollback: list[RollbackView]
    status: str | None  # the public status word of the latest customer update
    clocks: list[TrackClock]
    updates: list[UpdateView]
    questions: list[QuestionView]  # for the fixer: only those forwarded to them
    paging: PagingView
    timeline: list[EntryView]


def _summary(row: Row[Any], services: list[str], roles: dict[Role, Row[Any]]) -> dict[str, Any]:
    recorded = incidents.milestones(row)
    holders = {role: r.holder for role, r in roles.items()}
    return {
        "ref": reference(row.number),
        "number": row.number,
        "title": row.title,
        "severity": row.severity,
        "phase": str(phase_of(recorded)),
        "open": is_open(recorded),
        "drill": row.drill,
        "private": row.private,
        "services": services,
        "commander": wearers(holders)[Role.commander],
        "declared_at": row.declared_at,
        "detected_at": row.detected_at,
        "resolved_at": row.resolved_at,
    }


def list_incidents(
    rt: Runtime, actor: Actor, *, open_only: bool = False, limit: int = 100
) -> list[IncidentSummary]:
    with rt.db.read() as conn:
        rows = incidents.listing(conn, viewer=viewer(actor), open_only=open_only, limit=limit)
        ids = [r.id for r in rows]
        services = incidents.services_of(conn, ids)
        roles = incidents.roles_of(conn, ids)
    return [IncidentSummary(**_summary(r, services[r.id], roles[r.id])) for r in rows]


class BoardRow(IncidentSummary):
    """A line of the incidents page: the summary, whether the viewer is in it, and the next
    update due on any track (None when resolved or nothing is due)."""

    mine: bool
    next_update_at: datetime | None
    next_update_state: str | None  # upcoming, due, overdue


def incident_board(
    rt: Runtime,
    actor: Actor,
    *,
    open_only: bool = False,
    severity: str = "",
    service: str = "",
    mine: bool = False,
    limit: int = 200,
) -> list[BoardRow]:
    """The `limit` newest incidents `actor` may see, open first, then filtered: by severity
    and service (ignoring case), and `mine` (declared by, or holding or backing up a role)."""
    with rt.db.read() as conn:
        rows = incidents.listing(conn, viewer=viewer(actor), open_only=open_only, limit=limit)
        ids = [r.id for r in rows]
        services = incidents.services_of(conn, ids)
        roles = incidents.roles_of(conn, ids)
        posted = comms.updates_of(conn, ids)
        board = []
        for row in rows:
            summary = _summary(row, services[row.id], roles[row.id])
            holders = {role: r.holder for role, r in roles[row.id].items()}
            people = set(wearers(holders).values()) | {row.declared_by}
            people |= {r.backup for r in roles[row.id].values() if r.backup}
            if severity and row.severity.casefold() != severity.strip().casefold():
                continue
            if service and service.strip().casefold() not in services[row.id]:
                continue
            if mine and actor.handle not in people:
                continue
            pif = plan_in_force(rt, conn, row.plan_version)
            due = [c for c in _clocks(rt, pif, row, posted[row.id]) if c.due_at is not None]
            soonest = min(due, key=lambda c: c.due_at or row.declared_at) if due else None
            board.append(
                BoardRow(
                    **summary,
                    mine=actor.handle in people,
                    next_update_at=soonest.due_at if soonest else None,
                    next_update_state=soonest.state if soonest else None,
                )
            )
    return board


def incident_detail(rt: Runtime, actor: Actor, ref: str | int) -> IncidentDetail:
    with rt.db.read() as conn:
        row = load_incident(conn, ref, actor)
        return _detail(rt, conn, row, actor)


def _detail(
    rt: Runtime, conn: Connection, row: Row[Any], actor: Actor, *, with_timeline: bool = True
) -> IncidentDetail:
    """Everything about one incident; without the timeline when the caller pages it itself."""
    pif = plan_in_force(rt, conn, row.plan_version)
    services = incidents.services_of(conn, [row.id])[row.id]
    role_rows = incidents.roles_of(conn, [row.id])[row.id]
    holders = {role: r.holder for role, r in role_rows.items()}
    worn = wearers(holders)
    recorded = incidents.milestones(row)
    posted = comms.updates_of(conn, [row.id])[row.id]
    return IncidentDetail(
        **_summary(row, services, role_rows),
        impact=row.impact,
        timezone=pif.plan.team.timezone,
        plan_version=row.plan_version,
        declared_by=row.declared_by,
        milestones={str(m): at for m, at in recorded.items()},
        durations={k: v.total_seconds() for k, v in durations(recorded).items()},
        roles=[
            RoleView(
                role=role,
                holder=worn[role],
                named=bool(role_rows[role].holder),
                backup=role_rows[role].backup,
                pending_to=role_rows[role].pending_to,
                pending_by=role_rows[role].pending_by,
                pending_since=role_rows[role].pending_since,
            )
            for role in Role
        ],
        hats=hats(holders),
        warnings=warnings(holders),
        tasks=[
            TaskView(
                number=t.number,
                title=t.title,
                owner=t.owner,
                done=t.done_at is not None,
                done_by=t.done_by,
                done_at=t.done_at,
            )
            for t in records.tasks_of(conn, row.id)
        ],
        freezes=_freezes(conn, actor, services),
        rollback=[
            RollbackView(
                **path,
                warning=rollback_warning(path["last_tested"], rt.clock().astimezone(pif.tz).date()),
            )
            for path in rollback_paths(pif.plan, services)
        ],
        status=next((u.status for u in reversed(posted) if u.status), None),
        clocks=_clocks(rt, pif, row, posted),
        updates=[
            UpdateView(
                number=u.number,
                track=u.track,
                status=u.status,
                text=u.text,
                author=u.author,
                posted_at=u.posted_at,
                next_update_at=u.next_update_at,
                template=u.template,
            )
            for u in posted
        ],
        questions=_questions(conn, row, actor, worn),
        paging=_paging(conn, pif.plan, row, (worn, {r: v.backup for r, v in role_rows.items()})),
        timeline=[_entry(e) for e in timeline.entries(conn, row.id)] if with_timeline else [],
    )


def entry_view(rt: Runtime, actor: Actor, ref: str | int, seq: int) -> EntryView:
    """One timeline entry: what a write answers, without resending the whole record."""
    with rt.db.read() as conn:
        row = load_incident(conn, ref, actor)
        entry = timeline.entry(conn, row.id, seq)
    assert entry is not None
    return _entry(entry)


def _entry(e: Row[Any]) -> EntryView:
    return EntryView(**_entry_fields(e))


def _entry_fields(e: Row[Any]) -> dict[str, Any]:
    return {name: getattr(e, name) for name in EntryView.model_fields}


def _freezes(conn: Connection, actor: Actor, services: list[str] | None) -> list[FreezeView]:
    """Freezes in force on `services` (and on every service); all of them for None.

    A freeze names its incident only to those who may see that incident.
    """
    active = records.active_freezes(conn)
    if services is not None:
        active = [f for f in active if f.service in services or f.service is None]
    numbers = incidents.visible_numbers(
        conn, [f.incident_id for f in active if f.incident_id], viewer(actor)
    )
    return [
        FreezeView(
            service=f.service,
            reason=f.reason,
            since=f.started_at,
            by=f.started_by,
            incident=reference(numbers[f.incident_id]) if f.incident_id in numbers else None,
        )
        for f in active
    ]


class FreezeStatus(BaseModel):
    service: str | None
    frozen: bool
    freezes: list[FreezeView]


def freeze_status(rt: Runtime, actor: Actor, service: str | None) -> FreezeStatus:
    """What a deploy pipeline asks: may I ship `service` now? Without a service: every freeze."""
    with rt.db.read() as conn:
        name = resolve_service(rt, conn, service)
        views = _freezes(conn, actor, None if name is None else [name])
    return FreezeStatus(service=name, frozen=bool(views), freezes=views)


def timeline_of(rt: Runtime, actor: Actor, ref: str | int) -> list[EntryView]:
    """The record alone, in the order things happened."""
    with rt.db.read() as conn:
        row = load_incident(conn, ref, actor)
        return [_entry(e) for e in timeline.entries(conn, row.id)]


def plan_version(rt: Runtime) -> int | None:
    """The version of the plan in force, None before any is applied (cheap: a health check)."""
    with rt.db.read() as conn:
        latest = records.latest_plan(conn)
    return int(latest.version) if latest else None


def plan_now(rt: Runtime) -> Plan | None:
    """The plan in force, parsed (cached per version), or None before any is applied."""
    with rt.db.read() as conn:
        latest = records.latest_plan(conn)
        return None if latest is None else rt.plan(conn, int(latest.version))


def on_call_now(rt: Runtime, at: datetime) -> dict[Role, tuple[str, str | None]]:
    """(primary, backup) of each role at `at`, overrides included; empty before any plan is
    applied."""
    with rt.db.read() as conn:
        latest = records.latest_plan(conn)
        if latest is None:
            return {}
        return staffing(conn, rt.plan(conn, int(latest.version)), at)


def plan_source(rt: Runtime) -> tuple[int, str]:
    """The plan in force as it was written: (version, YAML text)."""
    with rt.db.read() as conn:
        version = plan_in_force(rt, conn).version
        row = records.plan_version(conn, version)
    assert row is not None
    return version, str(row.source)


def _clocks(
    rt: Runtime, pif: PlanInForce, row: Row[Any], posted: list[Row[Any]]
) -> list[TrackClock]:
    severity = pif.plan.severity(row.severity)
    if severity is None:
        return []
    now = rt.clock()
    found = []
    for track in Track:
        interval = severity.cadence_for(str(track))
        chain = [cadence.Posted(u.posted_at, u.next_update_at) for u in posted if u.track == track]
        due = cadence.next_due(row.declared_at, interval, chain)
        on_time, due_count = cadence.adherence(
            row.declared_at, interval, chain, now, row.resolved_at is None
        )
        if due is None or row.resolved_at is not None:
            state, seconds = "done", 0.0
        else:
            clock = cadence.update_clock(due, interval, now)
            state, seconds = str(clock.state), abs(clock.delta.total_seconds())
        found.append(
            TrackClock(
                track=str(track),
                interval_seconds=interval.total_seconds(),
                due_at=None if state == "done" else due,
                state=state,
                seconds=seconds,
                on_time=on_time,
                due=due_count,
            )
        )
    return found


def _paging(conn: Connection, plan: Plan, row: Row[Any], holders: Holders) -> PagingView:
    """Who the escalation paged, whether they acknowledged, and who it pages next. A page
    still unsent when the incident was acknowledged (or resolved) never goes out: left out."""
    over = row.acknowledged_at is not None or row.resolved_at is not None
    sent = paging.pages_of(conn, [row.id])[row.id]
    coming = next_step(plan, row, sent, holders)
    return PagingView(
        pages=[
            PageLine(
                step=p.step + 1,
                person=p.person,
                reason=p.reason,
                paged_at=p.sent_at,
                waits_until=p.due_at if p.sent_at is None and p.due_at > p.created_at else None,
                acknowledged_at=p.acknowledged_at,
                acknowledged_by=p.acknowledged_by,
            )
            for p in sent
            if p.sent_at is not None or not over
        ],
        next=NextPage(
            step=coming.step,
            of=coming.of,
            at=coming.at,
            paging=[f"{who} ({why})" for who, why in coming.paging],
        )
        if coming
        else None,
    )


def _questions(
    conn: Connection, row: Row[Any], actor: Actor, worn: dict[Role, str]
) -> list[QuestionView]:
    """The queue. The fixer, unless also commander or communicator, sees only what was
    forwarded to them: that is the point of the buffer."""
    asked = comms.questions_of(conn, row.id)
    fixer_only = (
        not actor.admin
        and actor.handle == worn[Role.fixer]
        and actor.handle not in (worn[Role.commander], worn[Role.communicator])
    )
    views = []
    for q in asked:
        if fixer_only and q.forwarded_to != actor.handle:
            continue
        earlier = [(p.number, p.text) for p in asked if p.number < q.number and p.state != "merged"]
        views.append(
            QuestionView(
                number=q.number,
                text=q.text,
                asked_by=q.asked_by,
                asked_at=q.asked_at,
                state=q.state,
                answer=q.answer,
                answered_by=q.answered_by,
                merged_into=q.merged_into,
                forwarded_to=q.forwarded_to,
                likely_duplicates=likely_duplicates(q.text, earlier) if q.state == "open" else [],
            )
        )
    return views


# --- The incident room and its live timeline (web pages) ---

#: Entries the room shows at once. The whole record of a long incident (thousands of entries)
#: is paged with `before=`, so the room's cost does not grow with the incident.
ROOM_PAGE = 200


@dataclass(frozen=True)
class Room:
    """The incident without its full record, and one page of the timeline, newest first.

    `earlier` is the `before=` of the next page back (None at the start of the record);
    `last_seq` is where a live stream of new entries picks up.
    """

    incident: IncidentDetail
    entries: list[EntryView]
    earlier: int | None
    last_seq: int
    plan: Plan  # the plan the incident runs under: its people and templates for the forms


def incident_room(
    rt: Runtime, actor: Actor, ref: str | int, *, before: int | None = None, limit: int = ROOM_PAGE
) -> Room:
    """What the room shows, in one read; `limit=0` skips the timeline (a refresh of the top)."""
    with rt.db.read() as conn:
        row = load_incident(conn, ref, actor)
        detail = _detail(rt, conn, row, actor, with_timeline=False)
        rows = timeline.page(conn, row.id, before=before, limit=limit + 1) if limit else []
        plan = plan_in_force(rt, conn, row.plan_version).plan
    shown = rows[:limit]
    earlier = int(shown[-1].seq) if len(rows) > limit else None
    entries = [_trusted_entry(e) for e in shown]
    return Room(detail, entries, earlier, int(row.last_seq), plan)


def _trusted_entry(e: Row[Any]) -> EntryView:
    """An EntryView of a row just read from our own table, without validating it again: the
    room builds 200 of these per page view."""
    return EntryView.model_construct(**_entry_fields(e))


@dataclass(frozen=True)
class Watched:
    """An incident a live view follows, as `actor` was allowed to see it."""

    incident_id: int
    ref: str
    private: bool
    last_seq: int
    timezone: str  # the team's, for the times in the entries sent


def watch(rt: Runtime, actor: Actor, ref: str | int) -> Watched:
    """Check that `actor` may follow `ref` (404 otherwise): a cheap read, repeated for private
    incidents before each live event."""
    with rt.db.read() as conn:
        row = load_incident(conn, ref, actor)
        timezone = plan_in_force(rt, conn, row.plan_version).plan.team.timezone
    return Watched(
        int(row.id), reference(row.number), bool(row.private), int(row.last_seq), timezone
    )


def timeline_heads(rt: Runtime, incident_ids: list[int]) -> dict[int, int]:
    """id -> seq of the latest entry, for the live fan-out's poll (its watchers were checked
    with `watch`)."""
    with rt.db.read() as conn:
        return incidents.last_seqs(conn, incident_ids)


def entries_since(rt: Runtime, incident_id: int, after: int) -> list[EntryView]:
    """Entries recorded after seq `after`, in recording order, for the live fan-out."""
    with rt.db.read() as conn:
        return [_entry(e) for e in timeline.since(conn, incident_id, after)]
