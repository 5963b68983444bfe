"""`muster worker` as real processes: killed outright mid-delivery, and two at once.

Delivery is at least once; exactly once is what the receiver sees after dropping repeats by
the `X-Muster-Delivery` key every message carries. These tests measure how many raw repeats a
SIGKILL causes (at most the one message between its send and its record, in principle) and
check that two workers on PostgreSQL never send a message twice.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from muster.storage import outbox
from muster.storage.db import Database
from muster.storage.tables import delivery_attempts

MESSAGES = 1000
BATCH = 50


class Receiver:
    """A webhook endpoint on 127.0.0.1 recording the delivery key of every POST it gets."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.lock = threading.Lock()
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with state.lock:
                    state.keys.append(self.headers.get("X-Muster-Delivery", "?"))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"json://127.0.0.1:{self.server.server_address[1]}/hook"

    def received(self) -> list[str]:
        with self.lock:
            return list(self.keys)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()
    thread = threading.Thread(target=state.server.serve_forever, daemon=True)
    thread.start()
    yield state
    state.server.shutdown()
    state.server.server_close()


def queue_messages(db: Database, url: str) -> set[str]:
    """MESSAGES messages, due now by the real clock (the workers run on it)."""
    now = datetime.now(UTC) - timedelta(seconds=1)
    keys = {f"update:INC-1:{n}:#incidents:0" for n in range(MESSAGES)}
    with db.transaction() as conn:
        for key in sorted(keys):
            outbox.enqueue(
                conn,
                key=key,
                event="update",
                recipient="#incidents",
                destination=url,
                title="INC-1 update",
                body=f"message {key}",
                now=now,
            )
    return keys


def start_worker(database_url: str, name: str, log: Path, *extra: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "MUSTER_DATABASE_URL": database_url}
    command = [sys.executable, "-m", "muster", "worker", "--name", name, "--tick", "0.1"]
    with log.open("ab") as out:
        return subprocess.Popen([*command, *extra], env=env, stdout=out, stderr=out)


def wait_for(condition: Callable[[], bool], seconds: float, what: str, logs: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}; worker output:\n{logs.read_text()}")
        time.sleep(0.01)


def stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return process.wait(timeout=20)


def test_a_killed_worker_loses_nothing_and_repeats_at_most_its_batch(
    db: Database, database_url: str, receiver: Receiver, tmp_path: Path
) -> None:
    logs = tmp_path / "workers.log"
    keys = queue_messages(db, receiver.url)
    lease = ["--lease", "2", "--batch", str(BATCH)]

    doomed = start_worker(database_url, "doomed", logs, *lease)
    try:
        wait_for(lambda: len(receiver.received()) >= 150, 20, "the first deliveries", logs)
    finally:
        doomed.send_signal(signal.SIGKILL)
        doomed.wait(timeout=10)
    at_kill = len(receiver.received())
    assert at_kill < MESSAGES, "the worker finished before it was killed; queue more"

    heir = start_worker(database_url, "heir", logs, *lease)
    try:
        wait_for(lambda: set(receiver.received()) == keys, 30, "every message", logs)
    finally:
        assert stop(heir) == 0, logs.read_text()

    raw = receiver.received()
    repeats = len(raw) - len(set(raw))
    print(f"\nSIGKILL after {at_kill} of {MESSAGES} deliveries: {repeats} raw repeat(s)")
    assert set(raw) == keys  # after dropping repeats by key: every message exactly once
    assert repeats <= BATCH
    with db.read() as conn:
        assert outbox.status(conn) == {
            "pending": 0,
            "retrying": 0,
            "delivered": MESSAGES,
            "failed": 0,
        }


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_workers_on_postgresql_share_the_work_without_doubles(
    db: Database, database_url: str, receiver: Receiver, tmp_path: Path
) -> None:
    logs = tmp_path / "workers.log"
    keys = queue_messages(db, receiver.url)
    workers = [start_worker(database_url, name, logs, "--batch", "20") for name in ("ant", "bee")]
    try:
        wait_for(lambda: len(receiver.received()) >= MESSAGES, 30, "every message", logs)
        time.sleep(0.5)  # room for a double to arrive, if there were one
    finally:
        codes = [stop(process) for process in workers]
    assert codes == [0, 0], logs.read_text()

    raw = receiver.received()
    doubles = {key: n for key, n in Counter(raw).items() if n > 1}
    assert doubles == {}
    assert set(raw) == keys
    with db.read() as conn:
        per_worker = Counter(conn.scalars(select(delivery_attempts.c.worker)))
    print(f"\ntwo workers: {dict(per_worker)}")
    assert set(per_worker) == {"ant", "bee"}  # both did work
