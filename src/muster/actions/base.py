"""What every action shares: who acts, the clock, the plan in force, and the timeline pen."""

from __future__ import annotations

import hashlib
import re
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row

from muster.domain.hats import Refusal
from muster.domain.timeparse import parse_at
from muster.errors import Conflict, Forbidden, InvalidInput, NotFound
from muster.plan import Plan, parse_plan
from muster.storage import incidents, records, timeline
from muster.storage.db import Database
from muster.storage.timeline import NewEntry

E = TypeVar("E", bound=StrEnum)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """The database and the clock, handed to every action (tests hand in their own clock)."""

    db: Database
    clock: Callable[[], datetime] = utc_now
    # Set after a commit that queued notifications, so an in-process worker wakes at once.
    wake: threading.Event = field(default_factory=threading.Event)
    # An Apprise mailto:// URL (without `to=`) for mail to status-page subscribers.
    status_mail: str | None = None
    # MUSTER_PUBLIC_URL: the base of links in messages (page acknowledgement); None: relative.
    public_url: str | None = None
    _plans: dict[int, Plan] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def plan(self, conn: Connection, version: int) -> Plan:
        """The parsed plan of one version; versions never change, so each is read and parsed
        once per process."""
        with self._lock:
            cached = self._plans.get(version)
        if cached is not None:
            return cached
        row = records.plan_version(conn, version)
        if row is None:
            raise NotFound(f"there is no plan version {version}", hint="`muster plan show`")
        plan, problems = parse_plan(row.source)
        if plan is None:  # stored plans were checked when applied; this means a code change
            raise Conflict(
                f"plan version {version} no longer parses: {problems[0]}",
                hint="apply a corrected plan with `muster plan apply`",
            )
        with self._lock:
            self._plans[version] = plan
        return plan


@dataclass(frozen=True)
class Actor:
    """The person behind a request: a plan handle, or `admin` for the server's own token."""

    handle: str
    admin: bool = False


@dataclass(frozen=True)
class PlanInForce:
    version: int
    plan: Plan

    @property
    def tz(self) -> tzinfo:
        return ZoneInfo(self.plan.team.timezone)


def plan_in_force(rt: Runtime, conn: Connection, version: int | None = None) -> PlanInForce:
    """The newest applied plan (or one version of it); a clear error before any is applied."""
    if version is None:
        latest = records.latest_plan(conn)
        if latest is None:
            raise Conflict(
                "no plan has been applied to this server yet",
                hint="apply one with `muster plan apply muster.yaml` (`muster init` writes one)",
            )
        version = int(latest.version)
    return PlanInForce(version, rt.plan(conn, version))


_REF = re.compile(r"^\s*(?:inc-?)?([0-9]{1,9})\s*$", re.IGNORECASE)


def digest(secret: str) -> str:
    """What is stored of a token or secret (its SHA-256): a leaked table opens nothing."""
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_ref(ref: str | int) -> int:
    """`INC-42`, `inc42` or `42` -> 42."""
    match = _REF.match(str(ref))
    if not match:
        raise InvalidInput(
            f"{ref!r} is not an incident reference", hint="write it like INC-42", field="incident"
        )
    return int(match.group(1))


def reference(number: int) -> str:
    return f"INC-{number}"


def viewer(actor: Actor) -> str | None:
    """Whose eyes a read uses: the server's admin (None) sees private incidents too."""
    return None if actor.admin else actor.handle


def load_incident(
    conn: Connection, ref: str | int, actor: Actor, *, lock: bool = False
) -> Row[Any]:
    """The incident named by `ref`, locked for writing if asked; 404 when unknown or unseen."""
    number = parse_ref(ref)
    row = incidents.get(conn, number, viewer=viewer(actor), lock=lock)
    if row is None:
        raise NotFound(
            f"{reference(number)} does not exist", hint="`muster list` shows the incidents"
        )
    return row


def require_open(row: Row[Any], doing: str) -> None:
    if row.resolved_at is not None:
        raise Conflict(
            f"{reference(row.number)} is resolved; cannot {doing}",
            hint="record what happened afterwards with `muster log`",
        )


def _shown(moment: datetime, tz: tzinfo) -> str:
    try:
        return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M %Z")
    except (OverflowError, ValueError):  # years at the edge of what datetime can hold
        return moment.isoformat()


#: How far back `--at` may reach: older is a typo (a wrong year), not an incident's record.
MAX_BACKDATE = timedelta(days=366)


def resolve_at(text: str | None, now: datetime, tz: tzinfo, *, field: str = "at") -> datetime:
    """Parse a user's `--at`: it may be back-dated up to a year, never in the future."""
    if text is None or not text.strip():
        return now
    try:
        moment = parse_at(text, now, tz)
        ahead = moment - now
    except ValueError as error:
        message, _, hint = str(error).partition("; ")
        raise InvalidInput(message, hint=hint, field=field) from None
    except OverflowError:
        raise InvalidInput(
            f"{text!r} is too far from now", hint="give a time within the last year", field=field
        ) from None
    if ahead > timedelta(seconds=60):
        raise InvalidInput(
            f"{field} {_shown(moment, tz)} is in the future",
            hint="give a time that has already happened, or leave it out for now",
            field=field,
        )
    if -ahead > MAX_BACKDATE:
        raise InvalidInput(
            f"{field} {_shown(moment, tz)} is more than a year ago",
            hint="check the date; a back-dated time must be within the last year",
            field=field,
        )
    return moment


MAX_TEXT = 10_000


def require_text(
    text: str, field: str, *, hint: str = "write what happened", limit: int = MAX_TEXT
) -> str:
    """`text` stripped, refused when empty or longer than `limit` characters."""
    cleaned = text.strip()
    if not cleaned:
        raise InvalidInput(f"the {field} is empty", hint=hint, field=field)
    if len(cleaned) > limit:
        raise InvalidInput(
            f"the {field} is longer than {limit:,} characters", hint="shorten it", field=field
        )
    return cleaned


def require_severity(plan: Plan, name: str) -> str:
    """The plan's spelling of severity `name`, or a 422 listing the ones there are."""
    severity = plan.severity(name)
    if severity is None:
        raise InvalidInput(
            f"{name!r} is not a severity in the plan",
            hint="use one of: " + ", ".join(s.name for s in plan.severities),
            field="severity",
        )
    return str(severity.name)


def require_service(plan: Plan, name: str, field: str = "service") -> str:
    """The plan's name for service `name`, or a 422 listing the services there are."""
    service = plan.service(name.strip())
    if service is None:
        raise InvalidInput(
            f"{name!r} is not a service in the plan",
            hint="use one of: " + ", ".join(s.name for s in plan.services),
            field=field,
        )
    return str(service.name)


def parse_choice(choices: type[E], value: str, *, field: str, what: str) -> E:
    """`value` as one of a closed set (case and spaces forgiven), or a 422 listing the set."""
    try:
        return choices(value.strip().lower())
    except ValueError:
        raise InvalidInput(
            f"{value!r} is not {what}",
            hint="use one of: " + ", ".join(choices),
            field=field,
        ) from None


def rollback_paths(plan: Plan, services: list[str]) -> list[dict[str, str | None]]:
    """Each service's rollback runbook and when it was last tested: what a commander needs
    before calling a rollback."""
    paths: list[dict[str, str | None]] = []
    for name in services:
        service = plan.service(name)
        if service is not None:
            path = service.rollback
            tested = path.last_tested if path else None
            paths.append(
                {
                    "service": name,
                    "runbook": path.runbook if path else None,
                    "last_tested": tested.isoformat() if tested else None,
                }
            )
    return paths


def refuse(kind: Refusal, message: str, hint: str, field: str = "") -> Exception:
    """Map a domain refusal to the error a person sees."""
    cls = {Refusal.invalid: InvalidInput, Refusal.forbidden: Forbidden}.get(kind, Conflict)
    return cls(message, hint=hint, field=field)


@dataclass
class Pen:
    """Writes timeline entries for one incident inside the action's transaction."""

    conn: Connection
    incident_id: int
    author: str
    now: datetime

    def write(
        self,
        kind: str,
        text: str,
        *,
        at: datetime | None = None,
        data: Mapping[str, Any] | None = None,
        amends: int | None = None,
    ) -> int:
        """One entry; returns its sequence number."""
        [seq] = self.write_all([NewEntry(kind, text, at or self.now, data, amends)])
        return seq

    def write_all(self, entries: Sequence[NewEntry]) -> list[int]:
        """Several entries at once, in order (fewer statements than one `write` each)."""
        return timeline.append(
            self.conn, self.incident_id, entries, author=self.author, recorded_at=self.now
        )
