"""On-call shifts with overrides: who holds a role at an instant, and the shifts in a window.

An override puts someone on call for a role from one instant until another (a swap, a sick
day), over whatever the rotation says. When overrides overlap, the latest one made wins: it
is the most recent decision. The person the override covers becomes the backup only when the
scheduled backup is the override's own person.

Pure: the schedule is a function handed in (the plan's rotation math), instants are parameters.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

#: (primary, backup) of one role at an instant, as the plan schedules it.
Schedule = Callable[[datetime], tuple[str, str | None]]


@dataclass(frozen=True)
class Override:
    id: int
    role: str
    handle: str
    starts_at: datetime
    ends_at: datetime

    def covers(self, at: datetime) -> bool:
        return self.starts_at <= at < self.ends_at


@dataclass(frozen=True)
class OnCall:
    """Who holds a role at an instant, and whether an override put them there."""

    primary: str
    backup: str | None
    override: Override | None


def on_call(scheduled: Schedule, overrides: Sequence[Override], at: datetime) -> OnCall:
    """The role's holder at `at`: the newest override covering `at`, else the schedule."""
    primary, backup = scheduled(at)
    active = max((o for o in overrides if o.covers(at)), key=lambda o: o.id, default=None)
    if active is None:
        return OnCall(primary, backup, None)
    if backup in (None, active.handle):
        backup = primary if primary != active.handle else None
    return OnCall(active.handle, backup, active)


@dataclass(frozen=True)
class Shift:
    """One person on call for one role (or as its backup), from `starts_at` until `ends_at`."""

    role: str
    handle: str
    starts_at: datetime
    ends_at: datetime
    override: bool  # an override put them there (for part of the shift, at least)
    backup: bool = False  # the role's backup: paged when its holder does not answer


def shifts(
    role: str,
    scheduled: Schedule,
    overrides: Sequence[Override],
    changes: Iterable[datetime],
    since: datetime,
    until: datetime,
    *,
    backups: bool = False,
) -> list[Shift]:
    """The role's shifts in [`since`, `until`), cut at the window's edges; with `backups`,
    its backups' shifts too (after the holders').

    `changes` are the instants the schedule may change (rotation handoffs); override edges
    are added here. Holders only change at those instants, so checking each is exact.
    Consecutive stretches of one person merge into one shift.
    """
    edges = {since, until, *changes}
    for o in overrides:
        edges.update(t for t in (o.starts_at, o.ends_at) if since < t < until)
    instants = sorted(t for t in edges if since <= t <= until)
    found: list[Shift] = []
    for as_backup in (False, True) if backups else (False,):
        stretch: list[Shift] = []
        for start, end in itertools.pairwise(instants):
            holder = on_call(scheduled, overrides, start)
            handle = holder.backup if as_backup else holder.primary
            if handle is None:
                continue
            # A backup counts as put there by the override only if it changed the backup.
            by_override = holder.override is not None and (
                not as_backup or handle != scheduled(start)[1]
            )
            last = stretch[-1] if stretch else None
            if last is not None and last.handle == handle and last.ends_at == start:
                stretch[-1] = Shift(
                    role, handle, last.starts_at, end, last.override or by_override, as_backup
                )
            else:
                stretch.append(Shift(role, handle, start, end, by_override, as_backup))
        found += stretch
    return found


def next_change(
    scheduled: Schedule,
    overrides: Sequence[Override],
    changes: Iterable[datetime],
    at: datetime,
) -> tuple[datetime, OnCall] | None:
    """The first instant after `at` when the role's primary changes, and who takes it;
    None when nothing ahead changes it (a fixed primary and no override to come)."""
    now = on_call(scheduled, overrides, at).primary
    edges = {t for t in changes if t > at}
    for o in overrides:
        edges.update(t for t in (o.starts_at, o.ends_at) if t > at)
    for instant in sorted(edges):
        holder = on_call(scheduled, overrides, instant)
        if holder.primary != now:
            return instant, holder
    return None
