"""Inbound webhooks under /hooks/: one per integration of the plan, and the benchmark's ceiling.

    POST /hooks/{integration}            secret in `Authorization: Bearer SECRET`
    POST /hooks/{integration}/{secret}   secret in the path, for tools that cannot set headers
    GET  /hooks/hello                    no database work at all: the ceiling that
                                         bench/alert_ingest.py compares the hooks with

The body is read here with a size cap (413), then everything else (secret, JSON, the
alerts) runs in the thread pool, so a storm never blocks the event loop. The answer is 200
only after the alerts are committed.

In a storm, requests take turns through `INGESTING` once their body is read: a few at a
time is enough to keep the database busy while Python works on the next one, and the rest
wait in the order they got there. Let all of them into the thread pool at once and they
fight over the interpreter lock and the group rows, and the unlucky ones wait several
times longer than the rest (p99 ~300 ms against ~160 ms, bench/alert_ingest.py on
PostgreSQL). On SQLite the four then take the one writer lock, in no promised order.
"""

from __future__ import annotations

import asyncio
import weakref
from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import JSONResponse, PlainTextResponse
from starlette.concurrency import run_in_threadpool

from muster.actions import alerts
from muster.actions.base import Runtime
from muster.errors import MusterError

#: Largest body accepted: Alertmanager sends a group's alerts at once, and 1 MB holds
#: thousands of them.
MAX_BODY = 1024 * 1024

router = APIRouter(prefix="/hooks", tags=["hooks"])


class Turns:
    """At most `size` holders at once; the others wait first come, first served (asyncio's
    Semaphore queues its waiters). One semaphore per event loop, as a semaphore belongs to
    the loop that first waits on it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._by_loop = weakref.WeakKeyDictionary()

    def __call__(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        semaphore = self._by_loop.get(loop)
        if semaphore is None:
            semaphore = self._by_loop[loop] = asyncio.Semaphore(self.size)
        return semaphore


#: Hook requests storing alerts at once, per process (see the module).
INGESTING = Turns(4)


class PayloadTooLarge(MusterError):
    status = 413
    title = "Payload too large"


def _too_large() -> PayloadTooLarge:
    return PayloadTooLarge(
        f"the body is larger than {MAX_BODY // 1024} KB",
        hint="send fewer alerts per request (Alertmanager: lower max_alerts in webhook_configs)",
        field="body",
    )


async def _body(request: Request) -> bytes:
    """The body, refused past MAX_BODY whether or not the sender declared its length."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        raise _too_large()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _too_large()
        chunks.append(chunk)
    return b"".join(chunks)


async def _receive(
    request: Request, integration: str, bearer: str | None, path_secret: str | None
) -> JSONResponse:
    rt: Runtime = request.app.state.runtime
    body = await _body(request)
    async with INGESTING():
        done = await run_in_threadpool(
            alerts.receive, rt, integration, bearer=bearer, path_secret=path_secret, body=body
        )
    return JSONResponse(asdict(done))


def _bearer(authorization: str | None) -> str | None:
    if authorization and authorization[:7].lower() == "bearer ":
        return authorization[7:].strip()
    return None


@router.get("/hello", summary="No database work: the ceiling for the hooks' benchmark")
async def hello() -> PlainTextResponse:
    return PlainTextResponse("hello")


@router.post(
    "/{integration}",
    summary="Alerts from an integration whose secret travels as a bearer token",
)
async def receive(
    integration: str,
    request: Request,
    authorization: Annotated[str | None, Header()] = None,
) -> JSONResponse:
    return await _receive(request, integration, _bearer(authorization), None)


@router.post(
    "/{integration}/{secret}",
    summary="Alerts from an integration whose secret is the last path segment",
)
async def receive_with_path_secret(integration: str, secret: str, request: Request) -> JSONResponse:
    return await _receive(request, integration, None, secret)
