"""The JSON API for alerts: integrations (admin), alert groups, declaring from a group."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, Field

from muster import reads
from muster.actions import alerts, integrations
from muster.actions.base import Actor, reference, viewer
from muster.storage import alerts as store
from muster.storage import incidents
from muster.web.api.routes import PROBLEMS, RT, Who
from muster.web.api.schemas import MAX_INT, Body, Line, Name, Text

router = APIRouter(prefix="/api/v1", responses=PROBLEMS)  # type: ignore[arg-type]


class IntegrationOut(BaseModel):
    name: str
    kind: str
    auth: str
    url: str  # where the tool posts
    header: str | None  # the header it sends, for bearer integrations
    secret: str
    setup: str  # ready to paste: an Alertmanager receiver, or the steps for the tool


class AlertGroupOut(BaseModel):
    id: int
    integration: str
    title: str
    service: str | None
    severity: str | None
    state: str  # incident, waiting, unrouted, closed
    incident: str | None  # INC-N when the viewer may see it
    firing: int
    total: int
    opened_at: datetime
    last_received_at: datetime
    closed_at: datetime | None


class AlertOut(BaseModel):
    fingerprint: str
    status: str
    name: str
    service: str | None
    severity: str | None
    labels: dict[str, Any]
    annotations: dict[str, Any]
    starts_at: datetime | None
    ends_at: datetime | None
    received: int
    last_received_at: datetime


class AlertGroupDetail(AlertGroupOut):
    alerts: list[AlertOut]


class DeclareFromAlertsIn(Body):
    title: Line | None = None
    severity: Name | None = None
    services: list[Name] | None = Field(None, max_length=50)
    impact: Text = ""
    private: bool = False


def _setup(kind: str, auth: str, url: str, secret: str) -> str:
    """What to paste into the sending tool."""
    if kind == "alertmanager":
        lines = [
            "receivers:",
            "  - name: muster",
            "    webhook_configs:",
            f"      - url: {url}",
            "        send_resolved: true",
        ]
        if auth == "bearer":
            lines += [
                "        http_config:",
                "          authorization:",
                f"            credentials: {secret}",
            ]
        return "\n".join(lines) + "\n"
    header = "" if auth == "path" else f" -H 'Authorization: Bearer {secret}'"
    if kind == "grafana":
        steps = f"Grafana: Alerting > Contact points > Add > Webhook. URL: {url}"
        if auth == "bearer":
            steps += (
                f". Optional settings > Authorization header: scheme Bearer, credentials {secret}"
            )
        return steps + "."
    example = '{"alerts":[{"status":"firing","service":"api","summary":"API errors above 5%"}]}'
    return f"curl -X POST {url}{header} -H 'Content-Type: application/json' -d '{example}'"


@router.get(
    "/integrations",
    tags=["alerts"],
    summary="The plan's integrations: URL, header and secret to configure (admin)",
)
def list_integrations(request: Request, rt: RT, who: Who) -> list[IntegrationOut]:
    base = rt.public_url or str(request.base_url).rstrip("/")
    shown = []
    for item in integrations.integrations(rt, who):
        path = f"{base}/hooks/{item.name}"
        url = path if item.auth == "bearer" else f"{path}/{item.secret}"
        header = f"Authorization: Bearer {item.secret}" if item.auth == "bearer" else None
        shown.append(
            IntegrationOut(
                name=item.name,
                kind=item.kind,
                auth=item.auth,
                url=url,
                header=header,
                secret=item.secret,
                setup=_setup(item.kind, item.auth, url, item.secret),
            )
        )
    return shown


@router.post(
    "/integrations/{name}/rotate",
    tags=["alerts"],
    summary="A new secret for one integration; the old one stops working (admin)",
)
def rotate(name: str, request: Request, rt: RT, who: Who) -> IntegrationOut:
    integrations.rotate(rt, who, name)
    return next(i for i in list_integrations(request, rt, who) if i.name == name)


def _group_out(row: Any, seen: dict[int, int]) -> AlertGroupOut:
    if row.incident_id is not None:
        state = "incident"
    elif row.closed_at is not None:
        state = "closed"
    else:
        state = "waiting" if row.severity else "unrouted"
    number = seen.get(row.incident_id) if row.incident_id is not None else None
    return AlertGroupOut(
        id=row.id,
        integration=row.integration,
        title=row.title,
        service=row.service,
        severity=row.severity,
        state=state,
        incident=reference(number) if number else None,
        firing=int(row.firing),
        total=int(row.total),
        opened_at=row.opened_at,
        last_received_at=row.last_received_at,
        closed_at=row.closed_at,
    )


def _visible(conn: Any, rows: list[Any], who: Actor) -> dict[int, int]:
    ids = [row.incident_id for row in rows if row.incident_id is not None]
    return incidents.visible_numbers(conn, ids, viewer(who))


@router.get("/alerts", tags=["alerts"], summary="Alert groups, open ones first")
def list_alert_groups(
    rt: RT,
    who: Who,
    open: Annotated[bool, Query(description="only groups not yet over")] = True,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AlertGroupOut]:
    with rt.db.read() as conn:
        rows = store.listing(conn, open_only=open, limit=limit)
        seen = _visible(conn, rows, who)
    return [_group_out(row, seen) for row in rows]


GroupId = Annotated[int, Path(ge=1, le=MAX_INT)]


@router.get("/alert-groups/{group}", tags=["alerts"], summary="One group and its alerts")
def show_alert_group(group: GroupId, rt: RT, who: Who) -> AlertGroupDetail:
    with rt.db.read() as conn:
        rows = store.listing(conn, open_only=False, limit=1, group_id=group)
        if not rows:
            raise alerts.no_group(group)
        seen = _visible(conn, rows, who)
        members = store.of_group(conn, group, limit=500)
    shown = _group_out(rows[0], seen)
    return AlertGroupDetail(
        **shown.model_dump(),
        alerts=[
            AlertOut(
                fingerprint=a.fingerprint,
                status=a.status,
                name=a.name,
                service=a.service,
                severity=a.severity,
                labels=a.labels,
                annotations=a.annotations,
                starts_at=a.starts_at,
                ends_at=a.ends_at,
                received=a.received,
                last_received_at=a.last_received_at,
            )
            for a in members
        ],
    )


@router.post(
    "/alert-groups/{group}/declare",
    tags=["alerts"],
    status_code=201,
    summary="Declare an incident from a waiting alert group; its alerts join it",
)
def declare_from_group(
    group: GroupId, body: DeclareFromAlertsIn, rt: RT, who: Who
) -> reads.IncidentDetail:
    ref = alerts.declare_from_group(rt, who, group, **body.model_dump())
    return reads.incident_detail(rt, who, ref)
