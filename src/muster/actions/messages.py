"""Queueing notifications inside an action's transaction: to people, channels, subscribers.

Nothing is sent here. Each message becomes an outbox row in the same transaction as the
change that causes it, so a message exists exactly when its change does; the worker
delivers it later, with retries. Keys are deterministic, so a repeat is never queued twice.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from sqlalchemy import Connection

from muster.actions.base import reference
from muster.plan import Plan
from muster.storage import outbox


@dataclass
class Outgoing:
    """The messages one action queues for one incident (or for none: a server-wide event)."""

    conn: Connection
    plan: Plan
    now: datetime
    incident_id: int | None = None
    number: int | None = None
    drill: bool = False
    private: bool = False
    queued: int = 0

    def _key(self, event: str, what: str, recipient: str, index: int) -> str:
        scope = reference(self.number) if self.number else "server"
        key = f"{event}:{scope}:{what}:{recipient}:{index}"
        if len(key) > 200:  # long emails: keep the key unique and within its column
            key = key[:150] + ":" + hashlib.sha256(key.encode()).hexdigest()[:40]
        return key

    def _queue(
        self, event: str, what: str, recipient: str, urls: Iterable[str], title: str, body: str
    ) -> None:
        if self.drill:
            title = "[DRILL] " + title
        for index, url in enumerate(urls):
            if outbox.enqueue(
                self.conn,
                key=self._key(event, what, recipient, index),
                event=event,
                recipient=recipient,
                destination=url,
                title=title,
                body=body,
                now=self.now,
                incident_id=self.incident_id,
            ):
                self.queued += 1

    def to_people(
        self, handles: Iterable[str | None], event: str, what: str, title: str, body: str
    ) -> None:
        """Each person once, through every contact they list in the plan."""
        seen: set[str] = set()
        for handle in handles:
            if handle is None or handle in seen:
                continue
            seen.add(handle)
            person = self.plan.person(handle)
            if person is not None:
                self._queue(event, what, handle, person.contacts, title, body)

    def to_channels(self, track: str, event: str, what: str, title: str, body: str) -> None:
        """The plan's channels that carry `track`. A private incident stays with its
        participants (no channel at all); a drill never reaches a customer channel."""
        if self.private or (self.drill and track == "customer"):
            return
        for channel in self.plan.channels:
            if track in channel.tracks:
                self._queue(event, what, f"#{channel.name}", [channel.url], title, body)

    def to_subscribers(
        self,
        emails: Iterable[str],
        event: str,
        what: str,
        title: str,
        body: str,
        mail_url: str | None,
    ) -> None:
        """Status-page subscribers by email, through the server's MUSTER_STATUS_MAIL URL."""
        if self.drill or self.private or mail_url is None:
            return
        for email in emails:
            self._queue(event, what, email, [_mail_to(mail_url, email)], title, body)


def _mail_to(channel_url: str, email: str) -> str:
    """The customer mail channel's URL, addressed to one subscriber instead of its list."""
    base, _, query = channel_url.partition("?")
    kept = [p for p in query.split("&") if p and not p.startswith("to=")]
    return base + "?" + "&".join([*kept, "to=" + quote(email, safe="@")])
