"""The web app's pages (Jinja + htmx): sign-in, incidents, declare, plan, people.

`install(app)` adds the routers and makes errors on pages answer as HTML pages: a page must
never show a browser problem+json, and no input may produce a 500.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from muster.errors import MusterError
from muster.web.pages import assets, auth, declare, incidents, people, plan
from muster.web.pages.common import SignInRequired, render, signin_required

Handler = Callable[[Request, Exception], Awaitable[Response]]


def wants_html(request: Request) -> bool:
    """A browser asking for a page (or htmx asking for a fragment), not an API client."""
    if request.url.path.startswith("/api/"):
        return False
    return request.headers.get("hx-request") == "true" or "text/html" in request.headers.get(
        "accept", ""
    )


def _html_or(previous: Handler) -> Handler:
    """Answer page requests with error.html; leave API answers to the JSON handler."""

    async def handle(request: Request, error: Exception) -> Response:
        if not wants_html(request):
            return await previous(request, error)
        if isinstance(error, MusterError):
            status, title, message, hint = error.status, error.title, error.message, error.hint
        elif isinstance(error, HTTPException):
            status, title, message = error.status_code, str(error.detail), str(error.detail)
            hint = "check the address" if status == 404 else ""
        else:
            return await previous(request, error)
        return render(request, "error.html", status, title=title, message=message, hint=hint)

    return handle


def install(app: FastAPI) -> None:
    for module in (auth, assets, incidents, declare, plan, people):
        app.include_router(module.router)
    app.add_exception_handler(SignInRequired, signin_required)
    for kind in (MusterError, HTTPException):
        previous = app.exception_handlers[kind]
        app.add_exception_handler(kind, _html_or(previous))  # type: ignore[arg-type]
