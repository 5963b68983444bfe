"""The cached rendering of the public pages, and how it learns that it is stale.

Requests never query the database and never render: they compare two integers and send
bytes. The cache is stale when `version` moved past the snapshot's:

- in this process, a pool check-in after a transaction that wrote (INSERT, UPDATE, DELETE)
  bumps it. Check-in comes after the commit, so the refresh that follows reads the new rows;
- for writes from other processes (`muster worker`, admin commands, other servers on
  PostgreSQL), a watcher thread compares `comms.public_fingerprint` every second and renders
  at once when it moved, or when the team's day changed (the history is by day).

A refresh first rechecks the fingerprint: most writes (delivery attempts, internal updates)
change nothing public, and then the snapshot is kept as it is. A new rendering that comes
out byte for byte the same keeps its ETag and Last-Modified. If the database fails, the last
good snapshot keeps being served: an outage of Muster's database must not blank the page
customers read during an outage.
"""

from __future__ import annotations

import gzip
import hashlib
import itertools
import logging
import threading
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from sqlalchemy import Engine, event
from starlette.types import Message

from muster.actions.base import Runtime
from muster.storage import comms
from muster.web.feed import ATOM
from muster.web.status import render
from muster.web.status.view import PublicStatus, public_status

log = logging.getLogger(__name__)

HTML = "text/html; charset=utf-8"
#: Browsers and CDNs may reuse an answer for 30 s and serve it stale for 60 s more while they
#: fetch a fresh one in the background: an outage-day crowd costs the server one request per
#: cache per 30 s, and customers see a new update within about half a minute.
CACHE_CONTROL = "public, max-age=30, stale-while-revalidate=60"
RECHECK_SECONDS = 1.0
MAX_FEED_BASES = 16  # feeds cached per Host; bounded, since clients choose the Host header

EMPTY_BODY: Message = {"type": "http.response.body", "body": b""}


@dataclass(frozen=True)
class Variant:
    """One encoding of a page with its ASGI messages built once, sent as they are."""

    etag: bytes
    start: Message
    body: Message
    not_modified: Message


@dataclass(frozen=True)
class Page:
    body: bytes
    modified_at: datetime
    plain: Variant
    gzipped: Variant

    @classmethod
    def of(cls, body: bytes, media_type: str, modified_at: datetime) -> Page:
        digest = hashlib.sha256(body).hexdigest()[:32]
        common = [
            (b"last-modified", format_datetime(modified_at.astimezone(UTC), usegmt=True).encode()),
            (b"cache-control", CACHE_CONTROL.encode()),
            (b"vary", b"Accept-Encoding"),
            (b"x-content-type-options", b"nosniff"),
        ]

        def variant(data: bytes, etag: bytes, extra: list[tuple[bytes, bytes]]) -> Variant:
            tagged = [(b"etag", etag), *common]
            return Variant(
                etag=etag,
                start={
                    "type": "http.response.start",
                    "status": 200,
                    "headers": [
                        (b"content-type", media_type.encode()),
                        (b"content-length", str(len(data)).encode()),
                        *extra,
                        *tagged,
                    ],
                },
                body={"type": "http.response.body", "body": data},
                not_modified={"type": "http.response.start", "status": 304, "headers": tagged},
            )

        squeezed = gzip.compress(body, compresslevel=9, mtime=0)
        return cls(
            body=body,
            modified_at=modified_at.replace(microsecond=0),
            plain=variant(body, f'"{digest}"'.encode(), []),
            gzipped=variant(squeezed, f'"{digest}-gz"'.encode(), [(b"content-encoding", b"gzip")]),
        )

    def renewed(self, body: bytes, media_type: str, now: datetime) -> Page:
        """This page if `body` is the same (same ETag, same Last-Modified), else a new one."""
        return self if body == self.body else Page.of(body, media_type, now)


@dataclass
class Snapshot:
    version: int
    view: PublicStatus
    status: Page
    feeds: dict[str, Page] = field(default_factory=dict)  # by base URL


class StatusCache:
    """The current snapshot, and the threads and hooks that keep it fresh."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.snapshot: Snapshot | None = None
        self._versions = itertools.count(1)
        self.version = next(self._versions)
        self._lock = threading.Lock()  # one refresh at a time
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._engine: Engine | None = None  # whose writes are being watched

    # Staleness --------------------------------------------------------------------------

    def changed(self) -> None:
        """Mark the snapshot stale (safe from any thread: `next` on a count is atomic)."""
        self.version = next(self._versions)

    def _wrote(
        self, conn: Any, _cursor: Any, _sql: Any, _params: Any, context: Any, _many: Any
    ) -> None:
        if context is not None and (context.isinsert or context.isupdate or context.isdelete):
            conn.info["muster_wrote"] = True

    def _checked_in(self, _dbapi: Any, record: Any) -> None:
        if record is not None and record.info.pop("muster_wrote", False):
            self.changed()

    def listen(self) -> None:
        """Watch this process's writes (idempotent)."""
        if self._engine is None:
            self._engine = self.rt.db.engine
            event.listen(self._engine, "after_cursor_execute", self._wrote)
            event.listen(self._engine, "checkin", self._checked_in)

    def start(self) -> None:
        """Watch writes here and elsewhere, and render the first snapshot without waiting
        for a request (on `lifespan.startup`)."""
        self.listen()
        if self._watcher is None:
            self._stop.clear()
            self._watcher = threading.Thread(
                target=self._watch, name="muster-status-cache", daemon=True
            )
            self._watcher.start()

    def stop(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(timeout=10)
            self._watcher = None
        if self._engine is not None:
            event.remove(self._engine, "after_cursor_execute", self._wrote)
            event.remove(self._engine, "checkin", self._checked_in)
            self._engine = None

    def _watch(self) -> None:
        """Every second: has anything public changed, from any process, or has the day?"""
        while True:
            try:
                snap = self.snapshot
                if snap is None or self._moved(snap):
                    self.changed()
                    self.refresh()
            except Exception as error:  # keep watching; the next second may do better
                log.warning("status page recheck failed: %s", error)
            if self._stop.wait(RECHECK_SECONDS):
                return

    def _moved(self, snap: Snapshot) -> bool:
        with self.rt.db.read() as conn:
            fingerprint = comms.public_fingerprint(conn)
        today = self.rt.clock().astimezone(snap.view.tz).date()
        return fingerprint != snap.view.fingerprint or today != snap.view.today

    # Rendering (in a worker thread, never on the event loop) ------------------------------

    def refresh(self) -> Snapshot:
        """The snapshot for the current version, rendering only if the public record moved.

        Raises only when there is no snapshot at all to fall back on.
        """
        with self._lock:
            wanted, snap = self.version, self.snapshot
            if snap is not None and snap.version == wanted:
                return snap
            try:
                if snap is not None and not self._moved(snap):
                    snap = replace(snap, version=wanted)
                else:
                    snap = self._render(wanted, snap)
            except Exception:
                if snap is None:
                    raise
                log.exception("status page refresh failed; serving the last good rendering")
                snap = replace(snap, version=wanted)  # the watcher retries every second
            self.snapshot = snap
            return snap

    def _render(self, version: int, previous: Snapshot | None) -> Snapshot:
        view = public_status(self.rt)
        now = self.rt.clock()
        body = render.status_page(view)
        page = previous.status.renewed(body, HTML, now) if previous else Page.of(body, HTML, now)
        snap = Snapshot(version, view, page)
        if previous is not None:  # keep known feeds warm, and their ETags when unchanged
            for base, old in list(previous.feeds.items()):
                snap.feeds[base] = old.renewed(render.atom(view, base), ATOM, now)
        return snap

    def feed(self, snap: Snapshot, base: str) -> Page:
        """The feed of `snap` under `base`, rendered on first use (in a worker thread)."""
        page = snap.feeds.get(base)
        if page is None:
            page = Page.of(render.atom(snap.view, base), ATOM, self.rt.clock())
            if len(snap.feeds) >= MAX_FEED_BASES:
                snap.feeds.pop(next(iter(snap.feeds)), None)
            snap.feeds[base] = page
        return page
