"""The public Atom feed of customer updates: what customers may read, and nothing else.

Only customer-track updates of incidents that are neither private nor drills appear. The
answer carries an ETag and Cache-Control so feed readers and caches do not hammer the
server during an outage; a reader that sends If-None-Match gets 304 with no body.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any
from xml.sax.saxutils import escape

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Row

from muster.actions.base import Runtime, reference
from muster.storage import comms

router = APIRouter()
HISTORY = timedelta(days=90)
ATOM = "application/atom+xml; charset=utf-8"


@router.get("/status/feed.atom", include_in_schema=False)
def feed(request: Request) -> Response:
    rt: Runtime = request.app.state.runtime
    now = rt.clock()
    with rt.db.read() as conn:
        rows = comms.public_updates(conn, now - HISTORY, limit=200)
    body = _atom(rows, str(request.base_url).rstrip("/")).encode()
    tag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": tag, "Cache-Control": "public, max-age=30"}
    if request.headers.get("if-none-match") == tag:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=ATOM, headers=headers)


def _atom(rows: list[Row[Any]], base: str) -> str:
    updated = rows[0].posted_at.isoformat() if rows else "1970-01-01T00:00:00+00:00"
    entries = []
    for row in rows:
        ref = reference(row.incident)
        title = f"{ref}: {row.status or 'update'}"  # titles are the team's words, not public
        entries.append(
            "<entry>"
            f"<id>{escape(base)}/status#{ref}-{row.number}</id>"
            f"<title>{escape(title)}</title>"
            f"<updated>{row.posted_at.isoformat()}</updated>"
            f'<content type="text">{escape(row.text)}</content>'
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(base)}/status/feed.atom</id><title>Status updates</title>"
        f"<updated>{updated}</updated>"
        f'<link rel="self" href="{escape(base)}/status/feed.atom"/>' + "".join(entries) + "</feed>"
    )
