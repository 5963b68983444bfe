"""Sending one message to one destination through Apprise, and saying how it went.

`send` never decides about retries; it reports, and the outbox decides. A `Delivery` says
whether it worked and, if not, whether trying again can help:

    Delivery(ok=True)                      accepted by the destination
    Delivery(ok=False, permanent=True)     Apprise cannot use the URL: retrying cannot help
    Delivery(ok=False, permanent=False)    the destination failed or did not answer in time

Hazards handled here:
- Repeats. Delivery is at least once: a worker that dies between a send and its record
  sends that message again after its lease ends. Each message carries its outbox key
  (`X-Muster-Delivery` header on json/form/xml webhooks and on email) so a receiver can drop
  the repeat.
- Stalls. Each call has connect and read timeouts (Apprise `cto`/`rto`) and a deadline for
  the whole call (Apprise's `timeout`), so one slow destination holds a worker for at most
  `SEND_TIMEOUT` seconds.
- Secrets. Destinations are credentials: only `redact(url)` is ever logged or returned in
  an error, and Apprise's own messages are scrubbed of the raw URL.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from urllib.parse import quote

from apprise import Apprise, AppriseAsset, PersistentStoreMode

from muster.notify.redact import redact, scrub

log = logging.getLogger(__name__)

#: Seconds to open a connection, and to wait for each read, per destination.
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0
#: Seconds one send may take in all; a worker's lease must be longer than this.
SEND_TIMEOUT = 20.0

DELIVERY_HEADER = "X-Muster-Delivery"
# Apprise services that take extra headers as `+Name=value` URL parameters.
_KEYED_SCHEMES = frozenset({"json", "jsons", "form", "forms", "xml", "xmls", "mailto", "mailtos"})
_MAX_ERROR = 500
# Apprise's captured log lines start with "2026-11-23 18:47:53,206 - WARNING - ".
_LOG_PREFIX = re.compile(r"^.*? - (?:WARNING|ERROR|CRITICAL) - ")

# No files: Apprise's persistent store would otherwise write under the user's home.
_ASSET = AppriseAsset(storage_mode=PersistentStoreMode.MEMORY)


class _ScrubUrls(logging.Filter):
    """Apprise logs whole URLs (`Unparseable URL json://user:password@...`): redact them
    before any handler, ours or Apprise's own capture for `result.logs()`, sees the line."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "://" in message:
            record.msg, record.args = scrub(message), ()
        return True


logging.getLogger("apprise").addFilter(_ScrubUrls())


@dataclass(frozen=True)
class Delivery:
    """The outcome of one send. `error` is safe to store and show (no secrets)."""

    ok: bool
    permanent: bool = False
    error: str = ""


def send(
    destination: str, *, title: str, body: str, key: str, timeout: float = SEND_TIMEOUT
) -> Delivery:
    """Send `title`/`body` to the Apprise URL `destination`, tagged with the outbox `key`.

    Never raises for the destination's sake (a bad URL or a failing server is a `Delivery`);
    an unexpected exception from Apprise itself propagates, and the caller records it as a
    temporary failure.
    """
    url = with_delivery_key(destination, key)
    service = Apprise.instantiate(url, asset=_ASSET)
    if service is None:
        return Delivery(
            ok=False,
            permanent=True,
            error=f"Apprise cannot use this destination ({redact(destination)}): "
            "check the URL's scheme and parts",
        )
    apprise = Apprise(asset=_ASSET)
    apprise.add(service)
    result = apprise.notify(body=body, title=title, timeout=timeout)
    if result:
        return Delivery(ok=True)
    return Delivery(ok=False, error=_failure_text(result, destination, url, timeout))


def with_delivery_key(destination: str, key: str) -> str:
    """`destination` with the delivery-key header (where the service takes headers) and
    our timeouts (unless the URL sets its own)."""
    scheme = destination.partition("://")[0].lower()
    query = destination.partition("?")[2]
    present = {part.partition("=")[0].lower() for part in query.split("&") if part}
    extra: list[str] = []
    if scheme in _KEYED_SCHEMES:
        extra.append(f"+{DELIVERY_HEADER}={quote(key, safe='')}")
    if "cto" not in present:
        extra.append(f"cto={CONNECT_TIMEOUT:g}")
    if "rto" not in present:
        extra.append(f"rto={READ_TIMEOUT:g}")
    glue = "&" if "?" in destination else "?"
    return destination + glue + "&".join(extra)


def _failure_text(result: object, destination: str, url: str, timeout: float) -> str:
    """Apprise's own words for a failure (its WARNING and ERROR lines), without secrets."""
    lines: list[str] = []
    logs = getattr(result, "logs", None)
    if callable(logs):
        for entry in logs():
            message = _LOG_PREFIX.sub("", str(getattr(entry, "message", entry))).strip()
            if message and message not in lines:
                lines.append(message)
    status = getattr(getattr(result, "status", None), "name", "")
    if status == "TIMEOUT" and not lines:
        lines.append(f"no answer within {timeout:g} s")
    text = "; ".join(lines) or "the destination did not accept the message"
    for raw in (url, destination):
        text = text.replace(raw, redact(destination))
    text = scrub(text)
    if len(text) > _MAX_ERROR:
        text = text[: _MAX_ERROR - 1] + "…"
    return text
