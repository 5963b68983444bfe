"""Escalation rules: who a step pages, when each step is due, and when working hours start.

A severity's escalation is a list of steps, each paging someone after the incident has gone
unacknowledged for `delay`. Steps are counted from the escalation's start: the declaration,
or for severities that page in working hours only, the next working-hours start after it.
A step that falls outside working hours waits for the next start too.

DST hazard: working hours are local wall-clock times, so every start is built from a local
date and only then turned into an instant (adding 24 h of UTC seconds would drift an hour
across each clock change). Pure: instants are parameters, never read from a clock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from muster.domain.roles import Role

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAYS_ACCEPTED = "write days like mon-fri, sat-sun or mon,wed,fri"


def _day(name: str) -> int:
    cleaned = name.strip().lower()[:3]
    if cleaned not in _DAY_NAMES or not name.strip().lower().startswith(cleaned):
        raise ValueError(f"{name.strip()!r} is not a weekday; {DAYS_ACCEPTED}")
    return _DAY_NAMES.index(cleaned)


def parse_days(text: str) -> frozenset[int]:
    """`mon-fri` -> {0..4} (0 is Monday); ranges and lists mix: `mon-wed,fri`. A range may
    wrap the weekend (`fri-mon`). Raises ValueError naming the accepted forms."""
    days: set[int] = set()
    for part in text.split(","):
        if not part.strip():
            raise ValueError(f"{text!r} has an empty day; {DAYS_ACCEPTED}")
        first, dash, last = part.partition("-")
        start = _day(first)
        end = _day(last) if dash else start
        days.update((start + offset) % 7 for offset in range((end - start) % 7 + 1))
    return frozenset(days)


@dataclass(frozen=True)
class WorkingWeek:
    """Working hours: on `days` (0 = Monday), from `start` until `until`, local to `timezone`."""

    days: frozenset[int]
    start: time
    until: time
    timezone: str

    def __post_init__(self) -> None:
        if not self.days:
            raise ValueError("working hours need at least one day")
        if self.until <= self.start:
            raise ValueError("working hours must end after they start, on the same day")


def working_start(week: WorkingWeek, at: datetime) -> datetime:
    """`at` itself (in UTC) if it falls in working hours, else the next working-hours start."""
    if at.tzinfo is None:
        raise ValueError(f"{at.isoformat()} has no timezone; pass an aware datetime")
    moment = at.astimezone(UTC)
    zone = ZoneInfo(week.timezone)
    day = moment.astimezone(zone).date()
    for offset in range(8):  # a week on, some working day has come round
        local_day = day + timedelta(days=offset)
        if local_day.weekday() not in week.days:
            continue
        opens = datetime.combine(local_day, week.start, tzinfo=zone).astimezone(UTC)
        closes = datetime.combine(local_day, week.until, tzinfo=zone).astimezone(UTC)
        if moment < opens:
            return opens
        if moment < closes:
            return moment
    raise AssertionError("a working week always has a next start")  # pragma: no cover


def escalation_start(declared_at: datetime, week: WorkingWeek | None) -> datetime:
    """When the escalation clock starts: at once, or at the next working-hours start."""
    return declared_at.astimezone(UTC) if week is None else working_start(week, declared_at)


def step_due(start: datetime, delay: timedelta, week: WorkingWeek | None) -> datetime:
    """When a step `delay` after `start` pages; outside working hours it waits for them."""
    due = start + delay
    return due if week is None else working_start(week, due)


def due_steps(
    start: datetime,
    delays: Sequence[timedelta],
    week: WorkingWeek | None,
    created: set[int],
    now: datetime,
) -> list[int]:
    """The steps (by index) that are due at `now` and have not been created yet, in order."""
    return [
        index
        for index, delay in enumerate(delays)
        if index not in created and step_due(start, delay, week) <= now
    ]


_ROLES = frozenset(str(r) for r in Role)


def _backup_of(target: str) -> Role | None:
    """The role in `commander-backup`, or None when `target` is not a role's backup."""
    name = target.removesuffix("-backup")
    return Role(name) if name != target and name in _ROLES else None


def target_problem(target: str, handles: set[str]) -> str | None:
    """What is wrong with `target` as a page target, or None. Targets are a role
    (`commander`), a role's backup (`commander-backup`) or a person's handle."""
    if target in _ROLES or _backup_of(target) is not None or target in handles:
        return None
    return (
        f"{target!r} is not a role, a role's backup or a person; use commander, "
        "communicator or fixer (add -backup for their backup), or a handle from people"
    )


def resolve(
    targets: Sequence[str],
    wearers: Mapping[Role, str],
    backups: Mapping[Role, str | None],
) -> list[tuple[str, str]]:
    """The people a step pages, as (handle, why), each once, in the order written.

    A role means whoever wears it in this incident now (handoffs and overrides included);
    a role's backup with none named pages nobody for that target.
    """
    found: dict[str, str] = {}
    for target in targets:
        backup_of = _backup_of(target)
        if backup_of is not None:
            who, why = backups.get(backup_of), target
        elif target in _ROLES:
            who, why = wearers[Role(target)], target
        else:
            who, why = target, "named in the escalation"
        if who is not None and who not in found:
            found[who] = why
    return list(found.items())
