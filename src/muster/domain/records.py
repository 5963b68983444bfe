"""The closed sets of the record: timeline entry kinds, decisions, update tracks."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from muster.domain.roles import Role


class EntryKind(StrEnum):
    declared = "declared"
    milestone = "milestone"
    role = "role"
    handoff = "handoff"
    action = "action"
    decision = "decision"
    impact = "impact"
    note = "note"
    severity = "severity"
    task = "task"
    freeze = "freeze"
    update = "update"
    reminder = "reminder"
    question = "question"
    page = "page"  # a page sent, an escalation step, pages acknowledged
    deploy = "deploy"  # a deploy of an affected service


#: Kinds a person may write directly with `muster log`; the rest are written by actions.
LOGGABLE = (EntryKind.note, EntryKind.action, EntryKind.impact)


class Decision(StrEnum):
    """Calls a commander makes. Each is recorded with who made it and why."""

    rollback = "rollback"
    patch_forward = "patch-forward"
    escalate = "escalate"
    freeze = "freeze"
    update = "update"
    reminder = "reminder"
    question = "question"
    monitor = "monitor"
    workaround = "workaround"
    failover = "failover"
    data_breach = "data-breach"  # awareness of a breach starts legal clocks
    other = "other"


@dataclass(frozen=True)
class FirstAction:
    """A task every incident starts with (the seed's "first actions without debate")."""

    title: str
    owner: Role
    done_by_freeze: bool = False  # ticked off when declaring freezes deploys


FIRST_ACTIONS = (
    FirstAction("Confirm what users can and cannot do", Role.commander),
    FirstAction("Pause deploys and risky changes", Role.commander, done_by_freeze=True),
    FirstAction("Name the three owners in the updates channel", Role.communicator),
)


class Track(StrEnum):
    """The two update tracks: internal notes for the team, customer messages for the public."""

    internal = "internal"
    customer = "customer"


class CustomerStatus(StrEnum):
    """The public status word every customer update carries."""

    investigating = "investigating"
    identified = "identified"
    monitoring = "monitoring"
    resolved = "resolved"
