"""The web application: JSON API today; pages, status page and hooks hang off the same app."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse

from muster import __version__
from muster.actions.base import Runtime
from muster.web import errors, feed
from muster.web.api.routes import router

_HOME = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Muster</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;
padding:0 1rem;color:#1a1a1a}
code{background:#f2f2f2;padding:.1rem .3rem;border-radius:3px}</style></head>
<body><h1>Muster is running</h1>
<p>Incident response for small teams: the commander decides, the communicator speaks,
the fixer repairs, and Muster keeps one timeline.</p>
<p>Use the <code>muster</code> command line with <code>MUSTER_URL</code> and
<code>MUSTER_TOKEN</code>, or the <a href="/docs">JSON API</a>.</p>
<p><small>Muster {version}</small></p></body></html>"""


def create_app(rt: Runtime) -> FastAPI:
    app = FastAPI(
        title="Muster",
        version=__version__,
        description="Incident response for small teams. Every call needs "
        "`Authorization: Bearer TOKEN` (`muster token create HANDLE`). Errors are "
        "application/problem+json with `detail`, `hint` and, for bad input, `field`.",
    )
    app.state.runtime = rt
    errors.install(app)
    app.include_router(router)
    app.include_router(feed.router)

    @app.get("/", include_in_schema=False)
    async def home() -> HTMLResponse:
        return HTMLResponse(_HOME.replace("{version}", __version__))

    return app
