"""Helpers and fixtures for paging tests, which talk to real receivers: a webhook endpoint
(http.server) and a mail server (aiosmtpd), both on 127.0.0.1. The example team's plan is
applied again with every contact and channel pointing at them."""

from __future__ import annotations

import email
import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from muster.actions.admin import apply_plan
from muster.actions.base import Actor
from muster.jobs.deliver import deliver_due
from muster.jobs.escalate import escalate
from muster.plan import example_plan_text

PEOPLE = ("alice", "bob", "carol", "dan", "erin")


@dataclass
class Hit:
    path: str
    title: str
    message: str


@dataclass
class Receiver:
    """A webhook endpoint recording every POST (Apprise's json:// sends title and message)."""

    port: int = 0
    hits: list[Hit] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str) -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def pages(self, path: str | None = None) -> list[Hit]:
        with self.lock:
            return [
                h
                for h in self.hits
                if h.title.startswith(("PAGE", "[DRILL] PAGE"))
                and (path is None or h.path.strip("/") == path)
            ]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(size) or b"{}")
            with state.lock:
                state.hits.append(Hit(self.path, body.get("title", ""), body.get("message", "")))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


@dataclass
class Mailbox:
    port: int = 0
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def url(self, to: str) -> str:
        return f"mailto://127.0.0.1:{self.port}?from=muster@example.com&to={to}"

    @staticmethod
    def text(message: Message) -> str:
        """The mail's plain text, whether it came as one part or several."""
        for part in message.walk():
            payload = part.get_payload(decode=True)
            if part.get_content_type() == "text/plain" and isinstance(payload, bytes):
                return payload.decode()
        raise AssertionError("no text/plain part in the mail")

    def pages_to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address and "PAGE" in str(m["Subject"])]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=_free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    yield box
    controller.stop()


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
