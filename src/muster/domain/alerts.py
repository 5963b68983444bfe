"""Alerts: reading what monitoring tools post, routing alerts to a service and a severity,
and the words the timeline uses for them. Pure: no I/O, no clock.

Three formats arrive at `/hooks/<integration>`:

    alertmanager  Prometheus Alertmanager's webhook, version "4"
    grafana       Grafana alerting's webhook (Alertmanager's shape plus extra fields), version "1"
    generic       {"alerts": [{"status", "service", "summary", ...}]} (docs/api.md)

Parsing is hand-written on plain dicts (measured about three times faster than a pydantic
TypeAdapter for a batch of 100 alerts) and refuses a bad body naming the first bad field,
like `alerts[3].labels.severity`.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any


class Kind(StrEnum):
    alertmanager = "alertmanager"
    grafana = "grafana"
    generic = "generic"


class AlertStatus(StrEnum):
    firing = "firing"
    resolved = "resolved"


#: The timeline entry kind for alert events.
ALERT_ENTRY = "alert"
#: Generic alerts of one service that arrive within this window of each other form one group.
GENERIC_WINDOW = timedelta(minutes=10)
#: The version field each format must carry (others are refused, naming `version`).
VERSIONS = {Kind.alertmanager: "4", Kind.grafana: "1"}
MAX_ALERTS = 5000
MAX_FINGERPRINT = 128
MAX_GROUP_KEY = 1000
MAX_LABELS = 100
MAX_VALUE = 4000


class PayloadError(ValueError):
    """A body that is not what its integration's kind sends: `field` names the first bad part."""

    def __init__(self, field: str, message: str, hint: str) -> None:
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message
        self.hint = hint


@dataclass(frozen=True, slots=True)
class Alert:
    """One alert as received. `service` and `severity` are set only by the generic format,
    where the sender names them outright."""

    fingerprint: str
    status: AlertStatus
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime | None
    ends_at: datetime | None
    url: str = ""
    service: str | None = None
    severity: str | None = None

    @property
    def name(self) -> str:
        """What the timeline calls it: the alert name, else its summary."""
        return (self.labels.get("alertname") or self.annotations.get("summary") or "alert")[:200]


@dataclass(frozen=True)
class Batch:
    """One request's alerts; `group_key` is the sender's group (None: Muster groups them)."""

    alerts: list[Alert]
    group_key: str | None = None


# Parsing ----------------------------------------------------------------------------------


def _fail(field: str, message: str, hint: str = "see docs/api.md#alert-hooks") -> PayloadError:
    return PayloadError(field, message, hint)


def _object(value: Any, field: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(field, f"must be a JSON object, not {_type(value)}")
    return value


def _type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number")


def _text(data: Mapping[str, Any], key: str, field: str, *, required: bool = True) -> str:
    value = data.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        what = "is missing" if key not in data else f"must be a string, not {_type(value)}"
        raise _fail(f"{field}.{key}" if field else key, what)
    if len(value) > MAX_VALUE:
        raise _fail(f"{field}.{key}", f"is longer than {MAX_VALUE} characters")
    return value


def _labels(value: Any, field: str, *, required: bool) -> dict[str, str]:
    if value is None and not required:
        return {}
    labels = _object(value, field)
    if len(labels) > MAX_LABELS:
        raise _fail(field, f"has more than {MAX_LABELS} entries")
    for key, text in labels.items():
        if not isinstance(text, str):
            raise _fail(f"{field}.{key}", f"must be a string, not {_type(text)}")
        if len(text) > MAX_VALUE or len(key) > 200:
            raise _fail(f"{field}.{key}", f"is longer than {MAX_VALUE} characters")
    return labels


def parse_time(value: Any, field: str, *, required: bool) -> datetime | None:
    """An RFC 3339 time; Alertmanager's zero time (`0001-01-01T00:00:00Z`) means none."""
    if value is None or value == "":
        if required:
            raise _fail(field, "is missing", "send an RFC 3339 time like 2026-11-22T08:58:10Z")
        return None
    if not isinstance(value, str) or "T" not in value:
        raise _fail(field, f"{value!r} is not an RFC 3339 time", "like 2026-11-22T08:58:10Z")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise _fail(
            field, f"{value!r} is not an RFC 3339 time", "like 2026-11-22T08:58:10Z"
        ) from None
    if moment.tzinfo is None:
        raise _fail(field, f"{value!r} has no timezone", "end it with Z or an offset like +02:00")
    if moment.year <= 1:
        return None
    return moment.astimezone(UTC)


def _status(value: Any, field: str) -> AlertStatus:
    if value == "firing":
        return AlertStatus.firing
    if value == "resolved":
        return AlertStatus.resolved
    raise _fail(field, f"{value!r} is not firing or resolved")


def _alerts(data: dict[str, Any]) -> list[Any]:
    alerts = data.get("alerts")
    if not isinstance(alerts, list):
        what = "is missing" if "alerts" not in data else f"must be an array, not {_type(alerts)}"
        raise _fail("alerts", what)
    if len(alerts) > MAX_ALERTS:
        raise _fail("alerts", f"holds {len(alerts)} alerts; send at most {MAX_ALERTS} at once")
    return alerts


def _fingerprint(value: Any, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(field, "is missing" if value is None else "must be a non-empty string")
    if len(value) > MAX_FINGERPRINT:
        raise _fail(field, f"is longer than {MAX_FINGERPRINT} characters")
    return value


def parse(kind: Kind, data: Any) -> Batch:
    """The alerts in a decoded JSON body, or PayloadError naming the first bad field."""
    body = _object(data, "body")
    if kind is Kind.generic:
        return Batch([_generic(item, f"alerts[{i}]") for i, item in enumerate(_alerts(body))])
    version = body.get("version")
    if version != VERSIONS[kind]:
        raise _fail(
            "version",
            f"{version!r} is not a {kind} webhook version Muster reads",
            f'{kind} sends version "{VERSIONS[kind]}"; is this integration\'s kind right?',
        )
    key = body.get("groupKey")
    if not isinstance(key, str) or not key:
        raise _fail("groupKey", "is missing" if key is None else "must be a non-empty string")
    if len(key) > MAX_GROUP_KEY:
        raise _fail("groupKey", f"is longer than {MAX_GROUP_KEY} characters")
    return Batch([_relayed(item, f"alerts[{i}]") for i, item in enumerate(_alerts(body))], key)


def _relayed(item: Any, field: str) -> Alert:
    """One alert of Alertmanager's (or Grafana's) webhook."""
    alert = _object(item, field)
    labels = _labels(alert.get("labels"), f"{field}.labels", required=True)
    return Alert(
        fingerprint=_fingerprint(alert.get("fingerprint"), f"{field}.fingerprint"),
        status=_status(alert.get("status"), f"{field}.status"),
        labels=labels,
        annotations=_labels(alert.get("annotations"), f"{field}.annotations", required=False),
        starts_at=parse_time(alert.get("startsAt"), f"{field}.startsAt", required=True),
        ends_at=parse_time(alert.get("endsAt"), f"{field}.endsAt", required=False),
        url=_text(alert, "generatorURL", field, required=False),
    )


def _generic(item: Any, field: str) -> Alert:
    alert = _object(item, field)
    service = _text(alert, "service", field)
    summary = _text(alert, "summary", field)
    if not summary.strip():
        raise _fail(f"{field}.summary", "is empty; say what is wrong in a few words")
    severity = _text(alert, "severity", field, required=False) or None
    labels = {**_labels(alert.get("labels"), f"{field}.labels", required=False)}
    labels.setdefault("service", service)
    annotations = {**_labels(alert.get("annotations"), f"{field}.annotations", required=False)}
    annotations.setdefault("summary", summary)
    given = alert.get("fingerprint")
    fingerprint = (
        _fingerprint(given, f"{field}.fingerprint") if given is not None else _digest(labels)
    )
    return Alert(
        fingerprint=fingerprint,
        status=_status(alert.get("status", "firing"), f"{field}.status"),
        labels=labels,
        annotations=annotations,
        starts_at=parse_time(alert.get("starts_at"), f"{field}.starts_at", required=False),
        ends_at=parse_time(alert.get("ends_at"), f"{field}.ends_at", required=False),
        url=_text(alert, "url", field, required=False),
        service=service,
        severity=severity,
    )


def _digest(labels: Mapping[str, str]) -> str:
    """A fingerprint from the labels, as Alertmanager makes one: same labels, same alert."""
    text = json.dumps(sorted(labels.items()), separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


# Routing ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rule:
    """One route of the plan, ready to match: equal labels and fully matching patterns."""

    match: Mapping[str, str]
    match_re: Mapping[str, re.Pattern[str]]
    service: str | None
    severity: str

    def matches(self, labels: Mapping[str, str]) -> bool:
        for key, value in self.match.items():
            if labels.get(key) != value:
                return False
        for key, pattern in self.match_re.items():
            if pattern.fullmatch(labels.get(key, "")) is None:
                return False
        return True


@dataclass(frozen=True)
class Routed:
    service: str | None
    severity: str


@dataclass(frozen=True)
class Router:
    """The plan's routes, in order; `services` are the plan's service names."""

    rules: Sequence[Rule]
    services: frozenset[str]
    severity_order: Sequence[str] = field(default_factory=tuple)

    def route(self, alert: Alert) -> Routed | None:
        """Where `alert` goes: its own severity (generic), else the first matching route;
        None when nothing matches (the alert is kept, in an unrouted group)."""
        if alert.severity is not None:
            return Routed(alert.service, alert.severity)
        for rule in self.rules:
            if rule.matches(alert.labels):
                label = alert.labels.get("service", "").strip().lower()
                service = rule.service or (label if label in self.services else None)
                return Routed(service, rule.severity)
        return None

    def most_severe(self, severities: Iterable[str]) -> str | None:
        """The most severe of `severities` (the plan lists them most severe first)."""
        ranked = sorted(set(severities), key=self._rank)
        return ranked[0] if ranked else None

    def _rank(self, severity: str) -> int:
        try:
            return list(self.severity_order).index(severity)
        except ValueError:
            return len(self.severity_order)


def compile_rule(
    match: Mapping[str, str], match_re: Mapping[str, str], service: str | None, severity: str
) -> Rule:
    """Raises re.error for a bad pattern (the plan's lint reports it first)."""
    return Rule(dict(match), {k: re.compile(v) for k, v in match_re.items()}, service, severity)


# Words ------------------------------------------------------------------------------------


def tally(names: Iterable[str], most: int = 5) -> str:
    """`HighErrorRate x10, DiskFull x2` (the commonest first, then `and 3 more`)."""
    counts = Counter(names).most_common()
    shown = [f"{name} x{n}" if n > 1 else name for name, n in counts[:most]]
    if len(counts) > most:
        shown.append(f"and {len(counts) - most} more")
    return ", ".join(shown)


def summary(firing: Sequence[str], resolved: Sequence[str]) -> str:
    """One timeline line for what one request changed: `12 alerts firing: ...; 3 resolved: ...`."""
    parts: list[str] = []
    for names, state in ((firing, "firing"), (resolved, "resolved")):
        if names:
            noun = "" if parts else (" alert" if len(names) == 1 else " alerts")
            parts.append(f"{len(names)}{noun} {state}: {tally(names)}")
    return "; ".join(parts)


def title_for(alerts: Sequence[Alert]) -> str:
    """An incident title from its first firing alert: `HighErrorRate: 5xx above 5% on auth`."""
    first = next((a for a in alerts if a.status is AlertStatus.firing), alerts[0])
    name = first.labels.get("alertname", "")
    said = first.annotations.get("summary", "")
    title = f"{name}: {said}" if name and said else (name or said or "Alert")
    return " ".join(title.split())[:200]
