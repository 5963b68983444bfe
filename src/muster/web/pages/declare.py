"""/declare: a short form that helps pick the severity from the plan's objective criteria."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from muster import reads
from muster.actions import incidents
from muster.actions.base import reference
from muster.errors import InvalidInput, MusterError
from muster.web.pages.common import Csrf, Posted, SignedIn, is_htmx, render, runtime, see_other

router = APIRouter(include_in_schema=False)
FIELDS = ("title", "severity", "services", "impact")


def _form(
    request: Request,
    status: int = 200,
    *,
    typed: dict[str, object] | None = None,
    error: MusterError | None = None,
) -> Response:
    plan = reads.plan_now(runtime(request))
    values = typed or {
        "title": "",
        "severity": "",
        "services": [],
        "impact": "",
        "private": False,
        "drill": False,
    }
    template = "declare_form.html" if is_htmx(request) else "declare.html"
    return render(
        request,
        template,
        status,
        severities=plan.severities if plan else [],
        services=plan.services if plan else [],
        values=values,
        error=error,
        error_field=error.field if error and error.field in FIELDS else "",
    )


@router.get("/declare")
def declare_page(request: Request, me: SignedIn) -> Response:
    return _form(request)


@router.post("/declare", dependencies=[Csrf])
def declare(request: Request, me: SignedIn, form: Posted) -> Response:
    typed: dict[str, object] = {
        "title": form.get("title"),
        "severity": form.get("severity"),
        "services": form.getlist("services"),
        "impact": form.get("impact"),
        "private": form.checked("private"),
        "drill": form.checked("drill"),
    }
    try:
        if not form.get("severity").strip():
            raise InvalidInput(
                "choose a severity",
                hint="pick the first one whose criteria match",
                field="severity",
            )
        declared = incidents.declare(
            runtime(request),
            me,
            title=form.get("title"),
            severity=form.get("severity"),
            services=form.getlist("services"),
            impact=form.get("impact"),
            private=form.checked("private"),
            drill=form.checked("drill"),
        )
    except MusterError as error:
        return _form(request, error.status, typed=typed, error=error)
    room = f"/incidents/{reference(declared.number)}"
    if is_htmx(request):
        return Response(status_code=200, headers={"HX-Redirect": room})
    return see_other(room)
