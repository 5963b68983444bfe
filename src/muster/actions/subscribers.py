"""Status-page subscribers: email addresses that hear every customer update."""

from __future__ import annotations

import re

from muster.actions.base import Runtime
from muster.errors import InvalidInput
from muster.storage import comms

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")


def _address(email: str) -> str:
    cleaned = email.strip().lower()
    if not _EMAIL.match(cleaned) or len(cleaned) > 320:
        raise InvalidInput(
            f"{email!r} is not an email address", hint="like ops@example.com", field="email"
        )
    return cleaned


def subscribe(rt: Runtime, email: str) -> bool:
    """Add an address; False if it was already subscribed (not an error: a second click)."""
    with rt.db.transaction() as conn:
        return comms.add_subscriber(conn, _address(email), rt.clock())


def unsubscribe(rt: Runtime, email: str) -> bool:
    with rt.db.transaction() as conn:
        return comms.remove_subscriber(conn, _address(email), rt.clock())
