"""The plan file: schema problems with paths, lint rules with fixes, lookups, the example."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from muster.domain.roles import Role
from muster.plan import Plan, Problem, check_plan, example_plan_text, load_plan_file, parse_plan

TODAY = date(2026, 11, 23)
WEEKLY = {"handoff": {"weekday": "monday", "time": "09:00"}, "length": "1w", "start": "2026-01-05"}


def plan_data() -> dict[str, Any]:
    """A small plan that checks clean; tests break one thing at a time."""
    return {
        "version": 1,
        "team": {"name": "Acme", "timezone": "Europe/Berlin"},
        "people": [
            {"handle": h, "name": h.title(), "contacts": [f"mailto://{h}@example.com"]}
            for h in ("alice", "bob", "carol", "dan", "erin")
        ],
        "roles": {
            "commander": {"primary": "alice", "backup": "bob"},
            "communicator": {"rotation": {"people": ["carol", "dan"], **WEEKLY}},
            "fixer": {"primary": "erin", "backup": "bob"},
        },
        "severities": [
            {
                "name": "SEV1",
                "description": "Customers cannot use a core feature",
                "criteria": ["Login fails for more than 5% of requests"],
                "cadence": {"internal": "10m", "customer": "15m"},
            }
        ],
        "services": [
            {
                "name": "auth",
                "owners": ["erin", "alice"],
                "rollback": {
                    "runbook": "https://wiki.example.com/auth",
                    "last_tested": "2026-10-01",
                },
            }
        ],
        "channels": [{"name": "incidents", "url": "mailto://incidents@example.com"}],
        "templates": {},
    }


def check(data: dict[str, Any]) -> list[str]:
    _, problems = check_plan(yaml.safe_dump(data, sort_keys=False), TODAY)
    return [str(p) for p in problems]


def plan(data: dict[str, Any] | None = None) -> Plan:
    parsed, problems = parse_plan(yaml.safe_dump(data or plan_data(), sort_keys=False))
    assert parsed is not None, problems
    return parsed


def test_the_small_plan_checks_clean() -> None:
    assert check(plan_data()) == []


def test_the_example_plan_checks_with_no_errors_and_no_warnings() -> None:
    parsed, problems = check_plan(example_plan_text(), TODAY)
    assert parsed is not None
    assert problems == []


def test_the_example_never_makes_the_commander_the_fixer() -> None:
    example = plan(yaml.safe_load(example_plan_text()))
    at = datetime(2026, 1, 1, tzinfo=UTC)
    for _ in range(60):
        assert example.on_call(Role.commander, at)[0] != example.on_call(Role.fixer, at)[0]
        at += timedelta(days=3, hours=5)


# Schema problems: a dotted path and a plain-English fix.


def test_a_bad_handle_is_reported_at_its_path() -> None:
    data = plan_data()
    data["people"][2]["handle"] = "Carol"
    assert check(data)[0] == (
        "people[2].handle: 'Carol' is not a handle; use lowercase letters, digits, - and _, "
        "starting with a letter, like alice"
    )


def test_a_bad_duration_names_the_field() -> None:
    data = plan_data()
    data["severities"][0]["cadence"]["customer"] = "15 minutes"
    assert check(data) == [
        "severities[0].cadence.customer: the customer cadence '15 minutes' is not a duration; "
        "write a number and a unit, like 90s, 10m, 1h30m, 2d or 1w"
    ]


def test_a_misspelled_key_is_an_error_listing_the_known_keys() -> None:
    data = plan_data()
    data["services"][0]["owner"] = data["services"][0].pop("owners")
    assert check(data) == [
        "services[0].owner: unknown key 'owner'; fix its spelling or remove it (known keys: "
        "name, description, owners, rollback, status_component, freeze_on_incident)"
    ]


def test_every_role_is_required() -> None:
    data = plan_data()
    del data["roles"]["fixer"]
    assert check(data) == [
        "roles.fixer: 'fixer' is missing; add the fixer with a primary and a backup, or a rotation"
    ]


def test_a_role_takes_a_primary_or_a_rotation_not_both() -> None:
    data = plan_data()
    data["roles"]["communicator"]["primary"] = "carol"
    assert check(data) == [
        "roles.communicator: give the role a primary or a rotation, not both; remove one"
    ]


def test_an_unknown_track_is_an_error() -> None:
    data = plan_data()
    data["channels"][0]["tracks"] = ["internal", "custmer"]
    assert check(data) == [
        "channels[0].tracks[1]: 'custmer' is not allowed; use 'internal' or 'customer'"
    ]


def test_an_unquoted_time_read_as_a_number_asks_for_quotes() -> None:
    text = yaml.safe_dump(plan_data(), sort_keys=False).replace("09:00", "10:30")
    assert "time: 10:30" in text
    assert [str(p) for p in parse_plan(text)[1]] == [
        "roles.communicator.rotation.handoff.time: 10:30 was read as a number; "
        'put the time in quotes, like "10:30"'
    ]


def test_a_rotation_length_must_be_whole_days() -> None:
    data = plan_data()
    data["roles"]["communicator"]["rotation"]["length"] = "36h"
    assert check(data) == [
        "roles.communicator.rotation.length: the rotation length '36h' is not a whole number "
        "of days; use 1d, 1w or 2w"
    ]


def test_an_unknown_timezone_is_an_error() -> None:
    data = plan_data()
    data["team"]["timezone"] = "Berlin"
    assert check(data) == [
        "team.timezone: 'Berlin' is not an IANA timezone; use a name like Europe/Berlin, "
        "America/New_York or UTC"
    ]


def test_a_yaml_syntax_error_is_one_problem_with_its_line() -> None:
    plan_, problems = parse_plan("version: 1\nteam: {name: Acme\npeople: []\n")
    assert plan_ is None
    assert [p.path for p in problems] == ["line 3"]
    assert problems[0].level == "error"


def test_a_key_written_twice_is_an_error() -> None:
    _, problems = parse_plan("version: 1\nversion: 1\n")
    assert [str(p) for p in problems] == [
        "line 2: the key 'version' appears twice at column 1; keep one of them"
    ]


def test_schema_problems_come_in_file_order() -> None:
    data = plan_data()
    data["services"][0]["name"] = "Auth"
    data["people"][1]["handle"] = "Bob"
    data["team"]["timezone"] = "Nowhere"
    paths = [p.split(":")[0] for p in check(data)]
    assert paths == ["team.timezone", "people[1].handle", "services[0].name"]


# Lint: references, backups, the commander and the fixer, rotations, rollbacks.


def test_an_unknown_handle_is_an_error() -> None:
    data = plan_data()
    data["roles"]["fixer"]["backup"] = "zoe"
    assert check(data) == [
        "roles.fixer.backup: 'zoe' is not a person in people; add zoe to people or fix the handle"
    ]


def test_unknown_owners_and_rotation_people_are_errors() -> None:
    data = plan_data()
    data["services"][0]["owners"] = ["erin", "zed"]
    data["roles"]["communicator"]["rotation"]["people"] = ["carol", "carl"]
    assert check(data) == [
        "roles.communicator.rotation.people[1]: 'carl' is not a person in people; "
        "add carl to people or fix the handle",
        "services[0].owners[1]: 'zed' is not a person in people; "
        "add zed to people or fix the handle",
    ]


def test_a_role_without_a_backup_is_an_error() -> None:
    data = plan_data()
    del data["roles"]["fixer"]["backup"]
    assert check(data) == [
        "roles.fixer: the fixer has no backup; add `backup: <handle>` so the plan still works "
        "when erin is asleep or away"
    ]


def test_a_rotation_of_two_supplies_the_backup() -> None:
    data = plan_data()
    assert "backup" not in data["roles"]["communicator"]
    assert check(data) == []


def test_backup_equal_to_primary_is_an_error() -> None:
    data = plan_data()
    data["roles"]["fixer"]["backup"] = "erin"
    assert check(data) == [
        "roles.fixer.backup: 'erin' is both primary and backup of the fixer; "
        "pick someone else as backup"
    ]


def test_a_backup_inside_its_own_rotation_is_an_error() -> None:
    data = plan_data()
    data["roles"]["communicator"]["backup"] = "dan"
    assert check(data) == [
        "roles.communicator.backup: 'dan' is in the communicator rotation, so would back "
        "themselves up; pick someone outside the rotation, or remove backup to use the next person"
    ]


def test_the_same_fixed_primary_for_commander_and_fixer_is_an_error() -> None:
    data = plan_data()
    data["roles"]["fixer"] = {"primary": "alice", "backup": "bob"}
    assert check(data) == [
        "roles.fixer.primary: the commander must not also be the fixer: 'alice' is primary of "
        "both; pick another primary for one of them, so someone keeps the distance to decide"
    ]


def test_rotations_that_make_the_commander_the_fixer_are_a_warning() -> None:
    data = plan_data()
    rotation = {"people": ["erin", "alice"], **WEEKLY, "start": "2026-01-12"}
    data["roles"]["fixer"] = {"rotation": rotation}
    _, problems = check_plan(yaml.safe_dump(data, sort_keys=False), TODAY)
    assert [(p.level, str(p)) for p in problems] == [
        (
            "warning",
            "roles.fixer.rotation: the commander must not also be the fixer: 'alice' holds both "
            "from 2026-11-23 09:00 Europe/Berlin; reorder a rotation or move its start, "
            "so someone keeps the distance to decide",
        )
    ]


def test_the_communicator_as_fixer_is_a_warning() -> None:
    data = plan_data()
    data["roles"]["communicator"] = {"primary": "erin", "backup": "carol"}
    assert check(data) == [
        "roles.fixer.primary: the communicator should not also be the fixer: 'erin' is primary "
        "of both; pick another primary for one of them, so the fixer is not pulled into updates"
    ]


def test_a_rotation_start_off_its_weekday_is_an_error() -> None:
    data = plan_data()
    data["roles"]["communicator"]["rotation"]["start"] = "2026-01-07"
    assert check(data) == [
        "roles.communicator.rotation.start: 2026-01-07 is a Wednesday but the handoff is on "
        "Monday; move start to a Monday, like 2026-01-05"
    ]


def test_a_rotation_of_one_person_is_a_warning() -> None:
    data = plan_data()
    data["roles"]["communicator"] = {"rotation": {"people": ["carol"], **WEEKLY}, "backup": "dan"}
    assert check(data) == [
        "roles.communicator.rotation.people: a rotation of one person never hands off; "
        "add people to it or write `primary: carol` instead"
    ]


def test_duplicate_handles_and_names_are_errors() -> None:
    data = plan_data()
    data["people"].append({"handle": "bob", "name": "Another Bob", "contacts": ["mailto://b@x.io"]})
    data["severities"].append({**data["severities"][0], "name": "sev1"})
    assert check(data) == [
        "people[5].handle: 'bob' is already used by people[1]; give each entry its own handle",
        "severities[1].name: 'sev1' is already used by severities[0]; give each entry its own name",
    ]


def test_a_service_without_owners_is_an_error() -> None:
    data = plan_data()
    data["services"][0]["owners"] = []
    assert check(data) == [
        "services[0].owners: 'auth' has no owners; add at least one handle from people"
    ]


def test_a_plan_without_severities_or_services_is_an_error() -> None:
    data = plan_data()
    data["severities"] = []
    del data["services"]
    assert check(data) == [
        "severities: no severities; add at least one, most severe first, like SEV1 with "
        "criteria and a cadence",
        "services: no services; add the things that can break, each with owners and a rollback",
    ]


def test_a_rollback_never_tested_is_a_warning() -> None:
    data = plan_data()
    del data["services"][0]["rollback"]["last_tested"]
    assert check(data) == [
        "services[0].rollback.last_tested: the rollback of 'auth' was never tested; "
        "try it and set last_tested"
    ]


def test_a_service_without_rollback_is_a_warning() -> None:
    data = plan_data()
    del data["services"][0]["rollback"]
    assert check(data) == [
        "services[0].rollback: 'auth' has no rollback; add `rollback: {runbook: <url>, "
        "last_tested: YYYY-MM-DD}` so the commander can decide to roll back"
    ]


def test_a_rollback_tested_over_ninety_days_ago_is_a_warning_with_its_age() -> None:
    data = plan_data()
    data["services"][0]["rollback"]["last_tested"] = "2026-08-01"
    assert check(data) == [
        "services[0].rollback.last_tested: the rollback of 'auth' was last tested on "
        "2026-08-01, 114 days ago; test it again and update last_tested (every 90 days)"
    ]


def test_a_rollback_tested_in_the_future_is_an_error() -> None:
    data = plan_data()
    data["services"][0]["rollback"]["last_tested"] = "2026-12-01"
    assert check(data) == [
        "services[0].rollback.last_tested: 2026-12-01 is in the future (today is 2026-11-23); "
        "set the date the rollback was actually tested"
    ]


def test_errors_come_before_warnings_each_in_file_order() -> None:
    data = plan_data()
    del data["services"][0]["rollback"]
    data["people"][3]["contacts"] = []
    data["roles"]["fixer"]["backup"] = "zoe"
    data["services"][0]["owners"] = ["erin", "ghost"]
    _, problems = check_plan(yaml.safe_dump(data, sort_keys=False), TODAY)
    assert [(p.level, p.path) for p in problems] == [
        ("error", "roles.fixer.backup"),
        ("error", "services[0].owners[1]"),
        ("warning", "people[3].contacts"),
        ("warning", "services[0].rollback"),
    ]


# Loading from disk.


def test_a_missing_plan_file_is_a_problem_not_an_exception(tmp_path: Path) -> None:
    missing = tmp_path / "muster.yaml"
    assert load_plan_file(missing) == (
        None,
        [Problem("error", str(missing), "no plan file here; create one with `muster init DIR`")],
    )


def test_a_plan_file_is_read_and_linted_when_given_today(tmp_path: Path) -> None:
    path = tmp_path / "muster.yaml"
    path.write_text(example_plan_text(), encoding="utf-8")
    loaded, problems = load_plan_file(path, today=TODAY)
    assert loaded is not None and problems == []
    old, warnings = load_plan_file(path, today=date(2027, 6, 1))
    assert old is not None and {p.level for p in warnings} == {"warning"}


# Lookups the rest of the app uses.


def test_severity_lookup_ignores_case_and_returns_the_canonical_severity() -> None:
    severity = plan().severity("sev1")
    assert severity is not None and severity.name == "SEV1"
    assert severity.cadence_for("customer") == timedelta(minutes=15)
    assert plan().severity("SEV9") is None


def test_cadence_for_an_unknown_track_is_refused() -> None:
    severity = plan().severity("SEV1")
    assert severity is not None
    with pytest.raises(ValueError):
        severity.cadence_for("pager")


def test_people_services_and_roles_are_found_by_name() -> None:
    p = plan()
    assert p.handles() == {"alice", "bob", "carol", "dan", "erin"}
    person = p.person("carol")
    assert person is not None and person.name == "Carol"
    assert p.person("zoe") is None
    service = p.service("auth")
    assert service is not None and service.freeze_on_incident is True
    assert p.role(Role.fixer).primary == "erin"


def test_on_call_follows_a_rotation_and_defaults_the_backup_to_the_next_person() -> None:
    p = plan()
    assert p.on_call(Role.commander, datetime(2026, 3, 2, 12, tzinfo=UTC)) == ("alice", "bob")
    assert p.on_call(Role.communicator, datetime(2026, 1, 12, 7, 59, tzinfo=UTC)) == (
        "carol",
        "dan",
    )
    assert p.on_call(Role.communicator, datetime(2026, 1, 12, 8, 0, tzinfo=UTC)) == (
        "dan",
        "carol",
    )


def test_an_explicit_backup_overrides_the_rotation() -> None:
    data = plan_data()
    data["roles"]["communicator"]["backup"] = "alice"
    at = datetime(2026, 1, 12, 8, 0, tzinfo=UTC)
    assert plan(data).on_call(Role.communicator, at) == ("dan", "alice")
