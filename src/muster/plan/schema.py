"""The shape of `muster.yaml`, as pydantic models, plus the lookups the rest of the app uses.

The schema checks each value on its own (types, formats, required keys, unknown keys so that
typos fail loudly); rules that relate values to each other (handles that exist, a backup for
every role, commander never the fixer, ...) live in `plan.lint`, so one run reports them all.
Durations stay the strings people wrote (`10m`) and are checked with `parse_duration`.
"""

from __future__ import annotations

import datetime as dt
import re
from datetime import date, datetime, timedelta
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from muster.domain import oncall
from muster.domain.durations import parse_duration
from muster.domain.escalation import WorkingWeek, parse_days
from muster.domain.records import Track  # one enum for the tracks, here and in the database
from muster.domain.roles import Role

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_HANDLE = re.compile(r"^[a-z][a-z0-9_-]*$")
_SLUG = re.compile(r"^[a-z][a-z0-9-]*$")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _handle(value: str) -> str:
    if not _HANDLE.match(value):
        raise ValueError(
            f"{value!r} is not a handle; use lowercase letters, digits, - and _, "
            "starting with a letter, like alice"
        )
    return value


def _slug(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a service name; use lowercase letters, digits and -, "
            "starting with a letter, like auth or billing-api"
        )
    return value


def _timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"{value!r} is not an IANA timezone; use a name like Europe/Berlin, "
            "America/New_York or UTC"
        ) from None
    return value


def _url(value: str) -> str:
    if "://" not in value:
        raise ValueError(
            f"{value!r} is not an Apprise URL; write it with a scheme, "
            "like mailto://alice@example.com or json://hooks.example.com/muster"
        )
    return value


def _hhmm(value: object) -> object:
    # Unquoted YAML 1.1 reads 10:30 as the base-60 number 630 (but 09:00 as text): say so.
    if isinstance(value, int) and not isinstance(value, bool):
        hours, minutes = divmod(value, 60)
        raise ValueError(
            f"{hours}:{minutes:02d} was read as a number; put the time in quotes, "
            f'like "{hours:02d}:{minutes:02d}"'
        )
    if isinstance(value, str) and not _HHMM.match(value.strip()):
        raise ValueError(f'{value!r} is not a time; write it as HH:MM in 24 hours, like "09:00"')
    return value.strip() if isinstance(value, str) else value


def _duration(label: str) -> AfterValidator:
    def check(value: str) -> str:
        try:
            parse_duration(value)
        except ValueError as error:
            raise ValueError(f"the {label} {error}") from None
        return value

    return AfterValidator(check)


def _whole_days(value: str) -> str:
    if parse_duration(value) % timedelta(days=1):
        raise ValueError(
            f"the rotation length {value!r} is not a whole number of days; use 1d, 1w or 2w"
        )
    return value


Weekday = Literal["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
Handle = Annotated[str, AfterValidator(_handle)]
Timezone = Annotated[str, AfterValidator(_timezone)]
Url = Annotated[str, AfterValidator(_url)]


class Model(BaseModel):
    """Base of every plan model: unknown keys are errors (a typo must not pass silently)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def _days(value: str) -> str:
    parse_days(value)  # raises ValueError with the accepted forms
    return value


class WorkingHours(Model):
    """When the team works, in the team timezone: pages of severities with
    `page_hours: working-hours` wait for it."""

    days: Annotated[str, AfterValidator(_days)] = "mon-fri"
    start: Annotated[str, BeforeValidator(_hhmm)] = Field(alias="from")
    until: Annotated[str, BeforeValidator(_hhmm)]

    @model_validator(mode="after")
    def _ends_after_start(self) -> WorkingHours:
        if _clock(self.until) <= _clock(self.start):
            raise ValueError(
                f"working hours end ({self.until}) before they start ({self.start}); "
                "give until a later time on the same day"
            )
        return self

    def to_domain(self, timezone: str) -> WorkingWeek:
        return WorkingWeek(
            days=parse_days(self.days),
            start=_clock(self.start),
            until=_clock(self.until),
            timezone=timezone,
        )


class Team(Model):
    name: str = Field(min_length=1)
    timezone: Timezone
    working_hours: WorkingHours | None = None


class Person(Model):
    handle: Handle
    name: str = Field(min_length=1)
    timezone: Timezone | None = None
    contacts: list[Url] = Field(default_factory=list)


def _clock(text: str) -> dt.time:
    hours, minutes = text.split(":")
    return dt.time(int(hours), int(minutes))


class Handoff(Model):
    """When a rotation changes hands: a weekday (none for daily) and a local time."""

    weekday: Weekday | None = None
    time: Annotated[str, BeforeValidator(_hhmm)]

    @property
    def local_time(self) -> dt.time:
        hours, minutes = self.time.split(":")
        return dt.time(int(hours), int(minutes))


class RotationPlan(Model):
    people: list[Handle] = Field(min_length=1)
    handoff: Handoff
    length: Annotated[str, _duration("rotation length"), AfterValidator(_whole_days)]
    start: date

    @property
    def length_days(self) -> int:
        return parse_duration(self.length).days

    def to_rotation(self, timezone: str) -> oncall.Rotation:
        """The rotation as the domain computes it, handing off in `timezone` (the team's)."""
        return oncall.Rotation(
            people=tuple(self.people),
            handoff_time=self.handoff.local_time,
            length_days=self.length_days,
            start=self.start,
            timezone=timezone,
        )


class RolePlan(Model):
    """Who holds one role: a fixed `primary` or a `rotation`, and optionally a `backup`."""

    primary: Handle | None = None
    backup: Handle | None = None
    rotation: RotationPlan | None = None

    @model_validator(mode="after")
    def _primary_or_rotation(self) -> RolePlan:
        if self.primary is None and self.rotation is None:
            raise ValueError("give the role a primary (a handle) or a rotation")
        if self.primary is not None and self.rotation is not None:
            raise ValueError("give the role a primary or a rotation, not both; remove one")
        return self


class Roles(Model):
    commander: RolePlan
    communicator: RolePlan
    fixer: RolePlan


class Cadence(Model):
    """How often updates are due on each track while an incident of this severity is open."""

    internal: Annotated[str, _duration("internal cadence")]
    customer: Annotated[str, _duration("customer cadence")]


def _one_or_many(value: object) -> object:
    return [value] if isinstance(value, str) else value


_ZERO = re.compile(r"^\s*0+\s*[smhdw]?\s*$")


def _delay(value: object) -> object:
    """An escalation delay: a duration, or zero (`0m`, `0`) for at once."""
    if value == 0 and not isinstance(value, bool):
        return "0m"
    if isinstance(value, int) and not isinstance(value, bool):
        raise ValueError(f"the escalation delay {value} has no unit; write it like {value}m")
    if isinstance(value, str) and not _ZERO.match(value):
        try:
            parse_duration(value)
        except ValueError as error:
            raise ValueError(f"the escalation delay {error}; 0m means at once") from None
    return value


class EscalationStep(Model):
    """Who is paged `after` this long unacknowledged: roles (`commander`, `fixer-backup`...)
    or handles, through their contacts, and optionally the channels named in `via`."""

    page: Annotated[list[str], BeforeValidator(_one_or_many), Field(min_length=1)]
    after: Annotated[str, BeforeValidator(_delay)]
    via: list[Annotated[str, AfterValidator(lambda v: v.strip().lstrip("#"))]] = Field(
        default_factory=list
    )

    @property
    def delay(self) -> timedelta:
        return timedelta(0) if _ZERO.match(self.after) else parse_duration(self.after)


#: Without an `escalation`, a severity pages the commander at once and their backup after 5m.
DEFAULT_ESCALATION = (
    EscalationStep(page=["commander"], after="0m"),
    EscalationStep(page=["commander-backup"], after="5m"),
)


class Severity(Model):
    name: str = Field(min_length=1)
    description: str = ""
    criteria: list[str] = Field(min_length=1)
    cadence: Cadence
    # Whether an alert routed to this severity opens an incident at once (true) or waits,
    # listed by `muster alerts`, for a person to declare from it (false).
    open_on_alert: bool = True

    escalation: list[EscalationStep] | None = None
    page_hours: Literal["always", "working-hours"] = "always"

    def escalation_steps(self) -> tuple[EscalationStep, ...]:
        return tuple(self.escalation) if self.escalation else DEFAULT_ESCALATION

    def cadence_for(self, track: str) -> timedelta:
        """The update interval on `track` (`internal` or `customer`)."""
        return parse_duration(getattr(self.cadence, Track(track).value))


class Rollback(Model):
    runbook: str = Field(min_length=1)
    last_tested: date | None = None


class Service(Model):
    name: Annotated[str, AfterValidator(_slug)]
    description: str = ""
    owners: list[Handle] = Field(default_factory=list)
    rollback: Rollback | None = None
    status_component: str | None = None
    freeze_on_incident: bool = True


class Channel(Model):
    name: str = Field(min_length=1)
    url: Url
    tracks: list[Track] = Field(default_factory=lambda: [Track.internal])


def template_name_problem(name: str) -> str | None:
    """What is wrong with `name` as a template name, or None. Checked by lint rather than the
    schema, so the problem's path is `templates.<name>` (pydantic would add `[key]`)."""
    if _SLUG.match(name):
        return None
    return (
        f"{name!r} is not a template name; use lowercase letters, digits and -, "
        "starting with a letter, like investigating-customer"
    )


def _scenario(value: str) -> str:
    if not _SLUG.match(value):
        raise ValueError(
            f"{value!r} is not a scenario name; use lowercase letters, digits and -, "
            "starting with a letter, like login, or any for every incident"
        )
    return value


def _term(value: str) -> str:
    if not value.strip():
        raise ValueError("an empty term matches nothing; remove it or write the internal word")
    return value.strip()


CustomerStatusWord = Literal["investigating", "identified", "monitoring", "resolved"]


class Template(Model):
    """A pre-approved message for one track, written in a calm week and filled in during an
    outage. `text` takes `{placeholders}` (see `muster.domain.templates.PLACEHOLDERS`);
    `scenario` and `severities` say when it applies (`any` and empty: always); `status` is
    the public status word a customer update from it carries."""

    track: Track
    text: str = Field(min_length=1)
    scenario: Annotated[str, AfterValidator(_scenario)] = "any"
    severities: list[str] = Field(default_factory=list)
    status: CustomerStatusWord | None = None

    def applies_to(self, severity: str, scenario: str | None = None) -> bool:
        """Whether this template fits an incident of `severity` (ignoring case) and
        `scenario` (None: an incident with no scenario, which only `any` templates fit)."""
        wanted = severity.strip().casefold()
        if self.severities and wanted not in {s.casefold() for s in self.severities}:
            return False
        return self.scenario == "any" or self.scenario == scenario


class Guard(Model):
    """What the customer-track guard looks for beyond its built-in checks."""

    terms: list[Annotated[str, AfterValidator(_term)]] = Field(default_factory=list)


def _integration_name(value: str) -> str:
    if not _SLUG.match(value) or value == "hello":  # /hooks/hello is the benchmark ceiling
        raise ValueError(
            f"{value!r} is not an integration name; use lowercase letters, digits and -, "
            "starting with a letter, like alertmanager (hello is reserved)"
        )
    return value


class Integration(Model):
    """A monitoring tool that posts alerts to `/hooks/<name>`. Its secret is not here (this
    file lives in a repository): the server makes one, shown by `muster integrations`."""

    name: Annotated[str, AfterValidator(_integration_name)]
    kind: Literal["alertmanager", "grafana", "generic"]
    auth: Literal["bearer", "path"] = "bearer"


class Route(Model):
    """Alerts whose labels equal every `match` value and fully match every `match_re`
    pattern go to `severity` on `service` (none: the alert's `service` label, when it names
    a service). Routes are tried in order; the first that matches wins."""

    match: dict[str, str] = Field(default_factory=dict)
    match_re: dict[str, str] = Field(default_factory=dict)
    service: str | None = None
    severity: str


class Plan(Model):
    """A whole `muster.yaml`. Valid here means well-formed; `plan.lint` checks the rest."""

    version: Literal[1]
    team: Team
    people: list[Person] = Field(default_factory=list)
    roles: Roles
    severities: list[Severity] = Field(default_factory=list)
    services: list[Service] = Field(default_factory=list)
    channels: list[Channel] = Field(default_factory=list)
    templates: dict[str, Template] = Field(default_factory=dict)
    guard: Guard = Guard()
    integrations: list[Integration] = Field(default_factory=list)
    routes: list[Route] = Field(default_factory=list)

    def person(self, handle: str) -> Person | None:
        return next((p for p in self.people if p.handle == handle), None)

    def handles(self) -> set[str]:
        return {p.handle for p in self.people}

    def severity(self, name: str) -> Severity | None:
        """The severity named `name`, ignoring case (`sev1` finds `SEV1`)."""
        wanted = name.strip().casefold()
        return next((s for s in self.severities if s.name.casefold() == wanted), None)

    def service(self, name: str) -> Service | None:
        """The service named `name`, ignoring case and spaces around it (`Auth` finds `auth`)."""
        wanted = name.strip().casefold()
        return next((s for s in self.services if s.name == wanted), None)

    def integration(self, name: str) -> Integration | None:
        return next((i for i in self.integrations if i.name == name), None)

    def template(self, name: str) -> Template | None:
        """The template named `name` (names are lowercase slugs: `Login-Customer` finds
        `login-customer`)."""
        return self.templates.get(name.strip().lower())

    def templates_for(
        self, track: Track | str, severity: str, scenario: str | None = None
    ) -> list[tuple[str, Template]]:
        """The templates the communicator can use on `track` for an incident of `severity`
        (and `scenario`, if it has one), most specific first: the scenario's own before `any`,
        then those naming the severity before those for all, then in file order."""
        wanted = Track(track)
        fitting = [
            (name, template)
            for name, template in self.templates.items()
            if template.track == wanted and template.applies_to(severity, scenario)
        ]
        return sorted(fitting, key=lambda pair: (pair[1].scenario == "any", not pair[1].severities))

    def role(self, role: Role) -> RolePlan:
        plan: RolePlan = getattr(self.roles, Role(role).value)
        return plan

    def on_call(self, role: Role, at: datetime) -> tuple[str, str | None]:
        """(primary, backup) of `role` at the aware instant `at`.

        With a rotation the backup is the plan's `backup` if given (and not the primary at
        that moment), else the next person in the rotation; None when nobody is left.
        """
        plan = self.role(role)
        if plan.rotation is None:
            assert plan.primary is not None  # guaranteed by RolePlan's validator
            return plan.primary, plan.backup
        primary, following = oncall.on_call(plan.rotation.to_rotation(self.team.timezone), at)
        for backup in (plan.backup, following):
            if backup is not None and backup != primary:
                return primary, backup
        return primary, None
