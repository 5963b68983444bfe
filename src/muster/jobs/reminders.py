"""Keeping the clock: remind the communicator when an update is due, and the backup
communicator and the commander when it is overdue by half an interval.

Each reminder is a row with a unique key (incident, track, due time, level): any number of
workers can run this job at once and each reminder still goes out exactly once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Row

from muster.actions.base import Pen, Runtime, plan_in_force, reference
from muster.actions.messages import Outgoing
from muster.domain.cadence import Level, Posted, next_due, reminder_points
from muster.domain.durations import format_duration
from muster.domain.hats import wearers
from muster.domain.records import EntryKind, Track
from muster.domain.roles import Role
from muster.storage import comms, incidents


def remind(rt: Runtime, worker: str) -> int:
    """Send the reminders that have come due; returns how many went out."""
    del worker  # the unique reminder key, not the worker, decides who sends
    now = rt.clock()
    with rt.db.read() as conn:
        rows = incidents.listing(conn, viewer=None, open_only=True, limit=10_000)
        posted = comms.updates_of(conn, [r.id for r in rows])
        plans = {r.plan_version: plan_in_force(rt, conn, r.plan_version).plan for r in rows}
    sent = 0
    for row in rows:
        severity = plans[row.plan_version].severity(row.severity)
        if severity is None:
            continue
        for track in Track:
            interval = severity.cadence_for(str(track))
            due = next_due(row.declared_at, interval, _chain(posted[row.id], track))
            if due is None:
                continue
            for level, point in reminder_points(due, interval):
                if now >= point:
                    sent += _send(rt, row.number, track, due, level, interval, now)
    return sent


def _chain(updates: list[Row[Any]], track: Track) -> list[Posted]:
    return [Posted(u.posted_at, u.next_update_at) for u in updates if u.track == track]


def _send(
    rt: Runtime,
    number: int,
    track: Track,
    due: datetime,
    level: Level,
    interval: timedelta,
    now: datetime,
) -> int:
    """One reminder, in one transaction with its timeline entry and its messages."""
    with rt.db.transaction() as conn:
        row = incidents.get(conn, number, viewer=None, lock=True)
        if row is None or row.resolved_at is not None:
            return 0
        current = next_due(
            row.declared_at, interval, _chain(comms.updates_of(conn, [row.id])[row.id], track)
        )
        if current != due:  # an update went out since we looked
            return 0
        if not comms.record_reminder(
            conn, row.id, track=str(track), due_at=due, level=str(level), now=now
        ):
            return 0
        plan = plan_in_force(rt, conn, row.plan_version).plan
        role_rows = incidents.roles_of(conn, [row.id])[row.id]
        holders = wearers({role: r.holder for role, r in role_rows.items()})
        communicator = holders[Role.communicator]
        ref = reference(row.number)
        late = format_duration(now - due) if now - due >= timedelta(minutes=1) else "now"
        out = Outgoing(conn, plan, now, row.id, row.number, drill=row.drill)
        if level is Level.due:
            told = [communicator]
            when = "now" if late == "now" else f"{late} ago"
            text = f"{track} update due ({when}): reminded {communicator} (communicator)"
            title = f"{ref}: the {track} update is due"
            body = (
                f"The next {track} update for {ref} ({row.title}) is due. Post it with "
                f"`muster update {ref} --{track} TEXT` (or --template NAME)."
            )
        else:
            backup = role_rows[Role.communicator].backup
            told = list(
                dict.fromkeys(
                    h for h in (backup, holders[Role.commander]) if h and h != communicator
                )
            )
            names = " and ".join(told) or "nobody else"
            text = f"{track} update overdue by {late}: told {names} ({communicator} has not posted)"
            title = f"{ref}: the {track} update is overdue"
            body = (
                f"The {track} update for {ref} ({row.title}) was due {late} ago and "
                f"{communicator} has not posted it. Check in with them, or post it."
            )
        Pen(conn, row.id, "muster", now).write(
            EntryKind.reminder,
            text,
            data={
                "track": str(track),
                "level": str(level),
                "due_at": due.isoformat(),
                "told": told,
            },
        )
        out.to_people(told, "reminder", f"{track}:{level}:{due.isoformat()}", title, body)
    if out.queued:
        rt.wake.set()
    return 1
