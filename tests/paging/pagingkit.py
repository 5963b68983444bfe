"""Helpers and fixtures for paging tests, which talk to real receivers: a webhook endpoint
(http.server) and a mail server (aiosmtpd), both on 127.0.0.1. The example team's plan is
applied again with every contact and channel pointing at them."""

from __future__ import annotations

import re
from typing import Any

import pytest

from muster.actions.admin import apply_plan
from muster.actions.base import Actor
from muster.jobs.deliver import deliver_due
from muster.jobs.escalate import escalate
from muster.plan import example_plan_text
from receivers import Mailbox, Receiver


def wired_plan(receiver: Receiver, mailbox: Mailbox) -> str:
    """The example plan (escalation for SEV1, working hours for SEV3), every destination
    local, and its third escalation step paging people who are not paged before."""
    text = example_plan_text()
    text = re.sub(
        r'contacts: \[[^\]]*"mailto://(\w+)@example.com"[^\]]*\]',
        _contacts(receiver, mailbox),
        text,
    )
    text = text.replace("json://chat.example.com/hooks/incidents", receiver.url("incidents"))
    text = text.replace("mailto://leadership@example.com", receiver.url("leadership"))
    text = text.replace("mailto://status@example.com", mailbox.url("status@example.com"))
    text = text.replace(
        '      - { page: [alice, dan], after: 15m, via: ["#leadership"] }\n',
        '      - { page: [carol, erin], after: 15m, via: ["#leadership"] }\n',
        1,
    )
    assert text.count("127.0.0.1") > 10 and "escalation:" in text and "working-hours" in text
    return text


def _contacts(receiver: Receiver, mailbox: Mailbox) -> Any:
    def replace(match: re.Match[str]) -> str:
        handle = match.group(1)
        return f'contacts: ["{receiver.url(handle)}", "{mailbox.url(handle + "@example.com")}"]'

    return replace


@pytest.fixture
def paged(team: Any, receiver: Receiver, mailbox: Mailbox) -> Any:
    """The team with its wired plan and ack links under http://testserver."""
    apply_plan(team.rt, Actor("admin", admin=True), wired_plan(receiver, mailbox))
    team.rt.public_url = "http://testserver"
    return team


def work(rt: Any, worker: str = "w1") -> int:
    """One worker pass: escalate, then deliver what it queued. Returns the pages sent."""
    sent = escalate(rt, worker)
    while deliver_due(rt, worker):
        pass
    return sent


ACK_LINK = re.compile(r"http://testserver/ack/([A-Za-z0-9_-]+)")
