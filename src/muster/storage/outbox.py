"""The outbox: notifications stored with the change that causes them, claimed and retried.

A row's life:

    enqueue ──> due ──claim──> held by a worker ──record_success──> delivered
                 ^                 │
                 └─record_failure──┤ (attempts + 1, next attempt after a backoff)
                                   └─record_failure, permanent or out of attempts──> failed

Hazards, and how the rows handle them:
- Two workers, one row. `claim` takes due rows atomically: `FOR UPDATE SKIP LOCKED` on
  PostgreSQL (workers never wait on each other, never take the same row), a single
  `UPDATE ... RETURNING` on SQLite, whose writers are serialised by BEGIN IMMEDIATE.
- A worker that dies. A claim is a lease (`claimed_until`), not a lock: when it runs out the
  row is due again and any worker takes it. The price is at-least-once delivery: a worker that
  dies after a send and before its record causes one repeat, which the receiver can drop by
  the key it carries (see `muster.notify.apprise_send`).
- A worker that lost its lease. `record_*` change a row only while `claimed_by` is still the
  recording worker; a late result from a worker whose lease ran out and was taken over is
  kept as an attempt and otherwise ignored, so it cannot undo the new holder's work.
- A poison row. Every attempt counts, whatever went wrong; after `MAX_ATTEMPTS` (or at once
  for a permanent error) the row is set aside as failed, never retried in a loop.

Every function takes the caller's Connection and never commits.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Connection, Row, and_, case, func, insert, or_, select, update

from muster.notify.redact import redact
from muster.storage.db import dialect_insert
from muster.storage.tables import delivery_attempts, outbox

#: Attempts before a row is set aside as failed (about 3.5 hours of retrying in all).
MAX_ATTEMPTS = 12
FIRST_RETRY = timedelta(seconds=10)
LONGEST_RETRY = timedelta(hours=1)
#: Longest stored error text; Apprise can be wordy and a row is no log file.
MAX_ERROR = 2000


def enqueue(
    conn: Connection,
    *,
    key: str,
    event: str,
    recipient: str,
    destination: str,
    title: str,
    body: str,
    now: datetime,
    incident_id: int | None = None,
) -> bool:
    """Queue one message for one destination; True if new, False if `key` was queued before.

    The key is the message's identity (say `update:INC-4:17:#incidents:0`): an action that
    runs twice, or two processes racing, queue it once. It also travels with the message so a
    receiver can drop a repeat.
    """
    if not key or len(key) > 200:
        raise ValueError(f"an outbox key must be 1 to 200 characters, not {len(key)}")
    values = {
        "key": key,
        "event": event,
        "incident_id": incident_id,
        "recipient": recipient,
        "destination": destination,
        "title": title,
        "body": body,
        "created_at": now,
        "next_attempt_at": now,
        "attempts": 0,
    }
    statement = (
        dialect_insert(conn, outbox)
        .values(**values)
        .on_conflict_do_nothing(index_elements=[outbox.c.key])
        .returning(outbox.c.id)
    )
    # A returned id means "new" on both databases (rowcount is unreliable with RETURNING).
    return conn.execute(statement).first() is not None


def _due(now: datetime) -> Any:
    return and_(
        outbox.c.delivered_at.is_(None),
        outbox.c.failed_at.is_(None),
        outbox.c.next_attempt_at <= now,
        or_(outbox.c.claimed_until.is_(None), outbox.c.claimed_until < now),
    )


def claim(
    conn: Connection, *, worker: str, now: datetime, limit: int, lease: timedelta
) -> list[Row[Any]]:
    """Take up to `limit` due rows, oldest due first, for `worker` until `now + lease`.

    Commit right after: the claim is what other workers see. The lease must outlast the
    sends made under it (see `muster.jobs.deliver`), or another worker may take a row that
    is still being sent.
    """
    order = (outbox.c.next_attempt_at, outbox.c.id)
    due = select(outbox.c.id).where(_due(now)).order_by(*order).limit(limit)
    claimed = {"claimed_by": worker, "claimed_until": now + lease}
    if conn.dialect.name == "postgresql":
        # Lock the rows we take; rows other workers hold are skipped, not waited for.
        ids = list(conn.scalars(due.with_for_update(skip_locked=True)))
        if not ids:
            return []
        statement = update(outbox).where(outbox.c.id.in_(ids))
    else:  # SQLite: BEGIN IMMEDIATE already made this transaction the only writer
        statement = update(outbox).where(outbox.c.id.in_(due.scalar_subquery()))
    rows = list(conn.execute(statement.values(**claimed).returning(*outbox.c)))
    return sorted(rows, key=lambda row: (row.next_attempt_at, row.id))  # RETURNING has no order


def release(conn: Connection, row_ids: Sequence[int], *, worker: str) -> int:
    """Give back rows `worker` claimed but will not send now (it is stopping, or its lease is
    too short for more): they are due again at once instead of when the lease ends."""
    if not row_ids:
        return 0
    statement = (
        update(outbox)
        .where(outbox.c.id.in_(list(row_ids)), outbox.c.claimed_by == worker)
        .values(claimed_by=None, claimed_until=None)
    )
    return conn.execute(statement).rowcount


def record_success(conn: Connection, row_id: int, *, worker: str, now: datetime) -> bool:
    """Note a delivered message; False if `worker` no longer held the row (its attempt is
    kept all the same: it happened)."""
    _attempt(conn, row_id, worker=worker, now=now, ok=True, error=None)
    statement = (
        update(outbox)
        .where(outbox.c.id == row_id, outbox.c.claimed_by == worker)
        .values(
            attempts=outbox.c.attempts + 1,
            delivered_at=now,
            claimed_until=None,
            last_error=None,
        )
    )
    return conn.execute(statement).rowcount == 1


def record_failure(
    conn: Connection, row_id: int, *, worker: str, now: datetime, error: str, permanent: bool
) -> bool:
    """Note a failed attempt: retry after `retry_delay`, or set the row aside as failed when
    the error is permanent or this was attempt `MAX_ATTEMPTS`. False if `worker` no longer
    held the row."""
    error = error[:MAX_ERROR]
    _attempt(conn, row_id, worker=worker, now=now, ok=False, error=error)
    held = (outbox.c.id == row_id, outbox.c.claimed_by == worker)
    query = select(outbox.c.attempts).where(*held)
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    attempts = conn.scalar(query)
    if attempts is None:
        return False
    attempts += 1
    given_up = permanent or attempts >= MAX_ATTEMPTS
    statement = (
        update(outbox)
        .where(*held)
        .values(
            attempts=attempts,
            last_error=error,
            claimed_by=None,
            claimed_until=None,
            failed_at=now if given_up else None,
            next_attempt_at=now if given_up else now + retry_delay(attempts),
        )
    )
    return conn.execute(statement).rowcount == 1


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after `attempts` failed attempts: 10 s, 20 s, 40 s, ... capped at an
    hour, so a destination that is down is not hammered and one that comes back is soon
    used again."""
    delay: timedelta = FIRST_RETRY * 2 ** max(attempts - 1, 0)
    return min(delay, LONGEST_RETRY)


def _attempt(
    conn: Connection, row_id: int, *, worker: str, now: datetime, ok: bool, error: str | None
) -> None:
    conn.execute(
        insert(delivery_attempts).values(
            outbox_id=row_id, attempted_at=now, worker=worker, ok=ok, error=error
        )
    )


def status(conn: Connection) -> dict[str, int]:
    """How many messages are pending (of which `retrying`: failed at least once), delivered,
    and failed (set aside)."""
    pending = and_(outbox.c.delivered_at.is_(None), outbox.c.failed_at.is_(None))
    counts = conn.execute(
        select(
            func.count(case((pending, 1))),
            func.count(case((and_(pending, outbox.c.attempts > 0), 1))),
            func.count(outbox.c.delivered_at),
            func.count(outbox.c.failed_at),
        )
    ).one()
    pending_n, retrying, delivered, failed = (int(n) for n in counts)
    return {"pending": pending_n, "retrying": retrying, "delivered": delivered, "failed": failed}


@dataclass(frozen=True)
class FailingDestination:
    """A destination with messages set aside or being retried. `destination` is redacted."""

    recipient: str
    destination: str
    failed: int
    retrying: int
    last_error: str
    last_attempt_at: datetime | None


def failing_destinations(
    conn: Connection, *, since: datetime | None = None, limit: int = 100
) -> list[FailingDestination]:
    """Destinations that keep failing, worst first, so they can be shown and fixed while the
    rest keep flowing. With `since`, messages set aside before then are left out (a
    destination fixed last month need not stay on the list)."""
    failed: ColumnElement[bool] = outbox.c.failed_at.isnot(None)
    if since is not None:
        failed = and_(failed, outbox.c.failed_at >= since)
    retrying = and_(outbox.c.failed_at.is_(None), outbox.c.attempts > 0)
    failing = and_(outbox.c.delivered_at.is_(None), or_(failed, retrying))
    n_failed = func.count(case((failed, 1)))
    n_retrying = func.count(case((retrying, 1)))
    groups = conn.execute(
        select(
            outbox.c.recipient,
            outbox.c.destination,
            n_failed.label("failed"),
            n_retrying.label("retrying"),
            func.max(outbox.c.id).label("last_id"),
        )
        .where(failing)
        .group_by(outbox.c.recipient, outbox.c.destination)
        .order_by(n_failed.desc(), n_retrying.desc(), outbox.c.recipient)
        .limit(limit)
    ).all()
    if not groups:
        return []
    last_ids = [g.last_id for g in groups]
    last = {
        row.id: row
        for row in conn.execute(
            select(outbox.c.id, outbox.c.last_error, outbox.c.failed_at).where(
                outbox.c.id.in_(last_ids)
            )
        )
    }
    tried = {
        outbox_id: when
        for outbox_id, when in conn.execute(
            select(delivery_attempts.c.outbox_id, func.max(delivery_attempts.c.attempted_at))
            .where(delivery_attempts.c.outbox_id.in_(last_ids))
            .group_by(delivery_attempts.c.outbox_id)
        )
    }
    return [
        FailingDestination(
            recipient=g.recipient,
            destination=redact(g.destination),
            failed=int(g.failed),
            retrying=int(g.retrying),
            last_error=last[g.last_id].last_error or "",
            last_attempt_at=tried.get(g.last_id),
        )
        for g in groups
    ]
