"""Wrong input gets one precise line naming the problem and the fix, a 4xx or exit 2, and
changes nothing. No input makes the server answer 500."""

from __future__ import annotations

import json
from typing import Any

import pytest

from conftest import Clock, Team


@pytest.fixture
def incident(team: Team, clock: Clock) -> Team:
    team.ok("declare", "Logins failing", "--severity", "SEV1", "--service", "auth", "--at", "17:50")
    return team


def state(team: Team) -> Any:
    return team.api().get("/api/v1/incidents/INC-1").json()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["milestone", "INC-1", "reviewed"], "cannot record reviewed before resolved"),
        (
            ["milestone", "INC-1", "identified", "--at", "17:40"],
            "identified at 2026-11-20 17:40 CET would be before detected at 2026-11-20 17:50 CET",
        ),
        (
            ["milestone", "INC-1", "mitigated", "--at", "2026-11-21T09:00:00+00:00"],
            "is in the future",
        ),
        (["milestone", "INC-1", "fixed"], "'fixed' is not a milestone"),
        (["milestone", "INC-1", "detected"], "detected is recorded when the incident is declared"),
        (
            ["milestone", "INC-1", "started", "--at", "17:55"],
            "started at 2026-11-20 17:55 CET would be after detected at 2026-11-20 17:50 CET",
        ),
        (["milestone", "INC-99", "resolved"], "INC-99 does not exist"),
        (
            ["milestone", "INC-1", "mitigated", "--at", "half past six"],
            "'half past six' is not a time",
        ),
        (["severity", "INC-1", "SEV9", "--why", "worse"], "'SEV9' is not a severity in the plan"),
        (["severity", "INC-1", "SEV1", "--why", "same"], "INC-1 is already SEV1"),
        (["role", "INC-1", "captain", "bob"], "'captain' is not a role"),
        (["log", "INC-1", "x", "--kind", "decision"], "'decision' is not a kind you can log"),
        (["log", "INC-1", "fix", "--amends", "999"], "INC-1 has no timeline entry #999"),
        (["log", "INC-1", "   "], "the text is empty"),
        (["decide", "INC-1", "pray", "--why", "hope"], "'pray' is not a decision Muster knows"),
        (["done", "INC-1", "42"], "INC-1 has no task 42"),
        (["show", "banana"], "'banana' is not an incident reference"),
        (["freeze", "--service", "nope", "--why", "x"], "'nope' is not a service in the plan"),
        (["unfreeze", "--service", "api"], "deploys to api are not frozen"),
        (["freeze", "--service", "auth", "--why", "again"], "deploys to auth are already frozen"),
        (
            ["declare", "X", "--severity", "SEV1", "--service", "payments"],
            "'payments' is not a service in the plan",
        ),
        (["task", "INC-1", "call legal", "--owner", "zoe"], "'zoe' is not a person in the plan"),
    ],
)
def test_bad_input_is_refused_with_one_precise_line_and_changes_nothing(
    incident: Team, args: list[str], message: str
) -> None:
    before = state(incident)
    listing = incident.api().get("/api/v1/incidents").json()
    result = incident.cli(*args)
    assert result.exit_code == 2, result.output
    first = result.stderr.splitlines()[0]
    assert first.startswith("error: ") and message in first, result.stderr
    assert "hint: " in result.stderr
    assert state(incident) == before
    assert incident.api().get("/api/v1/incidents").json() == listing


def test_a_missing_required_option_is_a_usage_error(incident: Team) -> None:
    result = incident.cli("severity", "INC-1", "SEV2")
    assert result.exit_code == 2
    assert "--why" in result.output


def test_the_api_refuses_without_a_token(incident: Team) -> None:
    response = incident.client.get("/api/v1/incidents", headers={"Authorization": ""})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["detail"] == "this call needs a token"
    wrong = incident.client.get("/api/v1/incidents", headers={"Authorization": "Bearer mst_nope"})
    assert wrong.status_code == 401
    assert wrong.json()["detail"] == "the token is unknown or revoked"


def test_only_an_admin_token_may_act_as_someone_else(incident: Team) -> None:
    api = incident.api("carol")
    response = api.get("/api/v1/whoami", headers={"X-Muster-As": "erin"})
    assert response.status_code == 403
    admin = incident.api("admin").get("/api/v1/whoami", headers={"X-Muster-As": "erin"})
    assert admin.json() == {"handle": "erin", "admin": False}


def test_malformed_and_misnamed_bodies_get_422_naming_the_field(incident: Team) -> None:
    api = incident.api()
    broken = api.post(
        "/api/v1/incidents", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 422
    assert broken.json()["detail"] == "the body is not valid JSON"
    typo = api.post("/api/v1/incidents", json={"title": "x", "severity": "SEV1", "sevrity": 1})
    assert typo.status_code == 422
    assert typo.json()["field"] == "sevrity"
    missing = api.post("/api/v1/incidents/INC-1/severity", json={"severity": "SEV2"})
    assert missing.status_code == 422 and missing.json()["field"] == "why"


def test_a_plan_with_errors_is_refused_whole_with_every_error(incident: Team) -> None:
    bad = "version: 1\nteam: {name: X, timezone: Mars/Olympus}\n"
    response = incident.api().post("/api/v1/plan", json={"source": bad})
    assert response.status_code == 422
    assert "team.timezone" in response.json()["detail"]
    assert incident.api().get("/api/v1/plan").json()["version"] == 1


JUNK: list[Any] = [
    None,
    [],
    "text",
    42,
    {},
    {"title": None},
    {"to": ["a"]},
    {"at": 5},
    {"text": "x" * 20000},
    {"severity": {"a": 1}},
    {"milestone": "resolved", "at": "99:99"},
    {"decision": "", "why": ""},
    {"service": 7, "why": 1},
    {"source": "[: :"},
    {"text": "\ud800 lone surrogate"},
    {"text": "nul \u0000 inside"},
    {"milestone": "mitigated", "at": "99999999w ago"},
    {"milestone": "mitigated", "at": "0001-01-01T00:00"},
    {"milestone": "mitigated", "at": "9999-12-31T23:59-05:00"},
    {"title": "old", "severity": "SEV1", "at": "0001-01-01T00:00"},
    {"text": "x", "amends": 10**20},
    {"source": "? [a]\n: 1\n"},
]
WRITES = [
    "/api/v1/incidents",
    "/api/v1/incidents/INC-1/milestones",
    "/api/v1/incidents/INC-1/severity",
    "/api/v1/incidents/INC-1/impact",
    "/api/v1/incidents/INC-1/roles/fixer/handoff",
    "/api/v1/incidents/INC-1/roles/fixer/accept",
    "/api/v1/incidents/INC-1/roles/bogus/cancel",
    "/api/v1/incidents/INC-1/timeline",
    "/api/v1/incidents/INC-1/decisions",
    "/api/v1/incidents/INC-1/tasks",
    "/api/v1/incidents/INC-1/tasks/x/done",
    "/api/v1/freezes",
    "/api/v1/plan",
    "/api/v1/incidents/INC-%00/milestones",
    "/api/v1/incidents/99999999999/impact",
    "/api/v1/incidents/INC-1/tasks/99999999999999999999/done",
]


def test_no_junk_body_makes_any_write_answer_500_or_change_anything(incident: Team) -> None:
    api = incident.api()
    before = state(incident)
    for path in WRITES:
        for body in JUNK:
            response = api.post(
                path, content=json.dumps(body), headers={"Content-Type": "application/json"}
            )
            assert 400 <= response.status_code < 500, (
                path,
                body,
                response.status_code,
                response.text,
            )
            assert response.headers["content-type"] == "application/problem+json"
    assert state(incident) == before


def test_unknown_paths_and_methods_are_problem_json(incident: Team) -> None:
    api = incident.api()
    assert api.get("/api/v1/nothing").status_code == 404
    assert api.put("/api/v1/incidents").status_code == 405
    assert api.get("/api/v1/incidents?limit=0").status_code == 422
