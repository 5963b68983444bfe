"""Every error leaves as RFC 9457 problem+json with a hint; no input produces a 500 page."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from muster.errors import MusterError

log = logging.getLogger("muster.web")
PROBLEM = "application/problem+json"


def problem(status: int, title: str, detail: str, hint: str = "", field: str = "") -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail}
    if hint:
        body["hint"] = hint
    if field:
        body["field"] = field
    return JSONResponse(body, status_code=status, media_type=PROBLEM)


def _location(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts)


def install(app: FastAPI) -> None:
    @app.exception_handler(MusterError)
    async def _muster(_: Request, error: MusterError) -> JSONResponse:
        return problem(error.status, error.title, error.message, error.hint, error.field)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        # Malformed JSON arrives here too; it is answered 422 like any other bad body.
        first = error.errors()[0]
        field = _location(tuple(first.get("loc", ())))
        message = first.get("msg", "invalid value")
        if first.get("type") == "json_invalid":
            return problem(
                422,
                "Invalid input",
                "the body is not valid JSON",
                "send a JSON object; see /docs for each call's body",
            )
        detail = f"{field}: {message}" if field else message
        others = len(error.errors()) - 1
        if others:
            detail += f" (and {others} more problem{'s' if others > 1 else ''})"
        return problem(422, "Invalid input", detail, "see /docs for this call's body", field)

    @app.exception_handler(HTTPException)
    async def _http(_: Request, error: HTTPException) -> JSONResponse:
        hint = "see /docs for the API" if error.status_code in (404, 405) else ""
        return problem(error.status_code, str(error.detail), str(error.detail), hint)

    @app.exception_handler(Exception)
    async def _crash(request: Request, error: Exception) -> JSONResponse:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return problem(
            500,
            "Internal error",
            "Muster hit an unexpected error",
            "check with `muster show` whether the change was saved; the server log has details",
        )
