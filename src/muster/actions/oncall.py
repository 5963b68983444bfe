"""On-call: overrides over the plan's rotations, who is on call when, and calendar secrets.

Overrides are the only writes here (one transaction each). The reads beside them (the
board, the shifts for calendar feeds) use the same override-aware rule as declaration
staffing, `staffing`, so what `muster oncall` shows is who a declaration would name.
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Row

from muster.actions.base import Actor, Runtime, digest, parse_choice, plan_in_force
from muster.domain import oncall as rotations
from muster.domain import shifts as shift_rules
from muster.domain.durations import parse_duration
from muster.domain.roles import Role
from muster.errors import Conflict, Forbidden, InvalidInput, NotFound, Unauthorized
from muster.plan import Plan
from muster.storage import oncall as store

#: The longest override: a year. Longer is a change of the plan, not an override.
MAX_OVERRIDE = timedelta(days=366)
WHEN_ACCEPTED = (
    "use ISO 8601 like 2026-11-23T09:00 (team timezone unless it has an offset), a date "
    "like 2026-11-23 (midnight), 'now', or a duration from now like 8h"
)


def _schedule(plan: Plan, role: Role) -> shift_rules.Schedule:
    return lambda at: plan.on_call(role, at)


def _handoffs(plan: Plan, role: Role, since: datetime, until: datetime) -> list[datetime]:
    rotation = plan.role(role).rotation
    if rotation is None:
        return []
    return list(rotations.handoffs(rotation.to_rotation(plan.team.timezone), since, until))


def _overrides(rows: list[Row[Any]], role: Role) -> list[shift_rules.Override]:
    return [
        shift_rules.Override(r.id, r.role, r.handle, r.starts_at, r.ends_at)
        for r in rows
        if r.role == str(role)
    ]


def staffing(conn: Connection, plan: Plan, at: datetime) -> dict[Role, tuple[str, str | None]]:
    """(primary, backup) of each role at `at`: the plan's schedule with overrides applied."""
    rows = store.overrides_between(conn, at, at + timedelta(microseconds=1))
    found = {}
    for role in Role:
        holder = shift_rules.on_call(_schedule(plan, role), _overrides(rows, role), at)
        found[role] = (holder.primary, holder.backup)
    return found


def parse_when(text: str, now: datetime, tz: tzinfo, field: str) -> datetime:
    """A moment for an override, past or future (unlike `--at`, which is never ahead)."""
    cleaned = text.strip()
    if cleaned.lower() in ("", "now"):
        return now
    try:
        return now + parse_duration(cleaned)
    except ValueError:
        pass
    try:
        if len(cleaned) == 10:  # a date alone: from its midnight
            day = date.fromisoformat(cleaned)
            return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)
        moment = datetime.fromisoformat(cleaned.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{text!r} is not a time", hint=WHEN_ACCEPTED, field=field) from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=tz)).astimezone(UTC)


class OverrideView(BaseModel):
    id: int
    role: str
    handle: str
    starts_at: datetime
    ends_at: datetime
    created_by: str
    created_at: datetime


def _view(row: Row[Any]) -> OverrideView:
    return OverrideView(
        id=row.id,
        role=row.role,
        handle=row.handle,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        created_by=row.created_by,
        created_at=row.created_at,
    )


def add_override(
    rt: Runtime, actor: Actor, *, role: str, handle: str, since: str | None, until: str
) -> OverrideView:
    """Put `handle` on call for `role` from `since` (default now) until `until`."""
    chosen = parse_choice(Role, role, field="role", what="a role")
    now = rt.clock()
    with rt.db.transaction() as conn:
        pif = plan_in_force(rt, conn)
        person = handle.strip().lower()
        if person not in pif.plan.handles():
            raise InvalidInput(
                f"{handle!r} is not a person in the plan",
                hint="use one of: " + ", ".join(sorted(pif.plan.handles())),
                field="handle",
            )
        starts = parse_when(since or "now", now, pif.tz, "from")
        ends = parse_when(until, now, pif.tz, "until")
        if ends <= starts:
            raise InvalidInput(
                "the override ends before it starts",
                hint="give --until a time after --from",
                field="until",
            )
        if ends <= now:
            raise InvalidInput(
                "the override is over already", hint="give --until a time ahead", field="until"
            )
        if ends - starts > MAX_OVERRIDE:
            raise InvalidInput(
                "an override may last a year at most",
                hint="for a lasting change, edit the rotation in the plan",
                field="until",
            )
        new = store.add_override(
            conn,
            role=str(chosen),
            handle=person,
            starts_at=starts,
            ends_at=ends,
            by=actor.handle,
            now=now,
        )
        row = store.override(conn, new)
    assert row is not None
    return _view(row)


def cancel_override(rt: Runtime, actor: Actor, override_id: int) -> OverrideView:
    """Cancel an override: its maker, its person or the server's admin may."""
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = store.override(conn, override_id)
        if row is None or row.cancelled_at is not None:
            raise NotFound(
                f"there is no override {override_id} in force",
                hint="`muster override list` shows them",
            )
        if not actor.admin and actor.handle not in (row.created_by, row.handle):
            raise Forbidden(
                f"only {row.created_by} (who made it) or {row.handle} can cancel override "
                f"{override_id}",
                hint="ask one of them",
            )
        if not store.cancel_override(conn, override_id, by=actor.handle, at=now):
            raise Conflict(f"override {override_id} was just cancelled", hint="nothing to do")
    return _view(row)


def list_overrides(rt: Runtime) -> list[OverrideView]:
    """Overrides in force now or to come."""
    now = rt.clock()
    with rt.db.read() as conn:
        rows = store.overrides_between(conn, now, datetime.max.replace(tzinfo=UTC))
    return [_view(r) for r in rows]


class OnCallRole(BaseModel):
    role: Role
    primary: str
    backup: str | None
    override: int | None  # the override that put them there
    until: datetime | None  # when the primary changes next; None: not within a year
    next: str | None  # who takes over then


class OnCallBoard(BaseModel):
    at: datetime
    timezone: str
    roles: list[OnCallRole]


#: How far ahead "next handoff" looks.
HORIZON = timedelta(days=366)


def board(rt: Runtime, at: str | None) -> OnCallBoard:
    """Each role's on-call people at `at` (default now) and the next change of hands."""
    now = rt.clock()
    with rt.db.read() as conn:
        pif = plan_in_force(rt, conn)
        moment = parse_when(at, now, pif.tz, "at") if at else now
        rows = store.overrides_between(conn, moment, moment + HORIZON)
    found = []
    for role in Role:
        mine = _overrides(rows, role)
        schedule = _schedule(pif.plan, role)
        holder = shift_rules.on_call(schedule, mine, moment)
        changes = _handoffs(pif.plan, role, moment, moment + HORIZON)
        upcoming = shift_rules.next_change(schedule, mine, changes, moment)
        found.append(
            OnCallRole(
                role=role,
                primary=holder.primary,
                backup=holder.backup,
                override=holder.override.id if holder.override else None,
                until=upcoming[0] if upcoming else None,
                next=upcoming[1].primary if upcoming else None,
            )
        )
    return OnCallBoard(at=moment, timezone=pif.plan.team.timezone, roles=found)


def shifts_ahead(
    rt: Runtime, *, person: str | None = None, role: str | None = None, weeks: int = 8
) -> tuple[Plan, list[shift_rules.Shift]]:
    """Shifts from the start of today (team time) for `weeks`: one person's (as holder and
    as backup), or one role's holders."""
    now = rt.clock()
    with rt.db.read() as conn:
        pif = plan_in_force(rt, conn)
        since = datetime.combine(now.astimezone(pif.tz).date(), time(0), tzinfo=pif.tz)
        since = since.astimezone(UTC)
        until = since + timedelta(weeks=weeks)
        rows = store.overrides_between(conn, since, until)
    if person is not None and person not in pif.plan.handles():
        raise NotFound(f"{person!r} is not a person in the plan", hint="check the feed's URL")
    roles = [parse_choice(Role, role, field="role", what="a role")] if role else list(Role)
    found = [
        shift
        for r in roles
        for shift in shift_rules.shifts(
            str(r),
            _schedule(pif.plan, r),
            _overrides(rows, r),
            _handoffs(pif.plan, r, since, until),
            since,
            until,
            backups=person is not None,  # a person's feed has their backup shifts too
        )
        if person is None or shift.handle == person
    ]
    return pif.plan, sorted(found, key=lambda s: (s.starts_at, s.role, s.backup))


CALENDAR_PREFIX = "cal_"


def new_calendar_token(rt: Runtime, actor: Actor) -> str:
    """A fresh read-only secret for `actor`'s calendar feed URLs; the previous one stops
    working. Only its digest is stored, so it is shown once."""
    if actor.admin:
        raise Forbidden(
            "calendar feeds belong to people",
            hint="make one as a person: `muster --as HANDLE calendar`",
        )
    token = CALENDAR_PREFIX + secrets.token_urlsafe(24)
    with rt.db.transaction() as conn:
        store.set_calendar_token(conn, actor.handle, digest=digest(token), now=rt.clock())
    return token


def calendar_reader(rt: Runtime, token: str | None) -> str:
    """The person whose calendar secret `token` is; 401 otherwise (nothing else is read)."""
    if not token:
        raise Unauthorized(
            "a calendar feed needs its secret", hint="use the URL `muster calendar` prints"
        )
    with rt.db.read() as conn:
        handle = store.calendar_holder(conn, digest(token.strip()))
    if handle is None:
        raise Unauthorized(
            "this calendar secret is unknown or was replaced",
            hint="make a new feed URL with `muster calendar`",
        )
    return handle
