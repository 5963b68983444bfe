"""/plan: the one-page plan, the same content as `muster plan show --format html`."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup

from muster import reads
from muster.errors import Conflict
from muster.plan import Plan
from muster.plan import render as sheet
from muster.web.pages.common import SignedIn, render, runtime

router = APIRouter(include_in_schema=False)


def require_plan(plan: Plan | None) -> Plan:
    if plan is None:
        raise Conflict(
            "no plan has been applied to this server yet",
            hint="apply one with `muster plan apply muster.yaml`",
        )
    return plan


@router.get("/plan")
def plan_page(request: Request, me: SignedIn) -> Response:
    rt = runtime(request)
    plan = require_plan(reads.plan_now(rt))
    now = rt.clock()
    body = sheet.body_html(plan, now, reads.on_call_now(rt, now))
    return render(request, "plan.html", body=Markup(body))
