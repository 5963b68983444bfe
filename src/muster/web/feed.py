"""The public Atom feed of customer updates: what customers may read, and nothing else.

Only customer-track updates of incidents that are neither private nor drills appear
(`comms.public_updates`). It is served beside the status page from the same cached read,
with an ETag, Last-Modified and Cache-Control, so feed readers and caches do not hammer the
server during an outage (see `muster.web.status`).
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from sqlalchemy import Row

from muster.actions.base import reference

ATOM = "application/atom+xml; charset=utf-8"


def atom(rows: list[Row[Any]], base: str) -> str:
    """The feed of `rows` (newest first), its ids and links under `base`."""
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
            f'<link rel="alternate" href="{escape(base)}/status#{ref}"/>'
            f'<content type="text">{escape(row.text)}</content>'
            "</entry>"
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        f"<id>{escape(base)}/status/feed.atom</id><title>Status updates</title>"
        f"<updated>{updated}</updated>"
        f'<link rel="self" href="{escape(base)}/status/feed.atom"/>'
        f'<link rel="alternate" type="text/html" href="{escape(base)}/status"/>'
        + "".join(entries)
        + "</feed>"
    )
