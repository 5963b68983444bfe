"""Rules that relate parts of a well-formed plan: would this plan work during a real outage?

Errors make a plan unusable (a role nobody can take, a handle that does not exist); warnings
are debts worth fixing (a rollback nobody has tried lately). Every message says what is wrong
and how to fix it. `today` is a parameter so that checks on dates are reproducible.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from muster.domain import oncall
from muster.domain.escalation import target_problem
from muster.domain.guard import check_customer_text
from muster.domain.records import Track
from muster.domain.roles import Role
from muster.domain.templates import placeholders, unknown_message, unknown_placeholders
from muster.plan.loading import Problem
from muster.plan.schema import (
    WEEKDAYS,
    Plan,
    RolePlan,
    Rollback,
    Severity,
    Template,
    template_name_problem,
)

ROLLBACK_MAX_AGE_DAYS = 90


def lint(plan: Plan, today: date) -> list[Problem]:
    """Every cross-field problem of `plan` as of `today` (order: by check, not by file)."""
    checks = (_people, _roles, _role_pairs, _severities, _services, _channels, _templates, _alerts)
    return [problem for check in checks for problem in check(plan, today)]


def _error(path: str, message: str) -> Problem:
    return Problem("error", path, message)


def _warning(path: str, message: str) -> Problem:
    return Problem("warning", path, message)


def _duplicates(section: str, field: str, names: Iterable[str]) -> Iterator[Problem]:
    first: dict[str, int] = {}
    for index, name in enumerate(names):
        key = name.casefold()
        if key in first:
            yield _error(
                f"{section}[{index}].{field}",
                f"{name!r} is already used by {section}[{first[key]}]; "
                f"give each entry its own {field}",
            )
        first.setdefault(key, index)


def _unknown(plan: Plan, path: str, handle: str | None) -> Iterator[Problem]:
    if handle is not None and handle not in plan.handles():
        yield _error(
            path, f"{handle!r} is not a person in people; add {handle} to people or fix the handle"
        )


def _people(plan: Plan, today: date) -> Iterator[Problem]:
    if not plan.people:
        yield _error("people", "nobody is in the plan; add the people who respond to incidents")
    yield from _duplicates("people", "handle", (p.handle for p in plan.people))
    for index, person in enumerate(plan.people):
        if not person.contacts:
            yield _warning(
                f"people[{index}].contacts",
                f"{person.handle!r} has no contacts, so Muster cannot reach them; "
                f"add an Apprise URL like mailto://{person.handle}@example.com",
            )


def _roles(plan: Plan, today: date) -> Iterator[Problem]:
    for role in Role:
        role_plan = plan.role(role)
        path = f"roles.{role}"
        yield from _unknown(plan, f"{path}.primary", role_plan.primary)
        yield from _unknown(plan, f"{path}.backup", role_plan.backup)
        yield from _backup(role, role_plan)
        if role_plan.rotation is not None:
            yield from _rotation(plan, role, role_plan)


def _backup(role: Role, role_plan: RolePlan) -> Iterator[Problem]:
    path = f"roles.{role}"
    rotation = role_plan.rotation
    if role_plan.backup is None:
        if rotation is None or len(set(rotation.people)) < 2:
            who = role_plan.primary or (rotation.people[0] if rotation else "the primary")
            yield _error(
                path,
                f"the {role} has no backup; add `backup: <handle>` so the plan still works "
                f"when {who} is asleep or away",
            )
    elif role_plan.backup == role_plan.primary:
        yield _error(
            f"{path}.backup",
            f"{role_plan.backup!r} is both primary and backup of the {role}; "
            "pick someone else as backup",
        )
    elif rotation is not None and role_plan.backup in rotation.people:
        yield _error(
            f"{path}.backup",
            f"{role_plan.backup!r} is in the {role} rotation, so would back themselves up; "
            "pick someone outside the rotation, or remove backup to use the next person",
        )


def _rotation(plan: Plan, role: Role, role_plan: RolePlan) -> Iterator[Problem]:
    rotation = role_plan.rotation
    assert rotation is not None
    path = f"roles.{role}.rotation"
    for index, handle in enumerate(rotation.people):
        yield from _unknown(plan, f"{path}.people[{index}]", handle)
    if len(rotation.people) == 1:
        yield _warning(
            f"{path}.people",
            f"a rotation of one person never hands off; add people to it "
            f"or write `primary: {rotation.people[0]}` instead",
        )
    weekday = rotation.handoff.weekday
    if weekday is None:
        return
    if rotation.length_days % 7:
        yield _error(
            f"{path}.handoff.weekday",
            f"a handoff on {weekday.title()} needs a length in whole weeks, not "
            f"{rotation.length}; use 1w or 2w, or remove weekday for a daily rotation",
        )
    wanted = WEEKDAYS.index(weekday)
    if rotation.start.weekday() != wanted:
        before = rotation.start - timedelta(days=(rotation.start.weekday() - wanted) % 7)
        yield _error(
            f"{path}.start",
            f"{rotation.start} is a {rotation.start.strftime('%A')} but the handoff is on "
            f"{weekday.title()}; move start to a {weekday.title()}, like {before}",
        )


def _as_rotation(plan: Plan, role_plan: RolePlan) -> oncall.Rotation:
    """Any role plan as a rotation; a fixed primary is a rotation of one that never moves."""
    if role_plan.rotation is not None:
        return role_plan.rotation.to_rotation(plan.team.timezone)
    assert role_plan.primary is not None
    return oncall.Rotation((role_plan.primary,), time(0), 1, date(2000, 1, 3), plan.team.timezone)


def _role_pairs(plan: Plan, today: date) -> Iterator[Problem]:
    """The commander decides and the fixer repairs: one person cannot do both well, and the
    communicator exists to shield the fixer. Fixed primaries are compared directly; with a
    rotation, the schedules are walked from today to find the first time they coincide."""
    pairs = (
        (Role.commander, "must not", "so someone keeps the distance to decide"),
        (Role.communicator, "should not", "so the fixer is not pulled into updates"),
    )
    zone = ZoneInfo(plan.team.timezone)
    since = datetime.combine(today, time(0), tzinfo=zone)
    fixer = plan.role(Role.fixer)
    for role, verb, why in pairs:
        other = plan.role(role)
        head = f"the {role} {verb} also be the fixer"
        if other.rotation is None and fixer.rotation is None:
            if other.primary == fixer.primary:
                make = _error if role is Role.commander else _warning
                yield make(
                    "roles.fixer.primary",
                    f"{head}: {fixer.primary!r} is primary of both; "
                    f"pick another primary for one of them, {why}",
                )
            continue
        shared = oncall.first_shared_primary(
            _as_rotation(plan, other), _as_rotation(plan, fixer), since
        )
        if shared is not None:
            instant, who = shared
            local = instant.astimezone(zone).strftime("%Y-%m-%d %H:%M")
            path = "roles.fixer.rotation" if fixer.rotation else f"roles.{role}.rotation"
            yield _warning(
                path,
                f"{head}: {who!r} holds both from {local} {plan.team.timezone}; "
                f"reorder a rotation or move its start, {why}",
            )


def _severities(plan: Plan, today: date) -> Iterator[Problem]:
    if not plan.severities:
        yield _error(
            "severities",
            "no severities; add at least one, most severe first, like SEV1 with criteria "
            "and a cadence",
        )
    yield from _duplicates("severities", "name", (s.name for s in plan.severities))
    for index, severity in enumerate(plan.severities):
        yield from _escalation(plan, f"severities[{index}]", severity)


def _escalation(plan: Plan, path: str, severity: Severity) -> Iterator[Problem]:
    """Every page target must be someone, every `via` a channel, and the steps in order."""
    channels = {c.name for c in plan.channels}
    previous = None
    for number, step in enumerate(severity.escalation or ()):
        where = f"{path}.escalation[{number}]"
        for index, target in enumerate(step.page):
            problem = target_problem(target, plan.handles())
            if problem is not None:
                yield _error(f"{where}.page[{index}]", problem)
        for index, channel in enumerate(step.via):
            if channel not in channels:
                known = ", ".join(sorted(channels)) or "none yet"
                yield _error(
                    f"{where}.via[{index}]",
                    f"{channel!r} is not a channel in channels; use one of {known}",
                )
        if previous is not None and step.delay <= previous:
            yield _error(
                f"{where}.after",
                f"step {number + 1} pages after {step.after}, not later than the step before; "
                "list the steps in the order they page, each later than the last",
            )
        previous = step.delay
    if severity.page_hours == "working-hours" and plan.team.working_hours is None:
        yield _error(
            f"{path}.page_hours",
            "pages wait for working hours, but the team has none; add "
            'team.working_hours: {days: mon-fri, from: "09:00", until: "18:00"}',
        )


def _services(plan: Plan, today: date) -> Iterator[Problem]:
    if not plan.services:
        yield _error(
            "services",
            "no services; add the things that can break, each with owners and a rollback",
        )
    yield from _duplicates("services", "name", (s.name for s in plan.services))
    for index, service in enumerate(plan.services):
        path = f"services[{index}]"
        if not service.owners:
            yield _error(
                f"{path}.owners",
                f"{service.name!r} has no owners; add at least one handle from people",
            )
        for number, owner in enumerate(service.owners):
            yield from _unknown(plan, f"{path}.owners[{number}]", owner)
        yield from _rollback(path, service.name, service.rollback, today)


def _rollback(path: str, name: str, rollback: Rollback | None, today: date) -> Iterator[Problem]:
    if rollback is None:
        yield _warning(
            f"{path}.rollback",
            f"{name!r} has no rollback; add `rollback: {{runbook: <url>, "
            "last_tested: YYYY-MM-DD}` so the commander can decide to roll back",
        )
        return
    tested = rollback.last_tested
    where = f"{path}.rollback.last_tested"
    if tested is None:
        yield _warning(
            where, f"the rollback of {name!r} was never tested; try it and set last_tested"
        )
    elif tested > today:
        yield _error(
            where,
            f"{tested} is in the future (today is {today}); "
            "set the date the rollback was actually tested",
        )
    elif (age := (today - tested).days) > ROLLBACK_MAX_AGE_DAYS:
        yield _warning(
            where,
            f"the rollback of {name!r} was last tested on {tested}, {age} days ago; "
            f"test it again and update last_tested (every {ROLLBACK_MAX_AGE_DAYS} days)",
        )


def _channels(plan: Plan, today: date) -> Iterator[Problem]:
    if not plan.channels:
        yield _warning(
            "channels",
            "no channels, so updates reach nobody; add one like "
            "{name: incidents, url: 'mailto://incidents@example.com', tracks: [internal]}",
        )
    yield from _duplicates("channels", "name", (c.name for c in plan.channels))


def _templates(plan: Plan, today: date) -> Iterator[Problem]:
    """Templates are filled in during an outage, in front of customers: every mistake that
    can be found now must be, so `render` never fails when it matters."""
    for name, template in plan.templates.items():
        path = f"templates.{name}"
        problem = template_name_problem(name)
        if problem is not None:
            yield _error(path, problem)
        yield from _template_text(f"{path}.text", template)
        if template.status is not None and template.track is Track.internal:
            yield _error(
                f"{path}.status",
                "only customer updates carry a public status word; remove status "
                "from this internal template",
            )
        for index, severity in enumerate(template.severities):
            if plan.severity(severity) is None:
                known = ", ".join(s.name for s in plan.severities) or "none yet"
                yield _error(
                    f"{path}.severities[{index}]",
                    f"{severity!r} is not a severity in the plan; use one of {known}, "
                    "or leave severities empty for all",
                )
        if template.track is Track.customer:
            yield from _customer_text(plan, f"{path}.text", template)


def _template_text(path: str, template: Template) -> Iterator[Problem]:
    try:
        unknown = unknown_placeholders(template.text)
    except ValueError as error:
        yield _error(path, str(error))
        return
    for name in unknown:
        yield _error(path, unknown_message(name))


def _customer_text(plan: Plan, path: str, template: Template) -> Iterator[Problem]:
    for finding in check_customer_text(template.text, terms=plan.guard.terms, internal_texts=()):
        yield _warning(path, finding.message)
    if template.status == "resolved":
        return
    try:
        used = placeholders(template.text)
    except ValueError:
        return  # already an error
    if "next_update" not in used and "next_update_in" not in used:
        yield _warning(
            path,
            "this update does not say when the next one comes; add {next_update_in} "
            "or {next_update}, like: We will post another update in {next_update_in}.",
        )


def _alerts(plan: Plan, today: date) -> Iterator[Problem]:
    """Integrations and routes: a bad route would only show when alerts arrive, in an outage."""
    yield from _duplicates("integrations", "name", (i.name for i in plan.integrations))
    if plan.integrations and not plan.routes:
        yield _warning(
            "routes",
            "no routes, so every alert waits unrouted for a person; add one like "
            "{match: {severity: critical}, severity: SEV1}",
        )
    for index, route in enumerate(plan.routes):
        path = f"routes[{index}]"
        if plan.severity(route.severity) is None:
            known = ", ".join(s.name for s in plan.severities) or "none yet"
            yield _error(
                f"{path}.severity",
                f"{route.severity!r} is not a severity in the plan; use one of {known}",
            )
        if route.service is not None and plan.service(route.service) is None:
            known = ", ".join(s.name for s in plan.services) or "none yet"
            yield _error(
                f"{path}.service",
                f"{route.service!r} is not a service in the plan; use one of {known}, or "
                "leave service out to take the alert's service label",
            )
        for label, pattern in route.match_re.items():
            try:
                re.compile(pattern)
            except re.error as error:
                yield _error(
                    f"{path}.match_re.{label}",
                    f"{pattern!r} is not a regular expression ({error}); fix it, or use "
                    "match for an exact value",
                )
        if not route.match and not route.match_re and index < len(plan.routes) - 1:
            yield _warning(
                path,
                "this route matches every alert, so the routes after it are never used; "
                "move it last",
            )
