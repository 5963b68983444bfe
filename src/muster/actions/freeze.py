"""Deploy freezes: on for a service (or all) while it is unsafe to ship, queried by pipelines."""

from __future__ import annotations

from sqlalchemy import Connection

from muster.actions.base import Actor, Runtime, plan_in_force, require_service
from muster.errors import Conflict, InvalidInput
from muster.storage import records

EVERY_SERVICE = "every service"


def resolve_service(rt: Runtime, conn: Connection, service: str | None) -> str | None:
    """The plan's name for `service`; None means every service."""
    if service is None or not service.strip():
        return None
    return require_service(plan_in_force(rt, conn).plan, service)


def freeze(rt: Runtime, actor: Actor, *, service: str | None, why: str) -> int:
    """Stop deploys to one service, or to every service when none is named."""
    if not why.strip():
        raise InvalidInput("say why deploys are frozen", hint="add --why TEXT", field="why")
    now = rt.clock()
    with rt.db.transaction() as conn:
        name = resolve_service(rt, conn, service)
        for active in records.active_freezes(conn, name):
            if active.service == name:
                raise Conflict(
                    f"deploys to {name or EVERY_SERVICE} are already frozen: {active.reason}",
                    hint="`muster unfreeze` lifts it",
                )
        return records.start_freeze(conn, service=name, reason=why.strip(), by=actor.handle, at=now)


def unfreeze(rt: Runtime, actor: Actor, *, service: str | None) -> int:
    """Lift the freezes on one service (or the all-services freeze); returns how many ended."""
    now = rt.clock()
    with rt.db.transaction() as conn:
        name = resolve_service(rt, conn, service)
        ending = [f.id for f in records.active_freezes(conn, name) if f.service == name]
        if not ending:
            raise Conflict(
                f"deploys to {name or EVERY_SERVICE} are not frozen", hint="nothing to lift"
            )
        records.end_freezes(conn, ending, by=actor.handle, at=now)
        return len(ending)
