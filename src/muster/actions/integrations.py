"""Integrations of the plan and their secrets: made by the server (the plan file lives in a
repository and holds none), shown to admins, rotated, and checked on every hook request."""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from muster.actions.base import Actor, PlanInForce, Runtime, plan_in_force
from muster.errors import Forbidden, NotFound, Unauthorized
from muster.plan.schema import Integration
from muster.storage import alerts as store

SECRET_BYTES = 24


@dataclass(frozen=True)
class IntegrationView:
    name: str
    kind: str
    auth: str
    secret: str


def _admin(actor: Actor, doing: str) -> None:
    if not actor.admin:
        raise Forbidden(
            f"{actor.handle} cannot {doing}: integration secrets are for admins",
            hint="use an admin token (`muster token create NAME --admin`)",
        )


def integrations(rt: Runtime, actor: Actor) -> list[IntegrationView]:
    """The plan's integrations with their secrets; a secret is made the first time an
    integration is listed (the plan file, kept in a repository, never holds one)."""
    _admin(actor, "list integrations")
    with rt.db.transaction() as conn:
        pif = plan_in_force(rt, conn)
        stored = store.secrets(conn)
        for integration in pif.plan.integrations:
            if integration.name not in stored:
                made = secrets.token_urlsafe(SECRET_BYTES)
                if store.add_secret(conn, integration.name, made, rt.clock()):
                    stored[integration.name] = made
        stored = store.secrets(conn)
    return [IntegrationView(i.name, i.kind, i.auth, stored[i.name]) for i in pif.plan.integrations]


def rotate(rt: Runtime, actor: Actor, name: str) -> IntegrationView:
    """A new secret for one integration; the old one stops working at once."""
    _admin(actor, "rotate secrets")
    with rt.db.transaction() as conn:
        integration = integration_named(plan_in_force(rt, conn), name)
        made = secrets.token_urlsafe(SECRET_BYTES)
        store.replace_secret(conn, integration.name, made, rt.clock())
    return IntegrationView(integration.name, integration.kind, integration.auth, made)


def integration_named(pif: PlanInForce, name: str) -> Integration:
    integration = pif.plan.integration(name)
    if integration is None:
        known = ", ".join(i.name for i in pif.plan.integrations) or "none yet"
        raise NotFound(
            f"there is no integration {name!r} in the plan",
            hint=f"the plan's integrations: {known} (`muster integrations` shows their URLs)",
        )
    return integration


def authorize(integration: Integration, stored: str | None, given: str | None) -> None:
    """Constant-time check of the secret the sender gave (header or path, per the plan)."""
    where = (
        "in the Authorization header (Bearer SECRET)"
        if integration.auth == "bearer"
        else "as the last path segment (/hooks/NAME/SECRET)"
    )
    if stored is None:
        raise Unauthorized(
            f"integration {integration.name!r} has no secret yet",
            hint="an admin runs `muster integrations` to make one and see the URL to configure",
        )
    if not given:
        raise Unauthorized(
            f"integration {integration.name!r} takes its secret {where}",
            hint="`muster integrations` shows the URL and header to configure",
        )
    if not hmac.compare_digest(given.encode(), stored.encode()):
        raise Unauthorized(
            f"the secret for integration {integration.name!r} is wrong",
            hint="`muster integrations` shows the current one (it changes on rotate)",
        )
