"""Milestones move an incident on; phases are derived from them, never stored.

The lifecycle is a table, not a chain of ifs: `MILESTONE_ORDER` is the order milestones must
keep in time, `PHASE_AFTER` says which phase the latest milestone opens, and `REQUIRES` lists
the milestone that must be on record before another one may be. Milestones may be skipped
(a rollback can mitigate before anyone has identified the cause), back-dated, and filled in
later, as long as their times never decrease along the order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum


class Milestone(StrEnum):
    started = "started"  # impact began (often known only afterwards)
    detected = "detected"
    acknowledged = "acknowledged"
    identified = "identified"
    mitigated = "mitigated"
    resolved = "resolved"
    reviewed = "reviewed"


class Phase(StrEnum):
    detection = "detection"
    triage = "triage"
    mitigation = "mitigation"
    resolution = "resolution"
    review = "review"
    closed = "closed"


MILESTONE_ORDER: tuple[Milestone, ...] = tuple(Milestone)

PHASE_AFTER: Mapping[Milestone, Phase] = {
    Milestone.started: Phase.detection,
    Milestone.detected: Phase.detection,
    Milestone.acknowledged: Phase.triage,
    Milestone.identified: Phase.mitigation,
    Milestone.mitigated: Phase.resolution,
    Milestone.resolved: Phase.review,
    Milestone.reviewed: Phase.closed,
}

REQUIRES: Mapping[Milestone, Milestone] = {
    Milestone.acknowledged: Milestone.detected,
    Milestone.identified: Milestone.detected,
    Milestone.mitigated: Milestone.detected,
    Milestone.resolved: Milestone.detected,
    Milestone.reviewed: Milestone.resolved,
}

#: How far ahead of the server's clock a recorded time may be (clock skew between machines).
FUTURE_TOLERANCE = timedelta(minutes=1)


class MilestoneRefused(ValueError):
    """A milestone that would break the lifecycle; the message says why and what to do."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


@dataclass(frozen=True)
class MilestoneCheck:
    """The verdict on recording one milestone: the phase before and after."""

    milestone: Milestone
    at: datetime
    phase_before: Phase
    phase_after: Phase


def phase_of(recorded: Mapping[Milestone, datetime]) -> Phase:
    """The phase the latest recorded milestone opened; `detection` before anything."""
    latest = [m for m in MILESTONE_ORDER if m in recorded]
    return PHASE_AFTER[latest[-1]] if latest else Phase.detection


def is_open(recorded: Mapping[Milestone, datetime]) -> bool:
    """An incident is open until it is resolved; review happens after."""
    return Milestone.resolved not in recorded


def check_milestone(
    recorded: Mapping[Milestone, datetime],
    milestone: Milestone,
    at: datetime,
    now: datetime,
    tz: tzinfo = UTC,
) -> MilestoneCheck:
    """Say whether `milestone` may be recorded at `at`, or raise MilestoneRefused.

    Times in messages are shown in `tz`, the team's timezone.
    """

    def _hhmm(moment: datetime) -> str:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")

    when = _hhmm(at)
    if milestone in recorded:
        raise MilestoneRefused(
            f"{milestone} is already recorded at {_hhmm(recorded[milestone])}",
            "milestones are recorded once; add a note with `muster log` to correct the record",
        )
    if at > now + FUTURE_TOLERANCE:
        raise MilestoneRefused(
            f"{milestone} at {when} is in the future",
            "give a time that has already happened, or leave out --at for now",
        )
    needed = REQUIRES.get(milestone)
    if needed is not None and needed not in recorded:
        raise MilestoneRefused(
            f"cannot record {milestone} before {needed}",
            f"record {needed} first",
        )
    position = MILESTONE_ORDER.index(milestone)
    for earlier in reversed(MILESTONE_ORDER[:position]):  # name the tightest limit
        if earlier in recorded and recorded[earlier] > at:
            raise MilestoneRefused(
                f"{milestone} at {when} would be before {earlier} at {_hhmm(recorded[earlier])}",
                f"milestones never go back in time; give --at {_hhmm(recorded[earlier])} or later",
            )
    for later in MILESTONE_ORDER[position + 1 :]:
        if later in recorded and recorded[later] < at:
            raise MilestoneRefused(
                f"{milestone} at {when} would be after {later} at {_hhmm(recorded[later])}",
                f"give --at {_hhmm(recorded[later])} or earlier",
            )
    after = dict(recorded)
    after[milestone] = at
    return MilestoneCheck(milestone, at, phase_of(recorded), phase_of(after))


def durations(recorded: Mapping[Milestone, datetime]) -> dict[str, timedelta]:
    """The intervals a review and the metrics care about, for those milestones on record.

    `time_to_contain` runs from detection to mitigation: the minutes users waited once we knew.
    """
    spans = {
        "time_to_detect": (Milestone.started, Milestone.detected),
        "time_to_acknowledge": (Milestone.detected, Milestone.acknowledged),
        "time_to_identify": (Milestone.detected, Milestone.identified),
        "time_to_contain": (Milestone.detected, Milestone.mitigated),
        "time_to_resolve": (Milestone.detected, Milestone.resolved),
        "impact_duration": (Milestone.started, Milestone.mitigated),
    }
    return {
        name: recorded[end] - recorded[start]
        for name, (start, end) in spans.items()
        if start in recorded and end in recorded
    }
