"""Paging and escalation: reach the on-call people until someone acknowledges.

A declaration opens step 0 of the severity's escalation (`start_paging`, inside the
declaring transaction). From then on the escalation job (`advance`) sends pages that are due
and opens each later step once the incident has gone unacknowledged for its delay. A step's
pages are rows with a unique key (incident, step, person): however many alerts, workers or
retries reach a step, it pages each person once.

A page is an outbox message to each of the person's contacts carrying a one-time link,
`/ack/TOKEN`. Acknowledging the incident by any path (the link, `muster ack`, the API, the
web) records the `acknowledged` milestone, marks its pages, and stops the escalation.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row

from muster.actions.base import Actor, Pen, Runtime, digest, load_incident, plan_in_force, reference
from muster.actions.messages import Outgoing
from muster.domain import escalation
from muster.domain.durations import format_duration
from muster.domain.hats import wearers
from muster.domain.milestones import Milestone
from muster.domain.records import EntryKind
from muster.domain.roles import Role
from muster.errors import NotFound
from muster.plan import Plan
from muster.plan.schema import Severity
from muster.storage import incidents, outbox, paging

#: Who writes what the escalation does on the timeline.
AUTHOR = "muster"


def _week(plan: Plan, severity: Severity) -> escalation.WorkingWeek | None:
    """The working week a severity's pages wait for, or None when it pages at any hour."""
    hours = plan.team.working_hours
    if severity.page_hours != "working-hours" or hours is None:
        return None
    return hours.to_domain(plan.team.timezone)


def _local(moment: datetime, plan: Plan) -> str:
    return moment.astimezone(ZoneInfo(plan.team.timezone)).strftime(
        f"%a %Y-%m-%d %H:%M {plan.team.timezone}"
    )


Holders = tuple[dict[Role, str], dict[Role, str | None]]


def _holders(conn: Connection, incident_ids: list[int]) -> dict[int, Holders]:
    """Each incident's role wearers now (handoffs included) and their backups."""
    found = incidents.roles_of(conn, incident_ids)
    return {
        incident_id: (
            wearers({role: r.holder for role, r in rows.items()}),
            {role: r.backup for role, r in rows.items()},
        )
        for incident_id, rows in found.items()
    }


def _due(plan: Plan, severity: Severity, row: Row[Any], step: int) -> datetime:
    """When step `step` of `row`'s escalation pages (if nobody acknowledges first)."""
    week = _week(plan, severity)
    start = escalation.escalation_start(row.declared_at, week)
    return escalation.step_due(start, severity.escalation_steps()[step].delay, week)


def _targets(
    severity: Severity, step: int, row: Row[Any], holders: Holders
) -> list[tuple[str, str]]:
    """Who step `step` pages, as (person or #channel, why). A private incident stays with
    its participants: no channel is paged."""
    at = severity.escalation_steps()[step]
    people = escalation.resolve(at.page, *holders)
    return people if row.private else people + [(f"#{name}", "via") for name in at.via]


def _open_step(
    conn: Connection, plan: Plan, row: Row[Any], severity: Severity, step: int, now: datetime
) -> None:
    """Create step `step`'s pages (each person, then each `via` channel) and say so."""
    steps = severity.escalation_steps()
    due = _due(plan, severity, row, step)
    targets = _targets(severity, step, row, _holders(conn, [row.id])[row.id])
    for person, reason in targets:
        paging.add_page(
            conn,
            incident_id=row.id,
            step=step,
            person=person,
            reason=reason,
            now=now,
            due_at=due,
        )
    pen = Pen(conn, row.id, AUTHOR, now)
    names = ", ".join(f"{p} ({why})" for p, why in targets) or "nobody (no one is named)"
    data = {"step": step + 1, "of": len(steps), "paging": [p for p, _ in targets]}
    if step > 0:
        waited = format_duration(steps[step].delay)
        pen.write(
            EntryKind.page,
            f"not acknowledged after {waited}: escalating to step {step + 1} of {len(steps)}: "
            f"{names}",
            data={**data, "escalation": True},
        )
    if due > now:
        pen.write(
            EntryKind.page,
            f"pages to {names} wait for working hours: {_local(due, plan)}",
            data={**data, "due_at": due.isoformat()},
        )


@dataclass(frozen=True)
class NextStep:
    """The step that pages next unless someone acknowledges: its number (from 1) of how
    many, when, and who it pages."""

    step: int
    of: int
    at: datetime
    paging: list[tuple[str, str]]


def next_step(
    plan: Plan, row: Row[Any], pages: list[Row[Any]], holders: Holders
) -> NextStep | None:
    """None once the incident is acknowledged or resolved, when its escalation never
    started (the commander declared it), or after its last step."""
    severity = plan.severity(row.severity)
    if row.acknowledged_at or row.resolved_at or severity is None or not pages:
        return None
    steps = severity.escalation_steps()
    after = max(p.step for p in pages) + 1
    for upcoming in range(after, len(steps)):
        targets = _targets(severity, upcoming, row, holders)
        if targets:
            return NextStep(upcoming + 1, len(steps), _due(plan, severity, row, upcoming), targets)
    return None


def start_paging(
    conn: Connection, plan: Plan, number: int, now: datetime, *, acknowledged: bool
) -> bool:
    """At declaration, inside its transaction: open step 0 of the escalation, unless the
    commander declared (and so acknowledged) it. Returns whether pages were created, so the
    caller wakes the worker that sends them."""
    if acknowledged:
        return False
    row = incidents.get(conn, number, viewer=None)
    assert row is not None
    severity = plan.severity(row.severity)
    assert severity is not None  # declare checked it
    _open_step(conn, plan, row, severity, 0, now)
    return True


def acknowledged_in(conn: Connection, pen: Pen, incident_id: int, by: str, at: datetime) -> None:
    """The incident was acknowledged (inside the acknowledging transaction): mark its pages,
    which stops the escalation, and say who was paged."""
    marked = paging.acknowledge(conn, incident_id, by=by, at=at)
    reached = sorted({p.person for p in marked if p.sent_at is not None})
    if marked:
        pen.write(
            EntryKind.page,
            f"pages acknowledged by {by}; escalation stopped"
            + (f" (paged: {', '.join(reached)})" if reached else ""),
            at=at,
            data={"acknowledged_by": by, "paged": reached},
        )


def ack_link(rt: Runtime, token: str) -> str:
    return f"{rt.public_url or ''}/ack/{token}"


def _send(
    rt: Runtime, conn: Connection, plan: Plan, row: Row[Any], page: Row[Any], now: datetime
) -> bool:
    """Send one due page: a message with its own acknowledgement link to each of the
    person's contacts (a channel gets the incident and `muster ack`, no link)."""
    token = secrets.token_urlsafe(24)
    if not paging.mark_sent(conn, page.id, now=now, token_digest=digest(token)):
        return False
    ref = reference(row.number)
    title = f"PAGE {ref} {row.severity}: {row.title}"
    body = (
        f"{ref} ({row.severity}) needs an owner: {row.title}\n"
        f"Impact: {row.impact or 'not stated yet'}\n\n"
    )
    pen = Pen(conn, row.id, AUTHOR, now)
    if page.person.startswith("#"):
        channel = next((c for c in plan.channels if c.name == page.person[1:]), None)
        if channel is not None and not row.private:
            outbox.enqueue(
                conn,
                key=f"page:{ref}:{page.step}:{page.person}",
                event="page",
                recipient=page.person,
                destination=channel.url,
                title=("[DRILL] " if row.drill else "") + title,
                body=body + f"Whoever takes it: `muster ack {ref}`.",
                now=now,
                incident_id=row.id,
            )
        pen.write(
            EntryKind.page,
            f"paged {page.person} (step {page.step + 1})",
            data={"step": page.step + 1, "person": page.person},
        )
        return True
    out = Outgoing(conn, plan, now, row.id, row.number, drill=row.drill)
    link = ack_link(rt, token)
    out.to_people(
        [page.person],
        "page",
        str(page.step),
        title,
        body + f"Acknowledge: {link}\nor run `muster ack {ref}`.\n"
        f"You are paged as {page.reason}; if nobody acknowledges, the next step is paged.",
    )
    reach = f"through {out.queued} contact{'s' if out.queued != 1 else ''}"
    if not out.queued:
        reach = "but they have no contacts in the plan: nobody was reached"
    pen.write(
        EntryKind.page,
        f"paged {page.person} ({page.reason}) {reach}",
        data={"step": page.step + 1, "person": page.person, "reason": page.reason},
    )
    return True


def advance(rt: Runtime, number: int, now: datetime) -> int:
    """Move one incident's escalation on: open the steps now due, send the pages now due.
    One transaction under the incident's lock, re-checked inside: two workers never page
    twice. Returns how many pages went out."""
    sent = 0
    with rt.db.transaction() as conn:
        row = incidents.get(conn, number, viewer=None, lock=True)
        if row is None or row.acknowledged_at is not None or row.resolved_at is not None:
            return 0
        plan = plan_in_force(rt, conn, row.plan_version).plan
        severity = plan.severity(row.severity)
        if severity is None:
            return 0
        holders = _holders(conn, [row.id])[row.id]
        for step in pending_steps(plan, severity, row, _pages(conn, row.id), holders, now):
            _open_step(conn, plan, row, severity, step, now)
        for page in _pages(conn, row.id):
            if page.sent_at is None and page.due_at <= now:
                sent += _send(rt, conn, plan, row, page, now)
    if sent:
        rt.wake.set()
    return sent


def _pages(conn: Connection, incident_id: int) -> list[Row[Any]]:
    return paging.pages_of(conn, [incident_id])[incident_id]


def pending_steps(
    plan: Plan,
    severity: Severity,
    row: Row[Any],
    pages: list[Row[Any]],
    holders: Holders,
    now: datetime,
) -> list[int]:
    """Steps of `row`'s escalation due at `now`, after the last one opened, that page
    someone. Step 0 is opened at declaration; a step whose targets resolve to nobody (a
    backup nobody was named for) is passed over, not opened again on every tick."""
    steps = severity.escalation_steps()
    week = _week(plan, severity)
    opened = {p.step for p in pages}
    if 0 not in opened:  # declared by its commander, or before paging existed
        return []
    start = escalation.escalation_start(row.declared_at, week)
    earlier = set(range(max(opened) + 1))
    due = escalation.due_steps(start, [s.delay for s in steps], week, earlier, now)
    return [step for step in due if _targets(severity, step, row, holders)]


@dataclass(frozen=True)
class PageView:
    """What the acknowledgement page shows about the page behind a link."""

    ref: str
    title: str
    severity: str
    person: str
    reason: str
    paged_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    open: bool


def page_by_token(rt: Runtime, token: str) -> PageView:
    """The page a link belongs to; 404 for a token that was never sent."""
    with rt.db.read() as conn:
        page = paging.by_token(conn, digest(token.strip()))
        if page is None:
            raise NotFound(
                "this acknowledgement link is unknown",
                hint="acknowledge with `muster ack INC` instead; check the link was not cut",
            )
        row = paging.incident_of(conn, page)
        marked = [p for p in _pages(conn, row.id) if p.acknowledged_by]
    return PageView(
        ref=reference(row.number),
        title=row.title,
        severity=row.severity,
        person=page.person,
        reason=page.reason,
        paged_at=page.sent_at,
        acknowledged_at=row.acknowledged_at,
        acknowledged_by=marked[0].acknowledged_by if marked else None,
        open=row.resolved_at is None,
    )


def acknowledge_by_token(rt: Runtime, token: str) -> PageView:
    """Acknowledge the incident as the person the link was sent to. Acknowledging an
    acknowledged incident changes nothing: two people paged at 2 a.m. may both click."""
    # Imported here: declaring (in incidents) starts paging, so incidents imports this module.
    from muster.actions.incidents import milestone_in

    now = rt.clock()
    with rt.db.transaction() as conn:
        page = paging.by_token(conn, digest(token.strip()))
        if page is None:
            raise NotFound(
                "this acknowledgement link is unknown",
                hint="acknowledge with `muster ack INC` instead; check the link was not cut",
            )
        number = paging.incident_of(conn, page).number
        row = incidents.get(conn, number, viewer=None, lock=True)
        assert row is not None
        if row.acknowledged_at is None and row.resolved_at is None:
            milestone_in(rt, conn, row, page.person, Milestone.acknowledged, None, now)
    return page_by_token(rt, token)


def escalation_due(rt: Runtime, now: datetime) -> list[int]:
    """Numbers of the incidents whose escalation has something to do at `now` (a cheap
    read, so the job opens a write transaction only when there is work)."""
    with rt.db.read() as conn:
        rows = paging.unacknowledged_incidents(conn)
        pages = paging.pages_of(conn, [r.id for r in rows])
        holders = _holders(conn, [r.id for r in rows])
        plans = {r.plan_version: plan_in_force(rt, conn, r.plan_version).plan for r in rows}
    due = []
    for row in rows:
        plan = plans[row.plan_version]
        severity = plan.severity(row.severity)
        mine = pages[row.id]
        if severity is None:
            continue
        unsent = any(p.sent_at is None and p.due_at <= now for p in mine)
        if unsent or pending_steps(plan, severity, row, mine, holders[row.id], now):
            due.append(row.number)
    return due


def acknowledge(rt: Runtime, actor: Actor, ref: str, *, at: str | None = None) -> bool:
    """Acknowledge an incident (the `acknowledged` milestone; its pages stop escalating).
    Returns False, changing nothing, when it was acknowledged already: two people paged at
    2 a.m. may both acknowledge, and neither has done anything wrong."""
    from muster.actions.incidents import milestone_in  # see acknowledge_by_token

    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        if row.acknowledged_at is not None:
            return False
        milestone_in(rt, conn, row, actor.handle, Milestone.acknowledged, at, now)
    return True
