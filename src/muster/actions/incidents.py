"""Declaring an incident and moving it on: milestones, severity, impact."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from muster.actions import deploys, oncall, paging
from muster.actions.base import (
    Actor,
    Pen,
    PlanInForce,
    Runtime,
    load_incident,
    parse_choice,
    plan_in_force,
    reference,
    require_open,
    require_service,
    require_severity,
    require_text,
    resolve_at,
)
from muster.actions.messages import Outgoing
from muster.actions.record import log_entry
from muster.domain.hats import warnings
from muster.domain.milestones import Milestone, MilestoneRefused, check_milestone
from muster.domain.records import FIRST_ACTIONS, EntryKind
from muster.domain.roles import Role
from muster.errors import Conflict
from muster.storage import incidents, records
from muster.storage.timeline import NewEntry


@dataclass(frozen=True)
class Declared:
    number: int
    warnings: list[str]


def declare(
    rt: Runtime,
    actor: Actor,
    *,
    title: str,
    severity: str,
    services: list[str] | None = None,
    impact: str = "",
    at: str | None = None,
    drill: bool = False,
    private: bool = False,
) -> Declared:
    """Open an incident with its people named from the plan, its first tasks, and its freeze."""
    title = require_text(title, "title", hint="say what is broken, in a few words", limit=200)
    impact = require_text(impact, "impact") if impact.strip() else ""
    now = rt.clock()
    with rt.db.transaction() as conn:
        pif = plan_in_force(rt, conn)
        occurred = resolve_at(at, now, pif.tz)
        declared, queued = declare_in(
            conn,
            pif,
            actor,
            now,
            title=title,
            severity=severity,
            services=services or [],
            impact=impact,
            occurred=occurred,
            drill=drill,
            private=private,
        )
    if queued:
        rt.wake.set()
    return declared


def declare_in(
    conn: Connection,
    pif: PlanInForce,
    actor: Actor,
    now: datetime,
    *,
    title: str,
    severity: str,
    services: list[str],
    impact: str,
    occurred: datetime,
    drill: bool = False,
    private: bool = False,
) -> tuple[Declared, bool]:
    """Declare inside the caller's transaction (a person's declaration, or alerts opening one).

    Returns the declaration and whether notifications were queued (the caller wakes the worker
    after its commit)."""
    plan = pif.plan
    level = require_severity(plan, severity)
    chosen = _services(pif, services)
    roles = _staff(conn, pif, chosen, occurred)
    number = incidents.next_number(conn)
    incident_id = incidents.insert_incident(
        conn,
        number=number,
        title=title,
        severity=level,
        impact=impact,
        drill=drill,
        private=private,
        plan_version=pif.version,
        declared_by=actor.handle,
        declared_at=now,
        last_seq=0,
        detected_at=occurred,
        # The commander declaring it has taken it; otherwise the commander acknowledges.
        acknowledged_at=occurred if actor.handle == roles[Role.commander][0] else None,
    )
    incidents.add_services(conn, incident_id, chosen)
    incidents.add_roles(conn, incident_id, roles)
    flags = [f for f, on in (("drill", drill), ("private", private)) if on]
    entries = [
        NewEntry(
            EntryKind.declared,
            f"{reference(number)} declared: {level} {title}"
            + (f" ({', '.join(flags)})" if flags else ""),
            occurred,
            {"severity": level, "services": chosen, "plan_version": pif.version, "flags": flags},
        )
    ]
    marks = [Milestone.detected]
    if actor.handle == roles[Role.commander][0]:
        marks.append(Milestone.acknowledged)
    for milestone in marks:
        entries.append(
            NewEntry(EntryKind.milestone, f"{milestone}", occurred, {"milestone": str(milestone)})
        )
    for role, (holder, backup) in roles.items():
        entries.append(
            NewEntry(
                EntryKind.role,
                f"{holder} is {role} (backup: {backup or 'none'})",
                occurred,
                {"role": str(role), "holder": holder, "backup": backup},
            )
        )
    if impact:
        entries.append(NewEntry(EntryKind.impact, impact, occurred))
    frozen = [s for s in chosen if plan.service(s).freeze_on_incident]  # type: ignore[union-attr]
    for service in frozen:
        records.start_freeze(
            conn,
            service=service,
            reason="a private incident is open" if private else f"{reference(number)} is open",
            by=actor.handle,
            at=occurred,
            incident_id=incident_id,
        )
        entries.append(
            NewEntry(
                EntryKind.freeze,
                f"deploys frozen on {service}",
                occurred,
                {"service": service, "frozen": True},
            )
        )
    for action in FIRST_ACTIONS:
        owner = roles[action.owner][0]
        task_no = records.add_task(conn, incident_id, title=action.title, owner=owner, at=now)
        entries.append(
            NewEntry(
                EntryKind.task,
                f"task {task_no} for {owner}: {action.title}",
                occurred,
                {"task": task_no, "owner": owner},
            )
        )
        if action.done_by_freeze and frozen:
            task = records.task(conn, incident_id, task_no)
            assert task is not None
            records.finish_task(conn, task.id, by=actor.handle, at=now)
            entries.append(
                NewEntry(
                    EntryKind.task,
                    f"done: task {task_no}: {action.title} (deploys frozen on {', '.join(frozen)})",
                    occurred,
                    {"task": task_no, "done": True},
                )
            )
    Pen(conn, incident_id, actor.handle, now).write_all(entries)
    names = ", ".join(f"{role} {holder}" for role, (holder, _) in roles.items())
    headline = f"{reference(number)} {level}: {title}"
    facts = f"{headline}\n{names}.\nImpact: {impact or 'not stated yet'}." + (
        f"\nServices: {', '.join(chosen)}." if chosen else ""
    )
    out = Outgoing(conn, plan, now, incident_id, number, drill=drill)
    for role, (holder, _) in roles.items():
        out.to_people(
            [holder],
            "declared",
            str(role),
            f"You are {role} of {headline}",
            facts + f"\n\n`muster show {reference(number)}` has the record.",
        )
    if not private:
        out.to_channels("internal", "declared", "channel", f"Declared {headline}", facts)
    paged = paging.start_paging(
        conn, plan, number, now, acknowledged=actor.handle == roles[Role.commander][0]
    )
    offered = deploys.at_declaration(conn, pif, number, chosen, occurred, now)
    holders = {role: holder for role, (holder, _) in roles.items()}
    return Declared(number, warnings(holders)), bool(out.queued) or paged or offered


def _services(pif: PlanInForce, names: list[str]) -> list[str]:
    chosen: list[str] = []
    for name in names:
        service = require_service(pif.plan, name, "services")
        if service not in chosen:
            chosen.append(service)
    return chosen


def _staff(
    conn: Connection, pif: PlanInForce, services: list[str], at: datetime
) -> dict[Role, tuple[str, str | None]]:
    """Who holds each role at `at`: the on-call people (overrides included), the fixer
    preferring a service owner.

    The commander is never made the fixer if anyone else can be: the seed's first rule.
    """
    staff = oncall.staffing(conn, pif.plan, at)
    commander = staff[Role.commander][0]
    owners = [o for s in services for o in pif.plan.service(s).owners]  # type: ignore[union-attr]
    fixer, fixer_backup = staff[Role.fixer]
    if owners and fixer not in owners:
        candidates = [o for o in owners if o != commander]
        if candidates:
            fixer_backup = fixer if fixer != candidates[0] else fixer_backup
            fixer = candidates[0]
    if fixer == commander and fixer_backup and fixer_backup != commander:
        fixer, fixer_backup = fixer_backup, fixer
    staff[Role.fixer] = (fixer, fixer_backup)
    return staff


def record_milestone(
    rt: Runtime, actor: Actor, ref: str, milestone: str, *, at: str | None = None
) -> Milestone:
    """Record one milestone (possibly back-dated); resolving also lifts the incident's freezes."""
    name = parse_choice(Milestone, milestone, field="milestone", what="a milestone")
    if name is Milestone.detected:
        raise Conflict(
            "detected is recorded when the incident is declared",
            hint="if detection was earlier, say so with `muster log INC TEXT --at T`",
        )
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        milestone_in(rt, conn, row, actor.handle, name, at, now)
    return name


def milestone_in(
    rt: Runtime,
    conn: Connection,
    row: Row[Any],
    author: str,
    name: Milestone,
    at: str | None,
    now: datetime,
) -> None:
    """Record milestone `name` on the locked incident `row`, inside the caller's transaction
    (a person's command, or an acknowledgement link)."""
    pif = plan_in_force(rt, conn, row.plan_version)
    when = resolve_at(at, now, pif.tz)
    try:
        verdict = check_milestone(incidents.milestones(row), name, when, now, pif.tz)
    except MilestoneRefused as refused:
        raise Conflict(f"{reference(row.number)}: {refused}", hint=refused.hint) from None
    incidents.set_milestone(conn, row.id, name, when)
    pen = Pen(conn, row.id, author, now)
    text = str(name)
    if verdict.phase_after != verdict.phase_before:
        text += f" (phase: {verdict.phase_after})"
    pen.write(
        EntryKind.milestone,
        text,
        at=when,
        data={"milestone": str(name), "phase": str(verdict.phase_after)},
    )
    if name is Milestone.acknowledged:
        paging.acknowledged_in(conn, pen, row.id, author, when)
    if name is Milestone.resolved:
        lifted = [f for f in records.active_freezes(conn) if f.incident_id == row.id]
        records.end_freezes(conn, [f.id for f in lifted], by=author, at=when)
        for freeze in lifted:
            pen.write(
                EntryKind.freeze,
                f"deploys unfrozen on {freeze.service}",
                at=when,
                data={"service": freeze.service, "frozen": False},
            )


def change_severity(rt: Runtime, actor: Actor, ref: str, severity: str, *, why: str) -> str:
    """Move the incident to another severity; the reason is required and goes on the record."""
    reason = require_text(why, "why", hint="say why the severity changes, with --why TEXT")
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        require_open(row, "change its severity")
        pif = plan_in_force(rt, conn, row.plan_version)
        level = require_severity(pif.plan, severity)
        if level == row.severity:
            raise Conflict(f"{reference(row.number)} is already {level}", hint="nothing to change")
        incidents.set_fields(conn, row.id, severity=level)
        Pen(conn, row.id, actor.handle, now).write(
            EntryKind.severity,
            f"severity {row.severity} -> {level}: {reason}",
            data={"from": row.severity, "to": level, "why": reason},
        )
    return level


def set_impact(rt: Runtime, actor: Actor, ref: str, impact: str, *, at: str | None = None) -> int:
    """Restate what users can and cannot do: an `impact` entry, which also becomes the
    incident's current impact."""
    return log_entry(rt, actor, ref, impact, kind=EntryKind.impact, at=at)
