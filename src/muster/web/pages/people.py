"""/people: everyone in the plan, what they hold, who is on call now and until when."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from muster import reads
from muster.actions import oncall
from muster.domain.roles import Role
from muster.plan import Plan
from muster.web.pages.common import SignedIn, render, runtime
from muster.web.pages.plan import require_plan

router = APIRouter(include_in_schema=False)

#: what a contact URL's scheme means to a person; the URL itself may hold a secret
KINDS = {
    "mailto": "email",
    "mailtos": "email",
    "json": "webhook",
    "jsons": "webhook",
    "form": "webhook",
    "forms": "webhook",
    "ntfy": "ntfy push",
    "ntfys": "ntfy push",
    "tgram": "Telegram",
    "slack": "Slack",
    "signal": "Signal",
    "sms": "SMS",
}


@dataclass
class PersonView:
    handle: str
    name: str
    timezone: str
    on_call: list[str] = field(default_factory=list)  # "commander", "backup fixer"
    duties: list[str] = field(default_factory=list)  # what the plan gives them
    owns: list[str] = field(default_factory=list)
    contacts: list[str] = field(default_factory=list)


def contact_kind(url: str) -> str:
    scheme = urlsplit(url).scheme.lower()
    return KINDS.get(scheme, scheme or "unknown")


def people_of(plan: Plan, on_call: dict[Role, tuple[str, str | None]]) -> list[PersonView]:
    views = {
        p.handle: PersonView(
            handle=p.handle,
            name=p.name,
            timezone=p.timezone or plan.team.timezone,
            contacts=sorted({contact_kind(c) for c in p.contacts}),
        )
        for p in plan.people
    }
    for role in Role:
        primary, backup = on_call.get(role, (None, None))
        if primary in views:
            views[primary].on_call.append(str(role))
        if backup in views:
            views[backup].on_call.append(f"backup {role}")
        arrangement = plan.role(role)
        if arrangement.rotation is not None:
            for handle in arrangement.rotation.people:
                if handle in views:
                    views[handle].duties.append(f"{role} rotation")
        elif arrangement.primary in views:
            views[arrangement.primary].duties.append(f"{role} primary")
        if arrangement.backup in views:
            views[arrangement.backup].duties.append(f"{role} backup")
    for service in plan.services:
        for owner in service.owners:
            if owner in views:
                views[owner].owns.append(service.name)
    return list(views.values())


@router.get("/people")
def people_page(request: Request, me: SignedIn) -> Response:
    rt = runtime(request)
    plan = require_plan(reads.plan_now(rt))
    board = oncall.board(rt, None)
    on_call = {r.role: (r.primary, r.backup) for r in board.roles}
    return render(
        request,
        "people.html",
        roles=board.roles,
        people=people_of(plan, on_call),
        now=rt.clock(),
        timezone=board.timezone,
    )
