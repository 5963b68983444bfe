"""What every action shares: who acts, the clock, the plan in force, and the timeline pen."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, Row

from muster.domain.timeparse import parse_at
from muster.errors import Conflict, Forbidden, InvalidInput, NotFound
from muster.plan import Plan, parse_plan
from muster.storage import incidents, records, timeline
from muster.storage.db import Database

E = TypeVar("E", bound=StrEnum)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    """The database and the clock, handed to every action (tests hand in their own clock)."""

    db: Database
    clock: Callable[[], datetime] = utc_now
    _plans: dict[int, Plan] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def plan(self, version: int, source: str) -> Plan:
        """The parsed plan of one version; versions never change, so parse each once."""
        with self._lock:
            cached = self._plans.get(version)
        if cached is not None:
            return cached
        plan, problems = parse_plan(source)
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
    row = records.latest_plan(conn) if version is None else records.plan_version(conn, version)
    if row is None:
        raise Conflict(
            "no plan has been applied to this server yet",
            hint="apply one with `muster plan apply muster.yaml` (write one with `muster init`)",
        )
    return PlanInForce(row.version, rt.plan(row.version, row.source))


_REF = re.compile(r"^\s*(?:inc-?)?(\d{1,9})\s*$", re.IGNORECASE)


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


def is_participant(conn: Connection, row: Row[Any], actor: Actor) -> bool:
    """Private incidents are for the people in them: role holders, backups, the declarer."""
    if not row.private or actor.admin or row.declared_by == actor.handle:
        return True
    for role in incidents.roles_of(conn, [row.id])[row.id].values():
        if actor.handle in (role.holder, role.backup, role.pending_to):
            return True
    return False


def load_incident(
    conn: Connection, ref: str | int, actor: Actor, *, lock: bool = False
) -> Row[Any]:
    """The incident named by `ref`, locked for writing if asked; 404 when unknown or unseen."""
    number = parse_ref(ref)
    row = incidents.get(conn, number, lock=lock)
    if row is None or not is_participant(conn, row, actor):
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


def resolve_at(text: str | None, now: datetime, tz: tzinfo, *, field: str = "at") -> datetime:
    """Parse a user's `--at`; it may be back-dated but never in the future."""
    if text is None or not text.strip():
        return now
    try:
        moment = parse_at(text, now, tz)
    except ValueError as error:
        message, _, hint = str(error).partition("; ")
        raise InvalidInput(message, hint=hint, field=field) from None
    if (moment - now).total_seconds() > 60:
        raise InvalidInput(
            f"{field} {moment.astimezone(tz):%Y-%m-%d %H:%M %Z} is in the future",
            hint="give a time that has already happened, or leave it out for now",
            field=field,
        )
    return moment


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


def refuse(kind: str, message: str, hint: str, field: str = "") -> Exception:
    """Map a domain refusal to the error a person sees."""
    cls = {"invalid": InvalidInput, "forbidden": Forbidden}.get(kind, Conflict)
    return cls(message, hint=hint, field=field)


@dataclass
class Pen:
    """Writes timeline entries for one incident inside the action's transaction."""

    conn: Connection
    incident_id: int
    author: str
    now: datetime
    written: list[int] = field(default_factory=list)

    def write(
        self,
        kind: str,
        text: str,
        *,
        at: datetime | None = None,
        data: Mapping[str, Any] | None = None,
        amends: int | None = None,
    ) -> int:
        seq = timeline.append(
            self.conn,
            self.incident_id,
            kind=kind,
            text=text,
            author=self.author,
            occurred_at=at or self.now,
            recorded_at=self.now,
            data=data,
            amends=amends,
        )
        self.written.append(seq)
        return seq
