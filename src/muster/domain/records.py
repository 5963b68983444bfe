"""The closed sets of the record: timeline entry kinds, decisions, update tracks."""

from __future__ import annotations

from enum import StrEnum


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


#: Kinds a person may write directly with `muster log`; the rest are written by actions.
LOGGABLE = (EntryKind.note, EntryKind.action, EntryKind.impact)


class Decision(StrEnum):
    """Calls a commander makes. Each is recorded with who made it and why."""

    rollback = "rollback"
    patch_forward = "patch-forward"
    escalate = "escalate"
    freeze = "freeze"
    monitor = "monitor"
    workaround = "workaround"
    failover = "failover"
    data_breach = "data-breach"  # awareness of a breach starts legal clocks
    other = "other"


FIRST_ACTIONS = (
    ("Confirm what users can and cannot do", "commander"),
    ("Pause deploys and risky changes", "commander"),
    ("Name the three owners in the updates channel", "communicator"),
)
