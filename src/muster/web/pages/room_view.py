"""What the incident room and the fixer's focus view show, and how their forms keep state.

FormState            one form's typed values, its errors by field, and an update preview
Clockface            times in the team's timezone, and the update countdown as words
show_room(...)       the room (or the focus view) with some forms carrying what was typed
show_part(...)       one piece of it for htmx: the top, the questions, a page, a form
entry_html(...)      one timeline entry as the fragment the live stream sends
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse

from muster import reads
from muster.actions.base import Actor, Runtime
from muster.actions.updates import Posted
from muster.domain.milestones import Milestone
from muster.domain.records import LOGGABLE, CustomerStatus, Decision, Track
from muster.domain.roles import Role
from muster.errors import InvalidInput, MusterError
from muster.web.pages.common import env, render, runtime


@dataclass
class FormState:
    """A form as the person left it: what they typed, and what was wrong with it."""

    values: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)  # field -> message; "" for the form
    preview: Posted | None = None

    def get(self, name: str, default: str = "") -> str:
        return self.values.get(name, default)

    def error(self, name: str) -> str:
        return self.errors.get(name, "")


Forms = dict[str, FormState]


def failed(
    values: dict[str, str],
    error: MusterError,
    fields: tuple[str, ...],
    aliases: dict[str, str] | None = None,
) -> FormState:
    """The form again with `error` next to its field (at the top when the field is not one
    of the form's; `aliases` maps an action's field name to the form's), hint included."""
    message = error.message + (f" ({error.hint})" if error.hint else "")
    named = (aliases or {}).get(error.field, error.field)
    where = named if named in fields else ""
    return FormState(values, {where: message})


def _minutes(seconds: float) -> str:
    minutes = round(seconds / 60)
    if minutes < 1:
        return "under a minute"
    if minutes < 90:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


@dataclass(frozen=True)
class Clockface:
    """Times as the team reads them: `HH:MM` today, with the day otherwise."""

    tz: tzinfo
    today: date  # in `tz`, worked out once: a page formats hundreds of times

    def hm(self, moment: datetime) -> str:
        local = moment.astimezone(self.tz)
        if local.date() == self.today:
            return local.strftime("%H:%M")
        return local.strftime("%a %d %b %H:%M")

    def countdown(self, clock: reads.TrackClock) -> str:
        """`customer update due in 7 min (18:36)`: words and a clock time, so the line means
        the same without colour and still reads right on a page nobody refreshed."""
        if clock.state == "done" or clock.due_at is None:
            return f"{clock.track} update: none due"
        at = self.hm(clock.due_at)
        if clock.state == "upcoming":
            return f"{clock.track} update due in {_minutes(clock.seconds)} ({at})"
        if clock.state == "due":
            return f"{clock.track} update due now (since {at})"
        return f"{clock.track} update overdue by {_minutes(clock.seconds)} (was due {at})"


def clockface(rt: Runtime, timezone: str) -> Clockface:
    tz, now = ZoneInfo(timezone), rt.clock()
    return Clockface(tz, now.astimezone(tz).date())


def parse_seq(value: str | None, field: str = "before") -> int | None:
    """A timeline position from a query string; junk is a 422 naming the parameter."""
    if value is None or not value.strip():
        return None
    if not value.strip().isdigit() or len(value.strip()) > 9:
        raise InvalidInput(
            f"{value[:40]!r} is not a timeline entry number", hint="use a number", field=field
        )
    return int(value)


#: The choices the room's forms offer, from the domain's closed sets.
CHOICES: dict[str, Any] = {
    "kinds": [str(k) for k in LOGGABLE],
    "decisions": [str(d) for d in Decision],
    "milestones": [str(m) for m in Milestone],
    "roles": [str(r) for r in Role],
    "tracks": [str(t) for t in Track],
    "statuses": [str(s) for s in CustomerStatus],
}


def room_context(
    request: Request,
    who: Actor,
    room: reads.Room,
    forms: Forms | None = None,
    *,
    focus: bool = False,
    before: int | None = None,
) -> dict[str, Any]:
    rt = runtime(request)
    incident = room.incident
    return {
        "room": room,
        "i": incident,
        "face": clockface(rt, incident.timezone),
        "forms": forms or {},
        "blank": FormState(),
        "people": sorted(room.plan.handles()),
        "templates": sorted(room.plan.templates.items()),
        "choices": CHOICES,
        "fixer": next(r.holder for r in incident.roles if r.role is Role.fixer),
        "me": who,
        "focus": focus,
        "before": before,
    }


def show_room(
    request: Request,
    who: Actor,
    ref: str,
    *,
    forms: Forms | None = None,
    status_code: int = 200,
    focus: bool = False,
    before: int | None = None,
    **extra: Any,
) -> HTMLResponse:
    """The room, or with `focus` the fixer's view: the timeline and only the questions
    forwarded to the fixer."""
    room = reads.incident_room(runtime(request), who, ref, before=before)
    ctx = room_context(request, who, room, forms, focus=focus, before=before)
    name = "room_focus.html" if focus else "room.html"
    return render(request, name, status_code, **ctx, **extra)


def show_part(
    request: Request,
    who: Actor,
    ref: str,
    part: str,
    *,
    forms: Forms | None = None,
    status_code: int = 200,
    focus: bool = False,
    before: int | None = None,
    **extra: Any,
) -> HTMLResponse:
    """One piece of the room for htmx to swap in: `state`, `questions`, `timeline` (a page
    back from `before`) or a form by name."""
    limit = reads.ROOM_PAGE if part == "timeline" else 0
    room = reads.incident_room(runtime(request), who, ref, before=before, limit=limit)
    ctx = room_context(request, who, room, forms, focus=focus, before=before)
    return render(request, "room_part.html", status_code, part=part, **ctx, **extra)


def entry_html(entry: reads.EntryView, face: Clockface) -> str:
    """The same <li> the room renders, for the live stream."""
    return str(env.get_template("_room_entry.html").module.entry(entry, face))  # type: ignore[attr-defined]
