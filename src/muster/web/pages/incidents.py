"""/incidents: open incidents first, then recent resolved ones; filters are a plain GET form."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import Response

from muster import reads
from muster.web.pages.common import SignedIn, render, runtime

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class Filters:
    state: str  # open | all
    severity: str
    service: str
    mine: bool


@router.get("/incidents")
def incidents_page(
    request: Request,
    me: SignedIn,
    state: str = "all",
    severity: str = "",
    service: str = "",
    mine: str = "",
) -> Response:
    rt = runtime(request)
    plan = reads.plan_now(rt)
    filters = Filters(
        state="open" if state == "open" else "all",
        severity=severity[:32],
        service=service[:64],
        mine=bool(mine),
    )
    rows = reads.incident_board(
        rt,
        me,
        open_only=filters.state == "open",
        severity=filters.severity,
        service=filters.service,
        mine=filters.mine,
    )
    return render(
        request,
        "incidents.html",
        rows=rows,
        filters=filters,
        now=rt.clock(),
        tz=plan.team.timezone if plan else "UTC",
        severities=[s.name for s in plan.severities] if plan else [],
        services=[s.name for s in plan.services] if plan else [],
    )
