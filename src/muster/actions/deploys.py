"""Deploys: what CI/CD pipelines ship, on the timeline of the incidents it may touch.

A deploy is recorded whatever the freezes say (it happened; refusing the record would only
hide it), but one shipped while its service is frozen is flagged on every open incident of
that service. At declaration, the affected services' deploys of the last 24 hours go on the
timeline, the freshest deployer is offered the fixer role, and each rollback runbook is shown
with how long ago it was tested.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Connection, Row

from muster.actions.base import (
    Actor,
    Pen,
    PlanInForce,
    Runtime,
    plan_in_force,
    reference,
    require_service,
    require_text,
    resolve_at,
    rollback_paths,
)
from muster.actions.roles import offer_in
from muster.domain.durations import format_duration
from muster.domain.hats import HandoffRefused, check_handoff, wearers
from muster.domain.records import EntryKind
from muster.domain.roles import Role
from muster.errors import InvalidInput
from muster.plan.lint import ROLLBACK_MAX_AGE_DAYS
from muster.storage import deploys, incidents, records
from muster.storage.timeline import NewEntry

#: How far back a declaration looks for deploys of the affected services.
LOOKBACK = timedelta(hours=24)
#: Deploys listed one by one on the timeline at declaration; the rest are summed up.
LISTED = 5
AUTHOR = "muster"


class DeployView(BaseModel):
    id: int
    service: str
    version: str
    by: str | None
    at: datetime
    rollback: bool
    url: str | None
    notes: str | None
    frozen: bool  # shipped while the service was frozen


def _view(row: Row[Any]) -> DeployView:
    return DeployView(
        id=row.id,
        service=row.service,
        version=row.version,
        by=row.deployed_by,
        at=row.deployed_at,
        rollback=row.rollback,
        url=row.url,
        notes=row.notes,
        frozen=row.frozen,
    )


def _describe(row: Row[Any]) -> str:
    what = "rollback of" if row.rollback else "deploy of"
    by = f" by {row.deployed_by}" if row.deployed_by else ""
    return f"{what} {row.service} {row.version}{by}" + (f" ({row.url})" if row.url else "")


def record_deploy(
    rt: Runtime,
    actor: Actor,
    *,
    service: str,
    version: str,
    by: str | None = None,
    at: str | None = None,
    rollback: bool = False,
    url: str | None = None,
    notes: str | None = None,
) -> DeployView:
    """Record one deploy; flag it on open incidents of its service (loudly if frozen)."""
    version = require_text(version, "version", hint="give the version shipped", limit=200)
    deployer = (by or actor.handle).strip().lower()
    if not deployer or len(deployer) > 64:
        raise InvalidInput("--by must be 1 to 64 characters", hint="a handle", field="by")
    link = (url or "").strip() or None
    if link is not None and not link.startswith(("http://", "https://")):
        raise InvalidInput(
            f"{link!r} is not a web address", hint="give the pipeline's https:// URL", field="url"
        )
    now = rt.clock()
    with rt.db.transaction() as conn:
        pif = plan_in_force(rt, conn)
        name = require_service(pif.plan, service)
        when = resolve_at(at, now, pif.tz)
        freezes = records.active_freezes(conn, name)
        row = deploys.add_deploy(
            conn,
            service=name,
            version=version,
            deployed_by=deployer,
            deployed_at=when,
            rollback=rollback,
            url=link,
            notes=(notes or "").strip() or None,
            frozen=bool(freezes),
            recorded_by=actor.handle,
            recorded_at=now,
        )
        touched = {f.incident_id for f in freezes if f.incident_id is not None}
        open_ids = [i.id for i in incidents.listing(conn, viewer=None, open_only=True, limit=1000)]
        services = incidents.services_of(conn, open_ids)
        touched |= {i for i in open_ids if name in services[i]}
        text = _describe(row)
        if freezes:
            text = f"deploy during freeze: {text}"
        for incident_id in sorted(touched):
            Pen(conn, incident_id, actor.handle, now).write(
                EntryKind.deploy,
                text,
                at=when,
                data={"deploy": row.id, "service": name, "frozen": bool(freezes)},
            )
    return _view(row)


def list_deploys(rt: Runtime, service: str | None, limit: int) -> list[DeployView]:
    with rt.db.read() as conn:
        name = require_service(plan_in_force(rt, conn).plan, service) if service else None
        return [_view(r) for r in deploys.listing(conn, name, limit)]


def rollback_warning(last_tested: str | None, today: date) -> str | None:
    """What to say about a rollback's last test: never, or too long ago (the plan's rule)."""
    if last_tested is None:
        return "never tested: it may not work"
    age = (today - date.fromisoformat(last_tested)).days
    if age > ROLLBACK_MAX_AGE_DAYS:
        return f"last tested {age} days ago (more than {ROLLBACK_MAX_AGE_DAYS}): it may not work"
    return None


def at_declaration(
    conn: Connection,
    pif: PlanInForce,
    number: int,
    services: list[str],
    occurred: datetime,
    now: datetime,
) -> bool:
    """Inside the declaring transaction: recent deploys of the affected services on the
    timeline, the freshest deployer offered the fixer role, each rollback runbook shown.
    Returns whether a message was queued (the offer)."""
    recent = deploys.recent(conn, services, occurred - LOOKBACK, occurred)
    if not recent:
        return False
    row = incidents.get(conn, number, viewer=None)
    assert row is not None
    entries = [
        NewEntry(
            EntryKind.deploy,
            f"{_describe(deploy)}, {format_duration(occurred - deploy.deployed_at)} before "
            "the incident",
            deploy.deployed_at,
            {"deploy": deploy.id, "service": deploy.service},
        )
        for deploy in recent[:LISTED]
    ]
    if len(recent) > LISTED:
        entries.append(
            NewEntry(
                EntryKind.deploy,
                f"and {len(recent) - LISTED} earlier deploys of {', '.join(services)} in the "
                f"last {format_duration(LOOKBACK)} (`muster deploys` lists them)",
                now,
                {"more": len(recent) - LISTED},
            )
        )
    today = occurred.astimezone(pif.tz).date()
    for path in rollback_paths(pif.plan, sorted({d.service for d in recent})):
        warning = rollback_warning(path["last_tested"], today)
        entries.append(
            NewEntry(
                EntryKind.deploy,
                f"rollback of {path['service']}: {path['runbook'] or 'no runbook in the plan'} "
                f"(last tested {path['last_tested'] or 'never'})"
                + (f"; warning: {warning}" if warning else ""),
                now,
                {"rollback": path, "warning": warning},
            )
        )
    Pen(conn, row.id, AUTHOR, now).write_all(entries)
    return _offer_fixer(conn, pif, row, recent[0], occurred, now)


def _offer_fixer(
    conn: Connection,
    pif: PlanInForce,
    row: Row[Any],
    deploy: Row[Any],
    occurred: datetime,
    now: datetime,
) -> bool:
    """Offer the fixer role to whoever shipped last, when they are in the plan and neither
    the fixer already nor the commander (who must never fix)."""
    deployer = deploy.deployed_by
    role_rows = incidents.roles_of(conn, [row.id])[row.id]
    holders = {role: r.holder for role, r in role_rows.items()}
    worn = wearers(holders)
    if deployer not in pif.plan.handles() or deployer in (worn[Role.fixer], worn[Role.commander]):
        return False
    try:
        check_handoff(Role.fixer, holders, None, worn[Role.commander], deployer, pif.plan.handles())
    except HandoffRefused:
        return False
    before = format_duration(occurred - deploy.deployed_at)
    reason = f"shipped {deploy.service} {deploy.version} {before} before {reference(row.number)}"
    return offer_in(conn, pif.plan, row, Role.fixer, deployer, by=AUTHOR, reason=reason, now=now)
