"""Writing the record by hand: notes, actions, decisions, corrections, and tasks."""

from __future__ import annotations

from muster.actions.base import (
    Actor,
    Pen,
    Runtime,
    load_incident,
    parse_choice,
    plan_in_force,
    reference,
    require_text,
    resolve_at,
    rollback_paths,
)
from muster.domain.records import LOGGABLE, Decision, EntryKind
from muster.errors import Conflict, InvalidInput, NotFound
from muster.storage import incidents, records, timeline


def log_entry(
    rt: Runtime,
    actor: Actor,
    ref: str,
    text: str,
    *,
    kind: str = "note",
    at: str | None = None,
    amends: int | None = None,
) -> int:
    """Add a note, an action taken, or an impact statement; or correct an earlier entry.

    A correction never edits: it is a new entry pointing at the one it amends.
    """
    body = require_text(text, "text")
    try:
        entry_kind: EntryKind | None = EntryKind(kind.strip().lower())
    except ValueError:
        entry_kind = None
    if entry_kind not in LOGGABLE:
        raise InvalidInput(
            f"{kind!r} is not a kind you can log",
            hint="use note, action or impact (decisions: `muster decide`)",
            field="kind",
        )
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        pif = plan_in_force(rt, conn, row.plan_version)
        when = resolve_at(at, now, pif.tz)
        data: dict[str, object] = {}
        if amends is not None:
            old = timeline.entry(conn, row.id, amends)
            if old is None:
                raise NotFound(
                    f"{reference(row.number)} has no timeline entry #{amends}",
                    hint="`muster show INC` numbers the entries",
                    field="amends",
                )
            data["amends_text"] = old.text
        pen = Pen(conn, row.id, actor.handle, now)
        seq = pen.write(entry_kind, body, at=when, data=data, amends=amends)
        if entry_kind is EntryKind.impact:
            incidents.set_fields(conn, row.id, impact=body)
    return seq


def record_decision(
    rt: Runtime, actor: Actor, ref: str, decision: str, *, why: str, at: str | None = None
) -> int:
    """Record a call (rollback, patch forward, escalate...) with who made it and why."""
    call = parse_choice(Decision, decision, field="decision", what="a decision Muster knows")
    reason = require_text(why, "why", hint="say why, with --why TEXT")
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        pif = plan_in_force(rt, conn, row.plan_version)
        when = resolve_at(at, now, pif.tz)
        data: dict[str, object] = {"decision": str(call), "why": reason}
        if call is Decision.rollback:
            data["rollback"] = rollback_paths(
                pif.plan, incidents.services_of(conn, [row.id])[row.id]
            )
        return Pen(conn, row.id, actor.handle, now).write(
            EntryKind.decision, f"decision: {call}: {reason}", at=when, data=data
        )


def add_task(rt: Runtime, actor: Actor, ref: str, title: str, *, owner: str | None = None) -> int:
    """A checklist item with an owner (the commander's, if nobody is named)."""
    body = require_text(title, "title", hint="say what needs doing")
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        plan = plan_in_force(rt, conn).plan
        if owner is not None and owner not in plan.handles():
            raise InvalidInput(
                f"{owner!r} is not a person in the plan",
                hint="use one of: " + ", ".join(sorted(plan.handles())),
                field="owner",
            )
        number = records.add_task(conn, row.id, title=body, owner=owner, at=now)
        Pen(conn, row.id, actor.handle, now).write(
            EntryKind.task,
            f"task {number} for {owner or 'anyone'}: {body}",
            data={"task": number, "owner": owner},
        )
    return number


def finish_task(rt: Runtime, actor: Actor, ref: str, number: int) -> str:
    """Tick a task off; ticking it twice is a conflict, not a silent success."""
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        task = records.task(conn, row.id, number)
        if task is None:
            raise NotFound(
                f"{reference(row.number)} has no task {number}",
                hint="`muster show INC` lists the tasks",
                field="task",
            )
        if task.done_at is not None:
            raise Conflict(
                f"task {number} was already done by {task.done_by}", hint="nothing to do"
            )
        records.finish_task(conn, task.id, by=actor.handle, at=now)
        Pen(conn, row.id, actor.handle, now).write(
            EntryKind.task,
            f"done: task {number}: {task.title}",
            data={"task": number, "done": True},
        )
        return str(task.title)
