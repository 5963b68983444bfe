"""The scheduler loop: run every job, again and again, until told to stop.

Used by `muster worker`, alone or as the child process `muster serve` starts. Jobs are plain
functions `job(rt, worker) -> int` returning how much work they did; each claims its own work
from the database, so any number of loops, in any number of processes, can run side by side.

- A job that did work is run again at once (a backlog drains at full speed); when none did,
  the loop waits `tick` seconds, or less if an action in this process sets `rt.wake` after
  queueing a notification.
- A job that raises is logged and the loop goes on: one bad job, row or database hiccup never
  stops the others. Rows a crashed job had claimed come back when their leases end.
"""

from __future__ import annotations

import functools
import importlib
import logging
import threading
from collections.abc import Callable, Sequence
from datetime import timedelta

from muster.actions.base import Runtime
from muster.jobs.deliver import BATCH, LEASE, deliver_due
from muster.jobs.escalate import escalate

log = logging.getLogger(__name__)

Job = Callable[[Runtime, str], int]


def run(
    rt: Runtime,
    *,
    worker: str,
    stop: threading.Event,
    tick: float = 0.5,
    jobs: Sequence[Job],
) -> None:
    """Run `jobs` as `worker` until `stop` is set (set `rt.wake` too, to stop without waiting
    out the tick). Returns after the job in progress finishes."""
    log.info("worker %s started: %s", worker, ", ".join(_name(job) for job in jobs))
    while not stop.is_set():
        if run_once(rt, worker=worker, jobs=jobs, stop=stop):
            continue  # more may be due right now
        rt.wake.wait(tick)
        rt.wake.clear()  # after waking: whatever set it was committed before, and runs next
    log.info("worker %s stopped", worker)


def run_once(
    rt: Runtime, *, worker: str, jobs: Sequence[Job], stop: threading.Event | None = None
) -> int:
    """Run each job once; returns the work done in all. Exceptions are logged, not raised."""
    done = 0
    for job in jobs:
        if stop is not None and stop.is_set():
            break
        try:
            done += job(rt, worker)
        except Exception:
            log.exception("job %s failed (worker %s); the loop goes on", _name(job), worker)
    return done


def default_jobs(
    *, batch: int = BATCH, lease: timedelta = LEASE, stop: threading.Event | None = None
) -> list[Job]:
    """Delivery, cadence reminders when this build has them (`muster.jobs.reminders`), and
    paging escalation.

    With no arguments the jobs are the plain functions; a batch, lease or stop event is bound
    into delivery (a stop event lets a worker finish the message in hand and give back the
    rest of its batch).
    """
    deliver: Job = deliver_due
    if (batch, lease, stop) != (BATCH, LEASE, None):
        deliver = functools.partial(deliver_due, batch=batch, lease=lease, stop=stop)
    jobs = [deliver]
    try:
        reminders = importlib.import_module("muster.jobs.reminders")
    except ModuleNotFoundError as error:
        if error.name != "muster.jobs.reminders":
            raise  # the module is there but something it needs is not: say so
    else:
        jobs.append(reminders.remind)
    jobs.append(escalate)
    return jobs


def _name(job: Job) -> str:
    target = job.func if isinstance(job, functools.partial) else job
    return getattr(target, "__name__", repr(target))
