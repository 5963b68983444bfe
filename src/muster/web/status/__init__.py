"""The public status page at /status and its Atom feed at /status/feed.atom.

    StatusFirst(...)      the FastAPI app, with the public pages answered before anything else
    install(app)          serve both from a cached rendering kept fresh by a `StatusCache`
    only_public_on(app, port)
                          the same app as seen on `muster serve --status-port PORT`

`view` reads what customers may see, `render` turns it into bytes, `cache` keeps those
bytes fresh, and `asgi` answers requests from them without touching the database.
"""

from __future__ import annotations

from functools import partial

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from muster.web.status.asgi import StatusFastPath, only_public_on
from muster.web.status.cache import StatusCache

__all__ = ["StatusCache", "StatusFirst", "install", "only_public_on"]


class StatusFirst(FastAPI):
    """FastAPI with the fast path outermost: a call meets it before FastAPI's own
    per-request work (its telemetry check alone costs more than answering from the cache),
    its middleware and its routing."""

    front: ASGIApp | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.front is None:
            await super().__call__(scope, receive, send)
        else:
            await self.front(scope, receive, send)


def install(app: StatusFirst) -> StatusCache:
    """Put the fast path in front of `app`; everything it does not answer goes on to `app`."""
    cache = StatusCache(app.state.runtime)
    cache.listen()
    app.front = StatusFastPath(partial(FastAPI.__call__, app), cache)
    app.state.status_cache = cache
    return cache
