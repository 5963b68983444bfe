"""The JSON API under /api/v1. Each view parses, calls one action or read, and returns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Query, Request

from muster import reads
from muster.actions import (
    admin,
    freeze,
    incidents,
    questions,
    record,
    roles,
    subscribers,
    updates,
)
from muster.actions.base import Actor, Runtime
from muster.web.api.schemas import (
    MAX_INT,
    AnswerIn,
    AskedOut,
    DecisionIn,
    DeclareIn,
    EntryIn,
    FindingOut,
    FreezeIn,
    HandoffIn,
    ImpactIn,
    MergeIn,
    MilestoneIn,
    PlanIn,
    PlanOut,
    QuestionIn,
    SeverityIn,
    SubscriberIn,
    TaskIn,
    UpdateIn,
    UpdateOut,
    WhoAmI,
)

PROBLEMS = {
    401: {"description": "no token, or an unknown one (problem+json)"},
    403: {"description": "this person may not do this (problem+json)"},
    404: {"description": "no such incident, task or entry (problem+json)"},
    409: {"description": "the incident's state forbids it now (problem+json)"},
    422: {"description": "a bad value or body, naming the field (problem+json)"},
}


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def actor(
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
    x_muster_as: Annotated[str | None, Header()] = None,
) -> Actor:
    """The person behind the bearer token (an admin token may act as someone with X-Muster-As)."""
    token = None
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:]
    return admin.authenticate(runtime(request), token, x_muster_as)


RT = Annotated[Runtime, Depends(runtime)]
Who = Annotated[Actor, Depends(actor)]
router = APIRouter(prefix="/api/v1", responses=PROBLEMS)  # type: ignore[arg-type]


@router.get("/health", tags=["server"], summary="Liveness and database check (no token needed)")
def health(rt: RT) -> dict[str, str]:
    version = reads.plan_version(rt)
    return {"status": "ok", "plan_version": str(version) if version else "none"}


@router.get("/whoami", tags=["server"])
def whoami(who: Who) -> WhoAmI:
    return WhoAmI(handle=who.handle, admin=who.admin)


@router.get("/plan", tags=["plan"], summary="The plan in force")
def get_plan(rt: RT, who: Who) -> PlanOut:
    version, source = reads.plan_source(rt)
    return PlanOut(version=version, changed=False, warnings=[], source=source)


@router.post("/plan", tags=["plan"], summary="Apply a new plan version")
def apply_plan(body: PlanIn, rt: RT, who: Who) -> PlanOut:
    applied = admin.apply_plan(rt, who, body.source)
    return PlanOut(version=applied.version, changed=applied.changed, warnings=applied.warnings)


@router.get("/incidents", tags=["incidents"])
def list_incidents(
    rt: RT,
    who: Who,
    open: Annotated[bool, Query(description="only unresolved")] = False,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[reads.IncidentSummary]:
    return reads.list_incidents(rt, who, open_only=open, limit=limit)


@router.post("/incidents", tags=["incidents"], status_code=201, summary="Declare an incident")
def declare(body: DeclareIn, rt: RT, who: Who) -> reads.IncidentDetail:
    declared = incidents.declare(rt, who, **body.model_dump())
    return reads.incident_detail(rt, who, declared.number)


@router.get("/incidents/{ref}", tags=["incidents"])
def show(ref: str, rt: RT, who: Who) -> reads.IncidentDetail:
    return reads.incident_detail(rt, who, ref)


@router.post("/incidents/{ref}/milestones", tags=["incidents"])
def milestone(ref: str, body: MilestoneIn, rt: RT, who: Who) -> reads.IncidentDetail:
    incidents.record_milestone(rt, who, ref, body.milestone, at=body.at)
    return reads.incident_detail(rt, who, ref)


@router.post("/incidents/{ref}/severity", tags=["incidents"])
def severity(ref: str, body: SeverityIn, rt: RT, who: Who) -> reads.IncidentDetail:
    incidents.change_severity(rt, who, ref, body.severity, why=body.why)
    return reads.incident_detail(rt, who, ref)


@router.post("/incidents/{ref}/impact", tags=["incidents"])
def impact(ref: str, body: ImpactIn, rt: RT, who: Who) -> reads.IncidentDetail:
    incidents.set_impact(rt, who, ref, body.impact, at=body.at)
    return reads.incident_detail(rt, who, ref)


@router.post(
    "/incidents/{ref}/roles/{role}/handoff",
    tags=["roles"],
    summary="Offer a role to someone; pending until they accept",
)
def handoff(ref: str, role: str, body: HandoffIn, rt: RT, who: Who) -> reads.IncidentDetail:
    roles.propose_handoff(rt, who, ref, role, body.to, reason=body.reason)
    return reads.incident_detail(rt, who, ref)


@router.post("/incidents/{ref}/roles/{role}/accept", tags=["roles"])
def accept(ref: str, role: str, rt: RT, who: Who) -> reads.IncidentDetail:
    roles.accept_handoff(rt, who, ref, role)
    return reads.incident_detail(rt, who, ref)


@router.post(
    "/incidents/{ref}/roles/{role}/cancel",
    tags=["roles"],
    summary="Withdraw (proposer, commander) or decline (receiver) a pending handoff",
)
def cancel(ref: str, role: str, rt: RT, who: Who) -> reads.IncidentDetail:
    roles.cancel_handoff(rt, who, ref, role)
    return reads.incident_detail(rt, who, ref)


@router.post("/incidents/{ref}/timeline", tags=["timeline"], status_code=201)
def log(ref: str, body: EntryIn, rt: RT, who: Who) -> reads.EntryView:
    seq = record.log_entry(rt, who, ref, body.text, kind=body.kind, at=body.at, amends=body.amends)
    return reads.entry_view(rt, who, ref, seq)


@router.get("/incidents/{ref}/timeline", tags=["timeline"])
def get_timeline(ref: str, rt: RT, who: Who) -> list[reads.EntryView]:
    return reads.timeline_of(rt, who, ref)


@router.post("/incidents/{ref}/decisions", tags=["timeline"], status_code=201)
def decide(ref: str, body: DecisionIn, rt: RT, who: Who) -> reads.EntryView:
    seq = record.record_decision(rt, who, ref, body.decision, why=body.why, at=body.at)
    return reads.entry_view(rt, who, ref, seq)


@router.post("/incidents/{ref}/tasks", tags=["tasks"], status_code=201)
def add_task(ref: str, body: TaskIn, rt: RT, who: Who) -> reads.IncidentDetail:
    record.add_task(rt, who, ref, body.title, owner=body.owner)
    return reads.incident_detail(rt, who, ref)


@router.post("/incidents/{ref}/tasks/{number}/done", tags=["tasks"])
def finish_task(
    ref: str, number: Annotated[int, Path(ge=1, le=MAX_INT)], rt: RT, who: Who
) -> reads.IncidentDetail:
    record.finish_task(rt, who, ref, number)
    return reads.incident_detail(rt, who, ref)


@router.get(
    "/freeze",
    tags=["freeze"],
    summary="May a deploy go out? 200 either way; `frozen` says whether to wait",
)
def freeze_status(rt: RT, who: Who, service: str | None = None) -> reads.FreezeStatus:
    return reads.freeze_status(rt, who, service)


@router.post("/freezes", tags=["freeze"], status_code=201)
def start_freeze(body: FreezeIn, rt: RT, who: Who) -> reads.FreezeStatus:
    freeze.freeze(rt, who, service=body.service, why=body.why)
    return reads.freeze_status(rt, who, body.service)


@router.delete("/freezes", tags=["freeze"])
def end_freeze(rt: RT, who: Who, service: str | None = None) -> reads.FreezeStatus:
    freeze.unfreeze(rt, who, service=service)
    return reads.freeze_status(rt, who, service)


@router.post(
    "/incidents/{ref}/updates",
    tags=["updates"],
    status_code=201,
    summary="Post (or preview) an update on the internal or customer track",
)
def post_update(ref: str, body: UpdateIn, rt: RT, who: Who) -> UpdateOut:
    posted = updates.post_update(
        rt,
        who,
        ref,
        track=body.track,
        text=body.text,
        template=body.template,
        status=body.status,
        next_update=body.next,
        preview=body.preview,
        strict=body.strict,
    )
    return UpdateOut(
        number=posted.number,
        track=str(posted.track),
        status=posted.status and str(posted.status),
        text=posted.text,
        next_update_at=posted.next_update_at,
        queued=posted.queued,
        findings=[
            FindingOut(kind=str(f.kind), excerpt=f.excerpt, message=f.message)
            for f in posted.findings
        ],
    )


@router.get("/incidents/{ref}/updates", tags=["updates"])
def list_updates(ref: str, rt: RT, who: Who) -> list[reads.UpdateView]:
    return reads.incident_detail(rt, who, ref).updates


@router.post("/incidents/{ref}/questions", tags=["questions"], status_code=201)
def ask(ref: str, body: QuestionIn, rt: RT, who: Who) -> AskedOut:
    asked = questions.ask(rt, who, ref, body.text)
    return AskedOut(number=asked.number, likely_duplicates=asked.likely_duplicates)


@router.get(
    "/incidents/{ref}/questions",
    tags=["questions"],
    summary="The queue (the fixer sees only questions forwarded to them)",
)
def list_questions(ref: str, rt: RT, who: Who) -> list[reads.QuestionView]:
    return reads.incident_detail(rt, who, ref).questions


Question = Annotated[int, Path(ge=1, le=MAX_INT)]


@router.post("/incidents/{ref}/questions/{number}/answer", tags=["questions"])
def answer(
    ref: str, number: Question, body: AnswerIn, rt: RT, who: Who
) -> list[reads.QuestionView]:
    questions.answer(rt, who, ref, number, body.text)
    return reads.incident_detail(rt, who, ref).questions


@router.post("/incidents/{ref}/questions/{number}/merge", tags=["questions"])
def merge(ref: str, number: Question, body: MergeIn, rt: RT, who: Who) -> list[reads.QuestionView]:
    questions.merge(rt, who, ref, number, body.into)
    return reads.incident_detail(rt, who, ref).questions


@router.post("/incidents/{ref}/questions/{number}/forward", tags=["questions"])
def forward(ref: str, number: Question, rt: RT, who: Who) -> list[reads.QuestionView]:
    questions.forward(rt, who, ref, number)
    return reads.incident_detail(rt, who, ref).questions


@router.post(
    "/subscribers",
    tags=["updates"],
    status_code=201,
    summary="Subscribe an email address to customer updates",
)
def subscribe(body: SubscriberIn, rt: RT, who: Who) -> dict[str, bool]:
    return {"subscribed": subscribers.subscribe(rt, body.email)}


@router.delete("/subscribers", tags=["updates"])
def unsubscribe(email: Annotated[str, Query(max_length=320)], rt: RT, who: Who) -> dict[str, bool]:
    return {"unsubscribed": subscribers.unsubscribe(rt, email)}
