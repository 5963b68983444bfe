"""The customer-track guard: what in a customer update looks like it was meant for the team.

Customer updates carry facts, impact and the time of the next update. Internal details help
nobody outside and can hurt: a hostname or an IP maps our network for an attacker, a stack
trace or a file path says more about our code than we mean to, a ticket id points at a tracker
customers cannot open, and a sentence pasted from the internal track brings its working
theories with it. The guard finds these and says, for each, what it is and how to fix it; the
caller decides whether a finding only warns or refuses the update (`--strict`).

The checks are heuristics, tuned to miss rather than nag on ordinary prose: times (`18:10`),
versions (`v2.3.1`), decimals (`99.9%`), public domains (`status.example.com`), our own
incident references (`INC-42`) and severities (`SEV1`) pass. Every pattern is compiled once at
import; copied text is found by hashing runs of 8 words, so a 10 KB update checked against
50 internal texts takes a few milliseconds.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache


class LeakKind(StrEnum):
    """What kind of internal detail a finding is."""

    hostname = "hostname"
    ip_address = "ip_address"
    stack_trace = "stack_trace"
    file_path = "file_path"
    ticket_id = "ticket_id"
    internal_term = "internal_term"
    internal_text = "internal_text"


@dataclass(frozen=True)
class Finding:
    """One internal detail in a customer text: its kind, the text found, and the fix."""

    kind: LeakKind
    excerpt: str
    message: str


#: Words shared in a row with an internal text before a customer text counts as copied.
COPIED_RUN = 8
_EXCERPT_MAX = 80

_INTERNAL_SUFFIXES = frozenset({"internal", "local", "lan", "corp", "svc", "intra"})
# A dotted name ending in one of these (or in any two letters: a country code) is public.
_PUBLIC_TLDS = frozenset(
    [
        "com",
        "net",
        "org",
        "edu",
        "gov",
        "mil",
        "int",
        "info",
        "biz",
        "name",
        "pro",
        "io",
        "co",
        "ai",
        "app",
        "dev",
        "cloud",
        "page",
        "site",
        "online",
        "store",
        "shop",
        "tech",
        "xyz",
        "me",
        "tv",
        "aero",
        "mobi",
        "asia",
        "jobs",
        "travel",
        "museum",
    ]
)
# ... and one ending in one of these is a file name such as report-2024.pdf, not a host.
_FILE_EXTENSIONS = frozenset(
    [
        "pdf",
        "txt",
        "csv",
        "doc",
        "docx",
        "xls",
        "xlsx",
        "png",
        "jpg",
        "jpeg",
        "gif",
        "svg",
        "html",
        "htm",
        "md",
        "zip",
    ]
)
# Ids shaped like JIRA-123 that are standards or our own words, not internal tickets.
_NOT_TICKETS = frozenset(
    [
        "INC",
        "SEV",
        "UTF",
        "SHA",
        "ISO",
        "COVID",
        "CVE",
        "RFC",
        "GPT",
        "AES",
        "RSA",
        "MD",
        "HTTP",
        "TLS",
        "SSL",
        "IPV",
        "PCI",
        "SOC",
        "WCAG",
        "IEEE",
        "ECMA",
        "EN",
        "DIN",
        "BS",
    ]
)

_DOTTED = re.compile(
    r"(?<![\w.-])[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+"
    r"(?![\w-]|\.[a-z0-9])",
    re.IGNORECASE,
)
_AWS_HOST = re.compile(r"(?<![\w.-])ip-\d{1,3}(?:-\d{1,3}){3}(?![\w-])", re.IGNORECASE)
_HOST_LABEL = re.compile(r"[a-z][a-z0-9-]*\d[a-z0-9-]*")  # starts with a letter, has a digit
_VERSION_LABEL = re.compile(r"v?\d+[a-z0-9-]*")  # v2, 2, 1-rc1: the start of a version

_OCTET = r"(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"
_IPV4 = re.compile(rf"(?<![\w.]){_OCTET}(?:\.{_OCTET}){{3}}(?:/\d{{1,2}})?(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9a-f]{0,4}:){2,7}[0-9a-f]{0,4}(?![\w:])", re.IGNORECASE)

# Patterns start with a literal where they can: the regex engine then skips ahead to it
# instead of trying every position, which is most of the cost on a long text.
_TRACE = re.compile(
    r"Traceback \(most recent call last\)"
    r'|File "[^"\n]+", line \d+'
    r"|goroutine \d+ \[\w+\]"
)
_FRAME = re.compile(  # Java/Kotlin and JavaScript stack frames; `(?<!\wat)`: a whole word
    r"at(?<!\wat)\s+(?:"
    r"(?:[\w$]+\.)+[\w$<>]+\("
    r"(?:[\w$]+\.(?:java|kt|scala|groovy):\d+|Native Method|Unknown Source)\)"
    r"|[\w$.<>]+\s+\([^()\s]+:\d+:\d+\))"
)
_EXCEPTION = re.compile(r"(?<![\w.])(?:[a-z_]\w*\.)*[A-Z][A-Za-z0-9]*(?:Exception|Error)\b:?")

_PATH = re.compile(
    r"(?<![\w/:.~\\-])(?:"
    r"/[\w.-]+(?:/[\w.-]+)+/?"  # /var/log/app.log, /etc/nginx/
    r"|/(?:etc|var|tmp|opt|usr|home|srv|root|proc|dev|mnt|app)\b/?"  # a root on its own
    r"|\.{1,2}/[\w.-]+(?:/[\w.-]+)*"  # ./app/x.py, ../config
    r"|~/[\w.-]+(?:/[\w.-]+)*"  # ~/deploy/key
    r"|[a-z]:\\[^\s\"'<>|]*"  # C:\Users\app
    r"|[\w-]+(?:/[\w.-]+)*/[\w-]+\.(?:py|js|ts|go|java|rb|php|rs|sql|sh|ya?ml|json|toml|conf"
    r"|cfg|ini|log|env)\b"  # app/models/user.py
    r")(?<![.,;:])",  # a full stop after a path ends the sentence, not the path
    re.IGNORECASE,
)

_TICKET = re.compile(r"(?<![\w-])([A-Z][A-Z0-9]{1,9})-\d+(?![\w-])")
_HASH_TICKET = re.compile(r"#(?<![\w&#].)\d{2,}\b")  # not in a word, not &#39;
_WORD = re.compile(r"\w+")


def check_customer_text(
    text: str, *, terms: Sequence[str], internal_texts: Sequence[str]
) -> list[Finding]:
    """Every internal detail in the customer text `text`, in the order they appear.

    `terms` are the plan's internal words (`guard.terms`), matched whole-word and ignoring
    case; `internal_texts` are what the team wrote on the internal track (and notes), any run
    of `COPIED_RUN` words of which must not reappear, ignoring case and punctuation. A detail
    written several times is reported once; a detail inside a larger one (the path in a stack
    trace) is left to the larger one, except that copied text never hides what it contains.
    """
    spans: list[tuple[int, int, LeakKind]] = []
    for pattern, kind, keep, worth in _DETECTORS:
        if worth(text):
            spans += [(m.start(), m.end(), kind) for m in pattern.finditer(text) if keep(m.group())]
    cleaned = [term.strip() for term in terms if term.strip()]
    if cleaned:
        spans += [
            (m.start(), m.end(), LeakKind.internal_term)
            for m in _terms(tuple(cleaned)).finditer(text)
        ]
    spans.sort(key=lambda span: (span[0], -span[1]))
    findings: list[tuple[int, Finding]] = []
    seen: set[tuple[LeakKind, str]] = set()
    reach = -1  # the end of the furthest span kept so far
    for start, end, kind in spans:
        if end <= reach:
            continue  # inside a larger detail already reported
        reach = end
        excerpt = text[start:end]
        key = (kind, excerpt.casefold())
        if key not in seen:
            seen.add(key)
            findings.append((start, Finding(kind, excerpt, _MESSAGES[kind](excerpt))))
    findings += [(start, finding) for start, finding in _copied(text, internal_texts)]
    findings.sort(key=lambda pair: pair[0])
    return [finding for _, finding in findings]


def _is_hostname(token: str) -> bool:
    labels = token.lower().split(".")
    if labels[-1] in _INTERNAL_SUFFIXES:
        return True
    if _VERSION_LABEL.fullmatch(labels[0]) or all(label.isdigit() for label in labels):
        return False  # a version, a decimal or an IPv4 address (reported as such)
    last = labels[-1]
    if last in _PUBLIC_TLDS or last in _FILE_EXTENSIONS or (len(last) == 2 and last.isalpha()):
        return False
    return any(_HOST_LABEL.fullmatch(label) for label in labels)


def _is_ipv6(token: str) -> bool:
    if not any(c in "0123456789abcdefABCDEF" for c in token):
        return False  # a bare `::` in prose
    try:
        ipaddress.IPv6Address(token)
    except ValueError:
        return False  # 18:10:30 and other colon-separated words
    return True


def _is_ticket(token: str) -> bool:
    return token.startswith("#") or token.split("-")[0] not in _NOT_TICKETS


def _always(token: str) -> bool:
    return True


def _anything(text: str) -> bool:
    return True


def _exceptions(text: str) -> bool:
    return "Exception" in text or "Error" in text


def _slashes(text: str) -> bool:
    return "/" in text or "\\" in text


def _colons(text: str) -> bool:
    return "::" in text or text.count(":") >= 7  # an IPv6 address has one or the other


# (pattern, kind, keep this match?, worth scanning this text at all?)
_DETECTORS: tuple[
    tuple[re.Pattern[str], LeakKind, Callable[[str], bool], Callable[[str], bool]], ...
] = (
    (_TRACE, LeakKind.stack_trace, _always, _anything),
    (_FRAME, LeakKind.stack_trace, _always, _anything),
    (_EXCEPTION, LeakKind.stack_trace, _always, _exceptions),
    (_DOTTED, LeakKind.hostname, _is_hostname, _anything),
    (_AWS_HOST, LeakKind.hostname, _always, _anything),
    (_IPV4, LeakKind.ip_address, _always, _anything),
    (_IPV6, LeakKind.ip_address, _is_ipv6, _colons),
    (_PATH, LeakKind.file_path, _always, _slashes),
    (_TICKET, LeakKind.ticket_id, _is_ticket, _anything),
    (_HASH_TICKET, LeakKind.ticket_id, _always, _anything),
)


_MESSAGES: dict[LeakKind, Callable[[str], str]] = {
    LeakKind.hostname: lambda x: (
        f"remove the hostname {x}: customers need facts and impact, not our machines"
    ),
    LeakKind.ip_address: lambda x: (
        f"remove the IP address {x}: customers need facts and impact, not our network"
    ),
    LeakKind.stack_trace: lambda x: (
        f"remove the stack trace ({_short(x)}): say what users can and cannot do instead"
    ),
    LeakKind.file_path: lambda x: (
        f"remove the file path {x}: customers need facts and impact, not our file system"
    ),
    LeakKind.ticket_id: lambda x: (
        f"remove the internal ticket {x}: customers cannot open our tracker; "
        "say what users can and cannot do instead"
    ),
    LeakKind.internal_term: lambda x: (
        f"remove {x!r}: the plan lists it as an internal word (guard.terms); "
        "describe what users see instead"
    ),
    LeakKind.internal_text: lambda x: (
        f'rewrite "{_short(x)}" for customers: it is copied from the internal track, which '
        "holds working theories; keep to facts, impact and the time of the next update"
    ),
}


def _short(text: str) -> str:
    one_line = " ".join(text.split())
    if len(one_line) <= _EXCERPT_MAX:
        return one_line
    return one_line[: _EXCERPT_MAX - 1].rstrip() + "…"


@lru_cache(maxsize=64)
def _terms(terms: tuple[str, ...]) -> re.Pattern[str]:
    """One pattern for all the plan's terms, longest first so `postgres-primary` wins over
    `postgres`. Cached: the same plan's terms are checked against every update."""
    ordered = sorted(set(terms), key=len, reverse=True)
    return re.compile(
        r"(?<!\w)(?:" + "|".join(re.escape(term) for term in ordered) + r")(?!\w)",
        re.IGNORECASE,
    )


def _words(text: str) -> list[str]:
    """The words of `text`, case-folded, punctuation dropped. Folded after splitting, and in
    one call, so both sides of a comparison split alike and fast."""
    return " ".join(_WORD.findall(text)).casefold().split()


def _windows(words: list[str]) -> Iterator[tuple[str, ...]]:
    return zip(*(words[i:] for i in range(COPIED_RUN)), strict=False)


@lru_cache(maxsize=256)
def _runs_of(text: str) -> frozenset[tuple[str, ...]]:
    """Every run of `COPIED_RUN` words of an internal text. Cached: an incident's internal
    updates are checked again with each of its customer updates."""
    return frozenset(_windows(_words(text)))


def _copied(text: str, internal_texts: Sequence[str]) -> Iterator[tuple[int, Finding]]:
    """Each maximal passage of `text` whose every `COPIED_RUN`-word window appears in some
    internal text, as (offset, finding). The cost is linear in the length of all the texts:
    about 1 ms per 10 KB of internal text not seen before, and nothing for one seen again."""
    words = _words(text)
    if len(words) < COPIED_RUN or not internal_texts:
        return
    runs: set[tuple[str, ...]] = set()
    for internal in internal_texts:
        runs |= _runs_of(internal)
    hits = [index for index, window in enumerate(_windows(words)) if window in runs]
    if not hits:
        return
    spans = [match.span() for match in _WORD.finditer(text)]  # one per word, in order
    seen: set[str] = set()
    index = 0
    while index < len(hits):
        first = last = hits[index]
        while index + 1 < len(hits) and hits[index + 1] <= last + COPIED_RUN:
            index += 1
            last = hits[index]
        index += 1
        start, end = spans[first][0], spans[last + COPIED_RUN - 1][1]
        excerpt = text[start:end]
        if excerpt.casefold() not in seen:
            seen.add(excerpt.casefold())
            message = _MESSAGES[LeakKind.internal_text](excerpt)
            yield start, Finding(LeakKind.internal_text, excerpt, message)
