"""The escalation policy in the plan (precise errors for each mistake) and the pure rules:
working hours across DST, day ranges, who a step's targets are."""

from __future__ import annotations

import re
from datetime import UTC, datetime, time, timedelta

import pytest

from muster.domain.escalation import (
    WorkingWeek,
    due_steps,
    parse_days,
    resolve,
    step_due,
    working_start,
)
from muster.domain.roles import Role
from muster.plan import example_plan_text, lint, parse_plan
from muster.plan.schema import DEFAULT_ESCALATION

WEEK = WorkingWeek(parse_days("mon-fri"), time(9), time(18), "Europe/Berlin")
SEV2_CADENCE = "    cadence: { internal: 30m, customer: 1h }\n"


def problems(escalation: str = "", team: str = "", no_hours: bool = False) -> list[str]:
    text = example_plan_text()
    text = text.replace(SEV2_CADENCE, SEV2_CADENCE + escalation, 1)
    if team:
        text = re.sub(r"  working_hours: .*\n", team, text, count=1)
    if no_hours:  # SEV3 still pages in working hours only
        text = re.sub(r"  working_hours: .*\n", "", text, count=1)
    plan, found = parse_plan(text)
    if plan is not None:
        found += lint(plan, datetime(2026, 11, 20).date())
    return [str(p) for p in found if p.level == "error"]


def test_a_severity_without_escalation_pages_the_commander_then_their_backup_after_5m() -> None:
    assert problems() == []
    plan, _ = parse_plan(example_plan_text())
    assert plan is not None
    assert plan.severities[0].escalation is not None  # the example shows the field
    steps = plan.severities[1].escalation_steps()
    assert steps == DEFAULT_ESCALATION
    assert [(s.page, s.delay) for s in steps] == [
        (["commander"], timedelta(0)),
        (["commander-backup"], timedelta(minutes=5)),
    ]


def test_each_escalation_mistake_is_named_with_its_path_and_fix() -> None:
    found = problems(
        "    escalation:\n"
        "      - {page: commander, after: 0}\n"
        "      - {page: [boss, fixer-backup], after: 15m, via: ['#pagerduty']}\n"
        "      - {page: dan, after: 10m}\n",
        no_hours=True,
    )
    assert found == [
        "severities[1].escalation[1].page[0]: 'boss' is not a role, a role's backup "
        "or a person; use commander, communicator or fixer (add -backup for their backup), or "
        "a handle from people",
        "severities[1].escalation[1].via[0]: 'pagerduty' is not a channel in "
        "channels; use one of customers, incidents, leadership",
        "severities[1].escalation[2].after: step 3 pages after 10m, not later than "
        "the step before; list the steps in the order they page, each later than the last",
        "severities[2].page_hours: pages wait for working hours, but the team has "
        'none; add team.working_hours: {days: mon-fri, from: "09:00", until: "18:00"}',
    ]


@pytest.mark.parametrize(
    ("escalation", "team", "message"),
    [
        ("    escalation:\n      - {page: commander, after: 5}\n", "", "has no unit"),
        ("    escalation:\n      - {page: commander, after: soon}\n", "", "0m means at once"),
        ("    escalation:\n      - {page: [], after: 5m}\n", "", "add at least one item"),
        ("    escalation:\n      - {page: commander, after: 5m, to: x}\n", "", "to"),
        ("", '  working_hours: {days: mon-fry, from: "09:00", until: "18:00"}\n', "'fry'"),
        ("", '  working_hours: {from: "18:00", until: "09:00"}\n', "end (09:00) before"),
        ("", '  working_hours: {from: "9", until: "18:00"}\n', "HH:MM"),
    ],
)
def test_malformed_escalation_or_working_hours_are_refused(
    escalation: str, team: str, message: str
) -> None:
    found = problems(escalation, team)
    assert len(found) == 1 and message in found[0], found


def test_working_hours_start_is_a_local_time_across_both_dst_changes() -> None:
    saturday = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)  # clocks go forward on Sunday
    assert working_start(WEEK, saturday) == datetime(2026, 3, 30, 7, 0, tzinfo=UTC)
    autumn = datetime(2026, 10, 24, 12, 0, tzinfo=UTC)  # clocks go back on Sunday
    assert working_start(WEEK, autumn) == datetime(2026, 10, 26, 8, 0, tzinfo=UTC)
    inside = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    assert working_start(WEEK, inside) == inside
    evening = datetime(2026, 11, 20, 17, 30, tzinfo=UTC)  # Friday 18:30 in Berlin
    assert working_start(WEEK, evening) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)


def test_steps_are_due_from_the_start_and_wait_for_working_hours() -> None:
    start = datetime(2026, 11, 20, 16, 50, tzinfo=UTC)  # Friday 17:50 in Berlin
    delays = [timedelta(0), timedelta(minutes=5), timedelta(minutes=15)]
    assert step_due(start, delays[2], WEEK) == datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
    assert due_steps(start, delays, None, {0}, start + timedelta(minutes=5)) == [1]
    assert due_steps(start, delays, WEEK, {0}, start + timedelta(minutes=20)) == [1]


def test_day_ranges_lists_and_mistakes() -> None:
    assert parse_days("mon-fri") == {0, 1, 2, 3, 4}
    assert parse_days("fri-mon") == {4, 5, 6, 0}
    assert parse_days("Monday,wed") == {0, 2}
    for bad in ("", "mon-", "funday", "mon,,tue"):
        with pytest.raises(ValueError, match="write days like mon-fri"):
            parse_days(bad)


def test_targets_resolve_to_the_incidents_wearers_each_person_once() -> None:
    wearers = {Role.commander: "dan", Role.communicator: "carol", Role.fixer: "erin"}
    backups = {Role.commander: "alice", Role.communicator: None, Role.fixer: "bob"}
    assert resolve(
        ["commander", "communicator-backup", "dan", "fixer-backup", "alice"], wearers, backups
    ) == [
        ("dan", "commander"),
        ("bob", "fixer-backup"),
        ("alice", "named in the escalation"),
    ]
