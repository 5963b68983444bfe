"""Showing a destination without its secrets.

An Apprise URL is a credential as often as it is an address: `slack://TokenA/TokenB/TokenC`,
`discord://webhook_id/webhook_token`, `mailto://user:password@host`, `json://host/hooks/SECRET`,
`?token=...`. Whatever leaves the process (logs, `muster notify status`, the API) shows a
destination through `redact`, never raw. Pure string work, no Apprise: storage uses it too.
"""

from __future__ import annotations

import re

HIDDEN = "***"

# A host worth showing: a dotted name or address, `localhost`, or a bracketed IPv6 address.
# A bare word in the host position is, for many Apprise services, the first token.
_SHOWN_HOST = re.compile(r"^(?:\[[0-9a-fA-F:.]+\]|localhost|[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]{0,31})://(.*)$", re.DOTALL)
_URL_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}://[^\s'\"<>]+")


def redact(url: str) -> str:
    """`url` with every part that may be a secret replaced by `***`.

    Kept: the scheme, a host that looks like a host name or address, its port, and the names
    of query parameters. Hidden: user and password, every path segment, every query value,
    and a host that is a bare word (a token for Slack, Discord and friends). Something that
    is not a URL at all is hidden whole: it may be a secret pasted in the wrong place.

    >>> redact("mailto://bob:hunter2@mail.example.com:587?to=ops@example.com")
    'mailto://***@mail.example.com:587?to=***'
    >>> redact("slack://T000/B000/XXXX/#incidents")
    'slack://***/***'
    """
    match = _SCHEME.match(url.strip())
    if match is None:
        return HIDDEN
    scheme, rest = match.group(1).lower(), match.group(2)
    rest, _, query = rest.partition("?")
    rest = rest.partition("#")[0]
    netloc, slash, path = rest.partition("/")
    _userinfo, at, hostport = netloc.rpartition("@")
    shown = scheme + "://" + (HIDDEN + "@" if at else "")
    host, port = _split_port(hostport)
    shown += host if _SHOWN_HOST.match(host) else HIDDEN
    if port:
        shown += ":" + port
    if slash and path.strip("/"):
        shown += "/" + HIDDEN
    if query:
        names = [part.partition("=")[0] for part in query.split("&") if part]
        shown += "?" + "&".join(f"{name[:40]}={HIDDEN}" for name in names[:12])
    return shown


def _split_port(hostport: str) -> tuple[str, str]:
    """`host:port` -> (host, port) when the port is numeric; IPv6 brackets kept whole."""
    host, colon, port = hostport.rpartition(":")
    if colon and port.isdigit() and not host.endswith(":"):
        return host, port
    return hostport, ""


def scrub(text: str) -> str:
    """`text` (an error message, a log line) with every URL in it redacted."""
    return _URL_IN_TEXT.sub(lambda match: redact(match.group(0)), text)
