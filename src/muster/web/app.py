"""The web application: the JSON API, the pages, and the public status page, in one app."""

from __future__ import annotations

from fastapi import FastAPI

from muster import __version__
from muster.actions.base import Runtime
from muster.web import errors, hooks, pages, paging, status
from muster.web.api import alerts as alerts_api
from muster.web.api.routes import router
from muster.web.pages import room


def create_app(rt: Runtime) -> FastAPI:
    app = status.StatusFirst(  # the public pages first, from a cache
        title="Muster",
        version=__version__,
        description="Incident response for small teams. Every call needs "
        "`Authorization: Bearer TOKEN` (`muster token create HANDLE`). Errors are "
        "application/problem+json with `detail`, `hint` and, for bad input, `field`.",
    )
    app.state.runtime = rt
    errors.install(app)
    app.include_router(router)
    app.include_router(alerts_api.router)
    app.include_router(hooks.router)  # outside /api/v1: senders hold a hook secret, no token
    app.include_router(paging.api)
    app.include_router(paging.router)  # /ack and /calendar: the secret is in the URL
    status.install(app)  # /status and its feed, answered before everything else
    pages.install(app)  # after errors.install: page errors answer as HTML
    app.include_router(room.router)
    return app
