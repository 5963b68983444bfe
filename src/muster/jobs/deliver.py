"""The delivery job: outbox rows out through Apprise, each result recorded.

The shape is what makes it safe:
1. claim a batch in one short transaction (committed at once, so other workers see it);
2. send each message OUTSIDE any transaction: a slow destination holds no lock and no
   connection (on SQLite it would otherwise hold the only write lock);
3. record each result in its own short transaction, so a crash loses at most the one
   message in flight, which is sent again when its lease ends (a receiver drops the repeat
   by its key).

Anything that goes wrong with one message, even an exception from deep inside Apprise, is that
message's temporary failure: it is recorded with the exception's text and counts towards the
row's attempts, so a poison row is set aside by the retry limit instead of crashing the loop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import Row

from muster.actions.base import Runtime
from muster.notify.apprise_send import SEND_TIMEOUT, Delivery, send
from muster.notify.redact import redact, scrub
from muster.storage import outbox

log = logging.getLogger(__name__)

BATCH = 50
LEASE = timedelta(minutes=2)

#: What delivers one message: `send`, or a stand-in a test injects.
Sender = Callable[..., Delivery]


def deliver_due(
    rt: Runtime,
    worker: str,
    *,
    batch: int = BATCH,
    lease: timedelta = LEASE,
    stop: threading.Event | None = None,
    sender: Sender = send,
) -> int:
    """Deliver up to `batch` due messages as `worker`; returns how many were attempted.

    Rows are sent only while their lease has time left for a whole send (`SEND_TIMEOUT`, or
    half the lease when the lease is shorter): past that, another worker may already have
    taken them, so the rest of the batch is given back instead. When `stop` is set the
    current message is finished and the rest given back too (a clean shutdown).
    """
    claimed_at = rt.clock()
    with rt.db.transaction() as conn:
        rows = outbox.claim(conn, worker=worker, now=claimed_at, limit=batch, lease=lease)
    if not rows:
        return 0
    last_start = claimed_at + lease - min(timedelta(seconds=SEND_TIMEOUT), lease / 2)
    attempted = 0
    for index, row in enumerate(rows):
        if (stop is not None and stop.is_set()) or rt.clock() > last_start:
            _give_back(rt, worker, rows[index:])
            break
        _deliver_one(rt, worker, row, sender)
        attempted += 1
    return attempted


def _deliver_one(rt: Runtime, worker: str, row: Row[Any], sender: Sender) -> None:
    try:
        result = sender(row.destination, title=row.title, body=row.body, key=row.key)
    except Exception as error:  # a bug or a library crash is this message's failure only
        log.exception("sending outbox row %s to %s raised", row.id, redact(row.destination))
        text = scrub(f"{type(error).__name__}: {error}".replace(row.destination, "<destination>"))
        result = Delivery(ok=False, error=text)
    now = rt.clock()
    try:
        with rt.db.transaction() as conn:
            if result.ok:
                held = outbox.record_success(conn, row.id, worker=worker, now=now)
            else:
                held = outbox.record_failure(
                    conn,
                    row.id,
                    worker=worker,
                    now=now,
                    error=result.error,
                    permanent=result.permanent,
                )
    except Exception:
        # The database is down or the row vanished: the lease runs out and the row is tried
        # again; do not let it take the rest of the batch with it.
        log.exception("could not record the result of outbox row %s", row.id)
        return
    if not result.ok:
        log.warning(
            "outbox row %s to %s (%s) failed%s: %s",
            row.id,
            row.recipient,
            redact(row.destination),
            " for good" if result.permanent else "",
            result.error,
        )
    if not held:
        log.warning("outbox row %s: lease lost before its result was recorded", row.id)


def _give_back(rt: Runtime, worker: str, rows: list[Row[Any]]) -> None:
    try:
        with rt.db.transaction() as conn:
            outbox.release(conn, [row.id for row in rows], worker=worker)
    except Exception:  # their leases run out instead
        log.exception("could not give back %d claimed outbox rows", len(rows))
