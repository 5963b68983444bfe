"""Handoffs: a role changes hands only when the receiver says yes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from muster.actions.base import (
    Actor,
    Pen,
    Runtime,
    load_incident,
    parse_choice,
    plan_in_force,
    reference,
    refuse,
    require_open,
)
from muster.actions.messages import Outgoing
from muster.domain.hats import (
    HandoffRefused,
    Pending,
    check_accept,
    check_cancel,
    check_handoff,
    warnings,
    wearers,
)
from muster.domain.records import EntryKind
from muster.domain.roles import Role
from muster.plan import Plan
from muster.storage import incidents


@dataclass(frozen=True)
class HandoffResult:
    role: Role
    to: str
    warnings: list[str]


def parse_role(name: str) -> Role:
    return parse_choice(Role, name, field="role", what="a role")


@contextmanager
def _handoff_rules(number: int) -> Iterator[None]:
    """Report a refusal of the handoff rules as the error a person sees, naming the incident."""
    try:
        yield
    except HandoffRefused as refused:
        raise refuse(refused.kind, f"{reference(number)}: {refused}", refused.hint) from None


def _state(
    conn: Connection, incident_id: int
) -> tuple[dict[Role, str | None], dict[Role, Pending]]:
    rows = incidents.roles_of(conn, [incident_id])[incident_id]
    holders = {role: row.holder for role, row in rows.items()}
    pending = {
        role: Pending(row.pending_to, row.pending_by)
        for role, row in rows.items()
        if row.pending_to
    }
    return holders, pending


def propose_handoff(
    rt: Runtime, actor: Actor, ref: str, role_name: str, to: str, *, reason: str = ""
) -> HandoffResult:
    """Offer `role` to `to`; it stays with its holder until `to` accepts."""
    role = parse_role(role_name)
    receiver = to.strip().lower()
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        require_open(row, "hand off roles")
        plan = plan_in_force(rt, conn).plan
        holders, pending = _state(conn, row.id)
        proposer = actor.handle
        if actor.admin and proposer not in plan.handles():
            proposer = wearers(holders)[Role.commander]  # the server's admin acts for the commander
        with _handoff_rules(row.number):
            check_handoff(role, holders, pending.get(role), proposer, receiver, plan.handles())
        queued = offer_in(
            conn, plan, row, role, receiver, by=actor.handle, reason=reason.strip(), now=now
        )
        after = dict(holders)
        after[role] = receiver
    if queued:
        rt.wake.set()
    return HandoffResult(role, receiver, warnings(after))


def offer_in(
    conn: Connection,
    plan: Plan,
    row: Row[Any],
    role: Role,
    receiver: str,
    *,
    by: str,
    reason: str,
    now: datetime,
) -> bool:
    """Record an offer of `role` to `receiver` inside the caller's transaction (a person's
    proposal, or Muster offering the fixer role to whoever shipped last): pending until
    they accept, on the timeline, and told to them. Returns whether a message was queued."""
    holders, _ = _state(conn, row.id)
    incidents.update_role(
        conn,
        row.id,
        role,
        pending_to=receiver,
        pending_by=by,
        pending_reason=reason,
        pending_since=now,
    )
    text = f"{by} offers {role} to {receiver}" + (f": {reason}" if reason else "")
    Pen(conn, row.id, by, now).write(
        EntryKind.handoff,
        text + " (waiting for them to accept)",
        data={
            "role": str(role),
            "to": receiver,
            "from": wearers(holders)[role],
            "state": "proposed",
        },
    )
    out = Outgoing(conn, plan, now, row.id, row.number, drill=row.drill)
    out.to_people(
        [receiver],
        "handoff",
        f"{role}:{row.last_seq + 1}",
        f"{reference(row.number)}: {by} offers you the {role} role",
        f"{text}.\nAccept with `muster accept {reference(row.number)} {role}`, or decline "
        f"with `muster decline {reference(row.number)} {role}`.",
    )
    return bool(out.queued)


def accept_handoff(rt: Runtime, actor: Actor, ref: str, role_name: str) -> HandoffResult:
    """The receiver takes the role; from now on they hold it and the timeline says so."""
    role = parse_role(role_name)
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        require_open(row, "hand off roles")
        holders, pending = _state(conn, row.id)
        with _handoff_rules(row.number):
            offer = check_accept(role, pending.get(role), actor.handle)
        previous = wearers(holders)[role]
        incidents.update_role(
            conn,
            row.id,
            role,
            holder=offer.to,
            backup=previous if previous != offer.to else None,
            pending_to=None,
            pending_by=None,
            pending_reason=None,
            pending_since=None,
        )
        announcement = f"{offer.to} is now {role} (took over from {previous}, who stays as backup)"
        seq = Pen(conn, row.id, actor.handle, now).write(
            EntryKind.role,
            announcement,
            data={"role": str(role), "holder": offer.to, "from": previous, "state": "accepted"},
        )
        after = dict(holders)
        after[role] = offer.to
        out = Outgoing(
            conn,
            plan_in_force(rt, conn, row.plan_version).plan,
            now,
            row.id,
            row.number,
            drill=row.drill,
        )
        title = f"{reference(row.number)}: {offer.to} is now {role}"
        out.to_people([previous], "handoff", f"accepted:{seq}", title, announcement + ".")
        if not row.private:
            out.to_channels("internal", "handoff", f"accepted:{seq}", title, announcement + ".")
    if out.queued:
        rt.wake.set()
    return HandoffResult(role, offer.to, warnings(after))


def cancel_handoff(rt: Runtime, actor: Actor, ref: str, role_name: str) -> HandoffResult:
    """Withdraw (proposer, commander) or decline (receiver) a pending handoff."""
    role = parse_role(role_name)
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        holders, pending = _state(conn, row.id)
        commander = wearers(holders)[Role.commander]
        with _handoff_rules(row.number):
            offer = check_cancel(
                role,
                pending.get(role),
                actor.handle,
                commander,
                operator=actor.admin,
            )
        incidents.update_role(
            conn,
            row.id,
            role,
            pending_to=None,
            pending_by=None,
            pending_reason=None,
            pending_since=None,
        )
        verb = "declined" if actor.handle == offer.to else "withdrawn"
        Pen(conn, row.id, actor.handle, now).write(
            EntryKind.handoff,
            f"handoff of {role} to {offer.to} {verb}; {wearers(holders)[role]} keeps it",
            data={"role": str(role), "to": offer.to, "state": verb},
        )
    return HandoffResult(role, wearers(holders)[role], [])
