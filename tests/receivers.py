"""Real receivers for notifications, on 127.0.0.1: a webhook endpoint (http.server) that
records every POST, and a mail server (aiosmtpd). The tests' fixtures start them with
`webhook_receiver()` and `smtp_mailbox()`."""

from __future__ import annotations

import email
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from muster.notify.apprise_send import DELIVERY_HEADER
from serving import free_port


@dataclass
class Hit:
    """One POST: its path, its delivery key header, and its JSON body (Apprise's json://
    sends `title` and `message`)."""

    path: str
    key: str | None
    body: dict[str, Any]

    @property
    def title(self) -> str:
        return str(self.body.get("title", ""))

    @property
    def message(self) -> str:
        return str(self.body.get("message", ""))


@dataclass
class Receiver:
    """A webhook endpoint: records every POST; a path listed in `failing` answers 500."""

    port: int = 0
    hits: list[Hit] = field(default_factory=list)
    failing: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "hook") -> str:
        return f"json://127.0.0.1:{self.port}/{path}"

    def received(self) -> list[str | None]:
        with self.lock:
            return [hit.key for hit in self.hits]

    def pages(self, path: str | None = None) -> list[Hit]:
        """The pages received (at `path`, if given)."""
        with self.lock:
            return [
                h
                for h in self.hits
                if h.title.startswith(("PAGE", "[DRILL] PAGE"))
                and (path is None or h.path.strip("/") == path)
            ]


@contextmanager
def webhook_receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            size = int(self.headers.get("Content-Length", 0))
            body = json.loads(self.rfile.read(size) or b"{}")
            with state.lock:
                state.hits.append(Hit(self.path, self.headers.get(DELIVERY_HEADER), body))
            self.send_response(500 if self.path.strip("/") in state.failing else 200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.port = server.server_address[1]
    # A short poll: shutdown() waits for it, and the default 0.5 s is spent in every test.
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
    ).start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mailbox:
    """What a real SMTP server received."""

    port: int = 0
    messages: list[Message] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"

    def url(self, to: str = "carol@example.com") -> str:
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


@contextmanager
def smtp_mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()
