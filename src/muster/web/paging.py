"""Paging, on-call and deploys on the web: acknowledgement links, calendar feeds, and their API.

- `GET /ack/TOKEN` only shows what the link is for: mail scanners and link previews fetch
  links, and must not acknowledge anything. The button POSTs to the same URL, which does.
  The token in the path is the credential (a page reaches people who are not signed in).
- `GET /calendar/PERSON.ics` and `/calendar/role/ROLE.ics` are iCalendar (RFC 5545) feeds
  of the next weeks' shifts. Calendar apps cannot send headers, so a read-only calendar
  secret rides in the URL as `?token=` (`muster calendar` makes one).
"""

from __future__ import annotations

import html
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from muster import reads
from muster.actions import deploys, oncall, paging
from muster.domain.roles import Role
from muster.domain.shifts import Shift
from muster.errors import MusterError
from muster.plan import Plan
from muster.web.api.routes import PROBLEMS, RT, Who
from muster.web.api.schemas import MAX_INT, Body, Line, Name, Text, When

router = APIRouter()
api = APIRouter(prefix="/api/v1", responses=PROBLEMS)  # type: ignore[arg-type]

# Acknowledgement pages ---------------------------------------------------------------------

#: Links in pages are secrets: never cached, never passed on as a referrer, never indexed.
_PRIVATE = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}
_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font:18px/1.5 system-ui,sans-serif;max-width:32rem;margin:2rem auto;
padding:0 1rem;color:#1a1a1a}}button{{font-size:1.2rem;padding:.8rem 1.6rem;
border-radius:6px;border:0;background:#b3261e;color:#fff}}</style></head>
<body>{body}</body></html>"""


def _html(title: str, body: str, status: int = 200) -> HTMLResponse:
    page = _PAGE.format(title=html.escape(title), body=body)
    return HTMLResponse(page, status_code=status, headers=_PRIVATE)


def _refused(error: MusterError) -> HTMLResponse:
    body = f"<h1>{html.escape(error.message)}</h1><p>{html.escape(error.hint)}</p>"
    return _html(error.title, body, error.status)


def _about(view: paging.PageView) -> str:
    what = f"{view.ref} ({view.severity}): {view.title}"
    return f"<p><strong>{html.escape(what)}</strong></p>"


def _done(view: paging.PageView) -> str:
    at = view.acknowledged_at.strftime("%H:%M UTC") if view.acknowledged_at else ""
    by = f" by {html.escape(view.acknowledged_by)}" if view.acknowledged_by else ""
    return f"<h1>Acknowledged{by} at {at}</h1>{_about(view)}<p>Escalation has stopped.</p>"


@router.get("/ack/{token}", include_in_schema=False)
def ack_page(token: Annotated[str, Path(max_length=100)], rt: RT) -> HTMLResponse:
    try:
        view = paging.page_by_token(rt, token)
    except MusterError as error:
        return _refused(error)
    if view.acknowledged_at is not None:
        return _html("Acknowledged", _done(view))
    if not view.open:
        return _html("Resolved", f"<h1>{view.ref} is resolved</h1>{_about(view)}")
    body = (
        f"<h1>Acknowledge {view.ref}?</h1>{_about(view)}"
        f"<p>{html.escape(view.person)}, you were paged as {html.escape(view.reason)}. "
        "Acknowledging tells everyone you are on it and stops paging the next people.</p>"
        f'<form method="post" action="/ack/{html.escape(token)}">'
        '<button type="submit">Acknowledge</button></form>'
    )
    return _html(f"Acknowledge {view.ref}", body)


@router.post("/ack/{token}", include_in_schema=False)
def ack(token: Annotated[str, Path(max_length=100)], rt: RT) -> HTMLResponse:
    try:
        view = paging.acknowledge_by_token(rt, token)
    except MusterError as error:
        return _refused(error)
    if view.acknowledged_at is None:
        return _html("Resolved", f"<h1>{view.ref} is resolved</h1>{_about(view)}")
    return _html("Acknowledged", _done(view))


class AckIn(Body):
    at: When = None


class AckOut(BaseModel):
    already: bool  # it was acknowledged before this call; nothing changed
    incident: reads.IncidentDetail


@api.post(
    "/incidents/{ref}/ack",
    tags=["incidents"],
    summary="Acknowledge: the milestone, and its pages stop escalating (repeats are fine)",
)
def acknowledge(ref: str, rt: RT, who: Who, body: AckIn | None = None) -> AckOut:
    new = paging.acknowledge(rt, who, ref, at=body.at if body else None)
    return AckOut(already=not new, incident=reads.incident_detail(rt, who, ref))


# Calendar feeds ----------------------------------------------------------------------------


def _escape(text: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newline escaped."""
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545 3.1), never inside a UTF-8 character."""
    out: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode())
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def ical(plan: Plan, name: str, shifts: list[Shift], now: datetime) -> str:
    """The shifts as an iCalendar document (CRLF lines, folded, times in UTC)."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Muster//On-call//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(f'{plan.team.name} on-call: {name}')}",
    ]
    for shift in shifts:
        person = plan.person(shift.handle)
        who = f"{person.name} ({shift.handle})" if person else shift.handle
        if shift.backup:
            kind, summary = "backup", f"Backup {shift.role}: {who}"
            said = f"{who} is the {shift.role}'s backup."
            note = "An override made them the backup." if shift.override else ""
        else:
            kind, summary, said = (
                "on-call",
                f"On call: {shift.role}, {who}",
                f"{who} is {shift.role}.",
            )
            note = "An override puts them on call for this shift." if shift.override else ""
        lines += [
            "BEGIN:VEVENT",
            f"UID:{shift.role}-{kind}-{_utc(shift.starts_at)}-{shift.handle}@muster",
            f"DTSTAMP:{_utc(now)}",
            f"DTSTART:{_utc(shift.starts_at)}",
            f"DTEND:{_utc(shift.ends_at)}",
            f"SUMMARY:{_escape(summary)}",
            f"DESCRIPTION:{_escape(f'{plan.team.name}: {said} {note}'.strip())}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


def _feed(
    rt: RT, token: str | None, *, person: str | None = None, role: str | None = None
) -> Response:
    oncall.calendar_reader(rt, token)
    plan, shifts = oncall.shifts_ahead(rt, person=person, role=role)
    body = ical(plan, person or role or "", shifts, rt.clock())
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={"Cache-Control": "private, max-age=300", "Referrer-Policy": "no-referrer"},
    )


Secret = Annotated[str | None, Query(max_length=100, description="the calendar secret")]


@router.get("/calendar/{person}.ics", tags=["on-call"], summary="A person's shifts (iCalendar)")
def person_feed(
    person: Annotated[str, Path(max_length=64)], rt: RT, token: Secret = None
) -> Response:
    return _feed(rt, token, person=person.lower())


@router.get("/calendar/role/{role}.ics", tags=["on-call"], summary="A role's shifts (iCalendar)")
def role_feed(role: Annotated[str, Path(max_length=32)], rt: RT, token: Secret = None) -> Response:
    return _feed(rt, token, role=role)


class CalendarOut(BaseModel):
    person: str
    token: str
    feeds: dict[str, str]  # "person" and each role -> its feed URL


@api.post(
    "/calendar",
    tags=["on-call"],
    status_code=201,
    summary="A new calendar secret and feed URLs for you (the old secret stops working)",
)
def calendar(request: Request, rt: RT, who: Who) -> CalendarOut:
    token = oncall.new_calendar_token(rt, who)
    base = rt.public_url or str(request.base_url).rstrip("/")
    feeds = {"person": f"{base}/calendar/{who.handle}.ics?token={token}"}
    feeds.update({str(r): f"{base}/calendar/role/{r}.ics?token={token}" for r in Role})
    return CalendarOut(person=who.handle, token=token, feeds=feeds)


# On-call and overrides ---------------------------------------------------------------------


@api.get("/oncall", tags=["on-call"], summary="Who is on call for each role, and who is next")
def who_is_on_call(
    rt: RT, who: Who, at: Annotated[str | None, Query(max_length=64)] = None
) -> oncall.OnCallBoard:
    return oncall.board(rt, at)


class OverrideIn(Body):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    role: Name
    handle: Name
    starts: Annotated[str | None, Field(None, alias="from", max_length=64)] = None
    until: Annotated[str, Field(max_length=64)]


@api.post("/overrides", tags=["on-call"], status_code=201, summary="Put someone on call")
def add_override(body: OverrideIn, rt: RT, who: Who) -> oncall.OverrideView:
    return oncall.add_override(
        rt, who, role=body.role, handle=body.handle, since=body.starts, until=body.until
    )


@api.get("/overrides", tags=["on-call"], summary="Overrides in force now or to come")
def list_overrides(rt: RT, who: Who) -> list[oncall.OverrideView]:
    return oncall.list_overrides(rt)


@api.delete("/overrides/{override_id}", tags=["on-call"], summary="Cancel an override")
def cancel_override(
    override_id: Annotated[int, Path(ge=1, le=MAX_INT)], rt: RT, who: Who
) -> oncall.OverrideView:
    return oncall.cancel_override(rt, who, override_id)


# Deploys -----------------------------------------------------------------------------------


class DeployIn(Body):
    service: Name
    version: Line
    by: Name | None = None
    at: When = None
    rollback: bool = False
    url: Annotated[str | None, Field(None, max_length=2000)] = None
    notes: Text | None = None


@api.post("/deploys", tags=["deploys"], status_code=201, summary="Record a deploy (for CI/CD)")
def record_deploy(body: DeployIn, rt: RT, who: Who) -> deploys.DeployView:
    return deploys.record_deploy(rt, who, **body.model_dump())


@api.get("/deploys", tags=["deploys"], summary="The latest deploys, newest first")
def list_deploys(
    rt: RT,
    who: Who,
    service: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
) -> list[deploys.DeployView]:
    return deploys.list_deploys(rt, service, limit)
