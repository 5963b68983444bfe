"""Rotation math: who holds a role at a given instant, and when it changes hands next.

A rotation hands a role from one person to the next at a local wall-clock time ("Monday 09:00
in Europe/Berlin"), so handoffs are computed on local dates and only then turned into instants.
Adding fixed UTC seconds instead would drift by an hour across every DST change.

Pure: the instant is always a parameter, never read from a clock.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# Joint schedules of two rotations repeat after the lcm of their cycles; never look further
# than this, so an odd pair of lengths cannot make a lint run take long.
_MAX_HORIZON_DAYS = 3660


@dataclass(frozen=True)
class Rotation:
    """People taking a role in turn, `length_days` each, from the first handoff on `start`.

    `start` is the local date of the first handoff, at `handoff_time` in `timezone`. A weekly
    rotation hands off on `start`'s weekday; a daily one (`length_days=1`) every day.
    """

    people: tuple[str, ...]
    handoff_time: time
    length_days: int
    start: date
    timezone: str

    def __post_init__(self) -> None:
        if not self.people:
            raise ValueError("a rotation needs at least one person")
        if self.length_days < 1:
            raise ValueError("a rotation period must be at least one day")
        if self.handoff_time.tzinfo is not None:
            raise ValueError("handoff_time is a local wall-clock time: give it without tzinfo")

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def handoff_at(rotation: Rotation, index: int) -> datetime:
    """The instant (UTC) of handoff number `index`, 0 being the first one on `rotation.start`.

    DST hazard: a handoff time that does not exist locally (skipped by spring-forward) lands
    just after the gap; one that happens twice (fall-back) is taken at its first occurrence.
    """
    day = rotation.start + timedelta(days=index * rotation.length_days)
    local = datetime.combine(day, rotation.handoff_time, tzinfo=rotation.zone)
    return local.astimezone(UTC)


def _require_aware(at: datetime) -> datetime:
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no timezone; pass an aware datetime")
    # Compare in UTC only: aware datetimes sharing a tzinfo compare by wall clock, ignoring fold.
    return at.astimezone(UTC)


def period_index(rotation: Rotation, at: datetime) -> int:
    """Number of handoffs at or before `at`, minus one: -1 before the first handoff."""
    at_utc = _require_aware(at)
    local_day = at_utc.astimezone(rotation.zone).date()
    index = (local_day - rotation.start).days // rotation.length_days
    # The estimate from the local date is off by at most one period (before today's handoff
    # time, or a handoff pushed across midnight by a DST gap): settle it against real instants.
    while index >= 0 and at_utc < handoff_at(rotation, index):
        index -= 1
    while at_utc >= handoff_at(rotation, index + 1):
        index += 1
    return max(index, -1)


def on_call(rotation: Rotation, at: datetime) -> tuple[str, str]:
    """(primary, backup) at the aware instant `at`.

    The primary is `people[k % n]`, k counting the periods completed since the first handoff
    (k=0 before it, so the first person holds the role until then). The backup is the next
    person in the rotation; for a rotation of one person it is that same person.
    """
    k = max(period_index(rotation, at), 0)
    n = len(rotation.people)
    return rotation.people[k % n], rotation.people[(k + 1) % n]


def next_handoff(rotation: Rotation, at: datetime) -> datetime:
    """The first handoff strictly after the aware instant `at`, in UTC."""
    return handoff_at(rotation, period_index(rotation, at) + 1)


def handoffs(rotation: Rotation, since: datetime, until: datetime) -> Iterator[datetime]:
    """Handoff instants (UTC) in the half-open window (`since`, `until`], in order."""
    end = _require_aware(until)
    index = period_index(rotation, since) + 1
    while (instant := handoff_at(rotation, index)) <= end:
        yield instant
        index += 1


def first_shared_primary(a: Rotation, b: Rotation, since: datetime) -> tuple[datetime, str] | None:
    """The first instant from `since` on when `a` and `b` have the same primary, and who.

    Used to keep the commander and the fixer apart. Primaries only change at handoffs, so
    checking `since` and every later handoff of either rotation is exact; the joint schedule
    repeats after the lcm of both cycles (capped at about ten years), so the search stops there.
    A fixed primary is a rotation of one person: it never hands off.
    """
    start = _require_aware(since)
    moving = [r for r in (a, b) if len(r.people) > 1]
    cycle = math.lcm(1, *(len(r.people) * r.length_days for r in moving))
    lead = max([(r.start - start.date()).days for r in moving] + [0])
    longest = max([r.length_days for r in moving] + [1])
    horizon = min(lead + cycle + longest, _MAX_HORIZON_DAYS)
    until = start + timedelta(days=horizon)
    instants = sorted({start}.union(*(handoffs(r, start, until) for r in moving)))
    for instant in instants:
        primary = on_call(a, instant)[0]
        if primary == on_call(b, instant)[0]:
            return instant, primary
    return None
