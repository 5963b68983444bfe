"""Deploy freezes: on for a service (or all) while it is unsafe to ship, queried by pipelines."""

from __future__ import annotations

from sqlalchemy import Connection

from muster.actions.base import Actor, Pen, Runtime, plan_in_force, require_service, require_text
from muster.domain.records import EntryKind
from muster.errors import Conflict, InvalidInput
from muster.storage import records

EVERY_SERVICE = "every service"


def resolve_service(rt: Runtime, conn: Connection, service: str | None) -> str | None:
    """The plan's name for `service`; None (left out) means every service.

    An empty name is refused: in a pipeline it is usually an unset variable, and reading it as
    "every service" would freeze or unfreeze far more than meant.
    """
    if service is None:
        return None
    if not service.strip():
        raise InvalidInput(
            "the service name is empty",
            hint="name a service, or leave out --service to mean every service",
            field="service",
        )
    return require_service(plan_in_force(rt, conn).plan, service)


def freeze(rt: Runtime, actor: Actor, *, service: str | None, why: str) -> int:
    """Stop deploys to one service, or to every service when none is named."""
    reason = require_text(why, "why", hint="say why deploys must wait, with --why TEXT")
    now = rt.clock()
    with rt.db.transaction() as conn:
        records.serialise(conn, "freeze")  # check-then-insert, one writer at a time
        name = resolve_service(rt, conn, service)
        for active in records.active_freezes(conn, name):
            if active.service == name:
                raise Conflict(
                    f"deploys to {name or EVERY_SERVICE} are already frozen ({active.reason})",
                    hint="`muster unfreeze` lifts it",
                )
        return records.start_freeze(conn, service=name, reason=reason, by=actor.handle, at=now)


def unfreeze(rt: Runtime, actor: Actor, *, service: str | None) -> int:
    """Lift the freezes on one service (or the all-services freeze); returns how many ended.

    Lifting an incident's freeze is the commander's call made early; it goes on that
    incident's timeline like every other change.
    """
    now = rt.clock()
    with rt.db.transaction() as conn:
        records.serialise(conn, "freeze")
        name = resolve_service(rt, conn, service)
        ending = [f for f in records.active_freezes(conn, name) if f.service == name]
        if not ending:
            raise Conflict(
                f"deploys to {name or EVERY_SERVICE} are not frozen", hint="nothing to lift"
            )
        records.end_freezes(conn, [f.id for f in ending], by=actor.handle, at=now)
        for lifted in ending:
            if lifted.incident_id is not None:
                Pen(conn, lifted.incident_id, actor.handle, now).write(
                    EntryKind.freeze,
                    f"deploys unfrozen on {name or EVERY_SERVICE}",
                    data={"service": name, "frozen": False},
                )
        return len(ending)
