"""Live timelines: one poller per process fans new timeline entries out to every open room.

Why a poll of `incidents.last_seq` rather than PostgreSQL LISTEN/NOTIFY: every writer (the
pages, the API and so the CLI, the worker's reminders, another `muster serve` on the same
PostgreSQL) goes through `actions`, and every timeline entry bumps `incidents.last_seq` in its
own transaction. Reading that column for the incidents somebody is watching is one
primary-key query per tick for the whole process, whatever the number of watchers, and it
works the same on SQLite (which has no NOTIFY) and PostgreSQL. NOTIFY would need every writer
to send it plus a dedicated connection per process, and a polling fallback anyway. A tick of
half a second is below what a person in a room notices.

    Hub.follow(watched)     register a watcher; yields a queue of batches of new entries
                            (recording order); None in the queue means "you fell behind:
                            read what you missed from the database yourself"

The poller task starts with the first watcher and ends with the last, so an idle process
polls nothing. Watchers are checked for visibility by the caller (`reads.watch`) before they
follow; the hub itself reads as the server.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio

from muster import reads
from muster.actions.base import Runtime

log = logging.getLogger("muster.web.live")

#: Seconds between two reads of the watched incidents' `last_seq`.
POLL_SECONDS = 0.5
#: Batches a slow watcher may have waiting before it is told to catch up from the database.
BACKLOG = 64

Batch = list[reads.EntryView] | None


class Hub:
    """Who watches which incident in this process, and the one task that polls for them."""

    def __init__(self, rt: Runtime, poll_seconds: float = POLL_SECONDS) -> None:
        self.rt = rt
        self.poll_seconds = poll_seconds
        self._watchers: dict[int, set[asyncio.Queue[Batch]]] = {}
        self._heads: dict[int, int] = {}  # incident id -> last seq already fanned out
        self._task: asyncio.Task[None] | None = None

    def watching(self) -> int:
        """How many watchers are registered (for tests of clean-up on disconnect)."""
        return sum(len(queues) for queues in self._watchers.values())

    @asynccontextmanager
    async def follow(self, watched: reads.Watched) -> AsyncIterator[asyncio.Queue[Batch]]:
        """Register for new entries of one incident until the block ends (a disconnect
        cancels the block, which unregisters)."""
        queue: asyncio.Queue[Batch] = asyncio.Queue(maxsize=BACKLOG)
        incident = watched.incident_id
        self._watchers.setdefault(incident, set()).add(queue)
        self._heads.setdefault(incident, watched.last_seq)
        self._start()
        try:
            yield queue
        finally:
            queues = self._watchers.get(incident, set())
            queues.discard(queue)
            if not queues:
                self._watchers.pop(incident, None)
                self._heads.pop(incident, None)

    def _start(self) -> None:
        running = self._task is not None and not self._task.done()
        # A task of another event loop (a test client that has stopped) cannot be reused.
        if (
            running
            and self._task is not None
            and self._task.get_loop() is asyncio.get_running_loop()
        ):
            return
        self._task = asyncio.get_running_loop().create_task(self._poll(), name="muster-live")

    async def _poll(self) -> None:
        failing = False
        while self._watchers:
            await asyncio.sleep(self.poll_seconds)
            try:
                await self._tick()
            except Exception:  # the database may be down for a while: keep the rooms open
                if not failing:
                    log.exception("live timeline poll failed; retrying quietly until it works")
                failing = True
            else:
                if failing:
                    log.warning("live timeline poll works again")
                failing = False

    async def _tick(self) -> None:
        ids = list(self._watchers)
        if not ids:
            return
        heads = await anyio.to_thread.run_sync(reads.timeline_heads, self.rt, ids)
        for incident, seq in heads.items():
            known = self._heads.get(incident)
            if known is None or seq <= known:
                continue
            entries = await anyio.to_thread.run_sync(reads.entries_since, self.rt, incident, known)
            if incident in self._heads:  # the last watcher may have left meanwhile
                self._heads[incident] = max([seq, *(e.seq for e in entries)])
            for queue in list(self._watchers.get(incident, ())):
                try:
                    queue.put_nowait(entries)
                except asyncio.QueueFull:  # a stalled client: it re-reads once it wakes up
                    while not queue.empty():
                        queue.get_nowait()
                    queue.put_nowait(None)
