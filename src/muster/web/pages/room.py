"""The incident room, the fixer's focus view, their pieces for htmx, and the live timeline.

    GET /incidents/{ref}                 the room (`?before=SEQ`: an earlier page of the record)
    GET /incidents/{ref}/focus           the fixer's view: timeline, forwarded questions, log
    GET /incidents/{ref}/state           the top of the room, for the live refresh
    GET /incidents/{ref}/questions       the question queue (`?focus=1`: the fixer's part)
    GET /incidents/{ref}/timeline        a page of entries before `?before=SEQ`
    GET /incidents/{ref}/live            server-sent events: `entry` (an <li>, id = seq) and
                                         `state` (something changed: refresh the top)

The forms the room posts are in `room_forms`. Visibility is the reads' business: a private
incident's room answers 404 to anyone who is not a participant.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import HTMLResponse
from fastapi.sse import EventSourceResponse, ServerSentEvent

from muster import reads
from muster.actions.base import Actor, Runtime
from muster.errors import InvalidInput, NotFound
from muster.web.live import Hub
from muster.web.pages import room_forms
from muster.web.pages.common import SignedIn, runtime
from muster.web.pages.room_view import clockface, entry_html, parse_seq, show_part, show_room

router = APIRouter(include_in_schema=False)
router.include_router(room_forms.router)

#: How soon (ms) a browser reconnects after the stream drops; it resends Last-Event-ID.
RETRY_MS = 2000


async def _started() -> float:
    return time.perf_counter()


@router.get("/incidents/{ref}")
def room_page(
    started: Annotated[float, Depends(_started)],  # first: the session check counts too
    ref: str,
    request: Request,
    who: SignedIn,
    before: str | None = None,
) -> HTMLResponse:
    page = show_room(request, who, ref, before=parse_seq(before))
    # The server's own time for the page, for benchmarks and browser dev tools.
    page.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - started) * 1000:.1f}"
    return page


@router.get("/incidents/{ref}/focus")
def focus_page(
    ref: str, request: Request, who: SignedIn, before: str | None = None
) -> HTMLResponse:
    return show_room(request, who, ref, focus=True, before=parse_seq(before))


@router.get("/incidents/{ref}/state")
def state_part(ref: str, request: Request, who: SignedIn) -> HTMLResponse:
    return show_part(request, who, ref, "state")


@router.get("/incidents/{ref}/questions")
def questions_part(ref: str, request: Request, who: SignedIn, focus: str = "") -> HTMLResponse:
    return show_part(request, who, ref, "questions", focus=bool(focus))


@router.get("/incidents/{ref}/timeline")
def timeline_part(
    ref: str, request: Request, who: SignedIn, before: str | None = None
) -> HTMLResponse:
    return show_part(request, who, ref, "timeline", before=parse_seq(before))


def hub(request: Request) -> Hub:
    """The process's one live hub, made on first use."""
    found: Hub | None = getattr(request.app.state, "live_hub", None)
    if found is None:
        found = request.app.state.live_hub = Hub(runtime(request))
    return found


def _watched(ref: str, request: Request, who: SignedIn) -> reads.Watched:
    """Checked before the stream starts, so an unseen incident is a plain 404."""
    return reads.watch(runtime(request), who, ref)


def _resume_point(after: str | None, last_event_id: str | None) -> int | None:
    """Where the client is: the later of `?after=` (the page it loaded) and Last-Event-ID
    (the last entry the browser received before it reconnected). Junk counts as absent."""
    points = []
    for value in (after, last_event_id):
        try:
            points.append(parse_seq(value, "after"))
        except InvalidInput:  # a value we cannot read is a client without a position
            continue
    known = [p for p in points if p is not None]
    return max(known) if known else None


@router.get("/incidents/{ref}/live", response_class=EventSourceResponse)
async def live(
    request: Request,
    who: SignedIn,
    watched: Annotated[reads.Watched, Depends(_watched)],
    after: str | None = None,
    last_event_id: Annotated[str | None, Header()] = None,
) -> AsyncIterator[ServerSentEvent]:
    """New timeline entries as they are written by anyone, anywhere; missed ones first."""
    rt = runtime(request)
    start = _resume_point(after, last_event_id)
    sent = watched.last_seq if start is None else start
    yield ServerSentEvent(comment="live", retry=RETRY_MS)
    async with hub(request).follow(watched) as queue:
        batch: list[reads.EntryView] | None = None  # None: read what was missed
        while True:
            if batch is None:
                batch = await anyio.to_thread.run_sync(
                    reads.entries_since, rt, watched.incident_id, sent
                )
            fresh = [e for e in batch if e.seq > sent]
            if fresh:
                if watched.private and not await _still_sees(rt, who, watched.ref):
                    return  # no longer a participant: the stream ends here
                face = clockface(rt, watched.timezone)
                for entry in fresh:
                    yield ServerSentEvent(
                        raw_data=entry_html(entry, face), event="entry", id=str(entry.seq)
                    )
                    sent = entry.seq
                yield ServerSentEvent(raw_data=str(sent), event="state")
            batch = await queue.get()


async def _still_sees(rt: Runtime, who: Actor, ref: str) -> bool:
    try:
        await anyio.to_thread.run_sync(reads.watch, rt, who, ref)
    except NotFound:
        return False
    return True
