"""Several processes writing one incident's timeline at once: nothing lost, order kept."""

from __future__ import annotations

import multiprocessing

from conftest import ADMIN, Team
from muster.actions.base import Actor, Runtime
from muster.actions.incidents import declare
from muster.actions.record import log_entry
from muster.storage.db import Database

PROCESSES = 4
EACH = 250


def _writer(url: str, name: str, start: multiprocessing.synchronize.Event) -> None:  # type: ignore[name-defined]
    rt = Runtime(Database(url, pool_size=1))
    start.wait()
    for n in range(EACH):
        log_entry(rt, Actor("erin"), "INC-1", f"{name} {n}", kind="action")
    rt.db.dispose()


def test_a_thousand_entries_from_four_processes_are_all_kept_in_order(team: Team) -> None:
    declare(team.rt, ADMIN, title="Storm", severity="SEV2")
    before = len(team.api().get("/api/v1/incidents/INC-1").json()["timeline"])
    context = multiprocessing.get_context("spawn")
    start = context.Event()
    url = team.rt.db.url
    workers = [
        context.Process(target=_writer, args=(url, f"p{i}", start)) for i in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    start.set()
    for worker in workers:
        worker.join(timeout=120)
        assert worker.exitcode == 0

    timeline = team.api().get("/api/v1/incidents/INC-1").json()["timeline"]
    written = [e for e in timeline if e["kind"] == "action"]
    assert len(written) == PROCESSES * EACH
    seqs = sorted(e["seq"] for e in timeline)
    assert seqs == list(range(1, before + PROCESSES * EACH + 1))  # no gaps, no doubles
    for i in range(PROCESSES):
        mine = sorted(
            (e for e in written if e["text"].startswith(f"p{i} ")), key=lambda e: e["seq"]
        )
        assert [e["text"] for e in mine] == [f"p{i} {n}" for n in range(EACH)]  # order kept
