"""Cadence: when the next update on a track is due, how late it is, and how often we were on time.

People ask fewer repeat questions when they know the next message is coming, so every update
says when the next one will be posted, and Muster holds the communicator to it. The updates of
one track form a chain of due times:

- the first update is due one interval after the incident was declared;
- each update posted makes the next one due at the time it announced (`next_update_at`);
- a final update (the resolved one, with no next time) ends the chain.

The seed outage, with a 10-minute cadence: declared at 18:18, so the first update is due at
18:28; at 18:33 (half an interval late) it is overdue and the commander hears of it. The
communicator posts at 18:27 ("next update in 10 minutes"): on time, and the next is due at
18:37. If nothing more is posted, at 18:37 the communicator is reminded, at 18:42 the backup
communicator and the commander are, and at 18:48 adherence reads 1 of 2: the 18:27 update on
time, the 18:37 one missed.

Everything here is pure: the caller passes the clock (`now`) and the track's updates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

#: An update posted up to this long after its due time still counts as on time: the
#: communicator who posts "at 18:37" and hits send at 18:37:40 kept their word.
GRACE = timedelta(seconds=60)


@dataclass(frozen=True)
class Posted:
    """One update posted on a track: when, and when it said the next one would come (None
    for the final update)."""

    posted_at: datetime
    next_update_at: datetime | None


class Level(StrEnum):
    """The two reminders per due time, and who gets each."""

    due = "due"  # at the due time: remind the communicator
    overdue = "overdue"  # half an interval later: remind the backup communicator and commander


@dataclass(frozen=True)
class Clock:
    """Where a track stands against its next due time at one moment.

    `state` is `upcoming` before `due_at`, `due` from `due_at`, and `overdue` from the
    escalation point (`due_at` + half an interval). `delta` is never negative: for `upcoming`
    the time left until `due_at`, otherwise the time since `due_at`, so a screen can say
    "due in 4 minutes" or "overdue by 6 minutes" without checking signs.
    """

    due_at: datetime
    state: Literal["upcoming", "due", "overdue"]
    delta: timedelta


def _in_order(posted: Sequence[Posted]) -> list[Posted]:
    return sorted(posted, key=lambda update: update.posted_at)  # stable for equal times


def next_due(
    declared_at: datetime, interval: timedelta, posted: Sequence[Posted]
) -> datetime | None:
    """When the next update on the track is due; None once a final update ended the chain.

    `posted` is the track's updates in any order. The latest one decides: an update posted
    after a final one (say, a correction) starts the chain again from what it announced.
    """
    ordered = _in_order(posted)
    if not ordered:
        return declared_at + interval
    return ordered[-1].next_update_at


def escalation_point(due_at: datetime, interval: timedelta) -> datetime:
    """When a missed update becomes overdue: half an interval after it was due."""
    return due_at + interval / 2


def update_clock(due_at: datetime, interval: timedelta, now: datetime) -> Clock:
    """The track's clock at `now`, for an update due at `due_at` on an `interval` cadence."""
    if now < due_at:
        return Clock(due_at, "upcoming", due_at - now)
    state: Literal["due", "overdue"] = (
        "overdue" if now >= escalation_point(due_at, interval) else "due"
    )
    return Clock(due_at, state, now - due_at)


def reminder_points(due_at: datetime, interval: timedelta) -> list[tuple[Level, datetime]]:
    """The reminders for the update due at `due_at`, in time order. The scheduler sends each
    once its time has come, unless an update was posted first (which moves the due time)."""
    return [(Level.due, due_at), (Level.overdue, escalation_point(due_at, interval))]


def adherence(
    declared_at: datetime,
    interval: timedelta,
    posted: Sequence[Posted],
    now: datetime,
    open: bool,
) -> tuple[int, int]:
    """(updates on time, updates due) for one track of one incident.

    Walking the chain, each posted update is one update due, on time when posted by its due
    time plus `GRACE`. An update posted after a final one was not awaited by anyone, so it
    counts as on time. While the incident is `open`, an update whose due time (plus grace)
    has passed at `now` without being posted counts as due and not on time: only that one,
    since the chain cannot say when the next ones would have been due.
    """
    on_time = due_count = 0
    due: datetime | None = declared_at + interval
    for update in _in_order(posted):
        due_count += 1
        if due is None or update.posted_at <= due + GRACE:
            on_time += 1
        due = update.next_update_at
    if open and due is not None and now > due + GRACE:
        due_count += 1
    return on_time, due_count
