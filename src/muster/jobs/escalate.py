"""The escalation job: send pages that are due, and page the next step of each incident
nobody has acknowledged in time.

Each incident moves on in its own transaction under its row lock, and each page is a row
with a unique key (incident, step, person): any number of workers can run this job at once
and every person is still paged once per step.
"""

from __future__ import annotations

import logging

from muster.actions.base import Runtime
from muster.actions.paging import advance, escalation_due

log = logging.getLogger(__name__)


def escalate(rt: Runtime, worker: str) -> int:
    """Move every due escalation on; returns how many pages went out."""
    del worker  # the page rows' unique key, not the worker, decides who pages
    now = rt.clock()
    sent = 0
    for number in escalation_due(rt, now):
        try:
            sent += advance(rt, number, now)
        except Exception:  # one incident's trouble must not hold up the others' pages
            log.exception("escalating INC-%s failed; the next run tries again", number)
    return sent
