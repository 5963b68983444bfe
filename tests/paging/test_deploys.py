"""Deploys from CI/CD: recorded by the API and the CLI, on the timeline of a declaration that
follows, the freshest deployer offered the fixer role, rollbacks with their last test, and
deploys during a freeze flagged."""

from __future__ import annotations

from typing import Any

from muster.actions.admin import apply_plan
from muster.actions.base import Actor
from muster.plan import example_plan_text


def declare(team: Any, services: list[str]) -> dict[str, Any]:
    answer = team.api("carol").post(
        "/api/v1/incidents",
        json={"title": "Logins failing", "severity": "SEV1", "services": services},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_a_deploy_is_recorded_by_the_api_and_the_cli(team: Any, clock: Any) -> None:
    posted = team.api("erin").post(
        "/api/v1/deploys",
        json={"service": "Auth", "version": "v1.4.2", "at": "30m ago", "url": "https://ci/1"},
    )
    assert posted.status_code == 201, posted.text
    assert posted.json() | {"id": 0} == {
        "id": 0,
        "service": "auth",
        "version": "v1.4.2",
        "by": "erin",
        "at": "2026-11-20T16:30:00Z",
        "rollback": False,
        "url": "https://ci/1",
        "notes": None,
        "frozen": False,
    }
    out = team.ok("deploy", "api", "v2", "--by", "bob", "--rollback")
    assert out == "Recorded rollback 2: api v2.\n"
    listed = team.ok("deploys")
    assert listed.splitlines()[0].split() == ["2026-11-20T17:00Z", "api", "v2", "bob", "[rollback]"]
    assert "auth" in team.ok("deploys", "--service", "auth")


def test_a_deploy_back_dated_behind_many_newer_ones_is_recorded(team: Any) -> None:
    erin = team.api("erin")
    for n in range(51):
        assert erin.post("/api/v1/deploys", json={"service": "api", "version": f"v{n}"}).is_success
    late = erin.post("/api/v1/deploys", json={"service": "api", "version": "v0.9", "at": "2h ago"})
    assert late.status_code == 201, late.text
    assert (late.json()["version"], late.json()["at"]) == ("v0.9", "2026-11-20T15:00:00Z")


def test_bad_deploys_are_refused_with_a_reason(team: Any) -> None:
    api = team.api("erin")
    unknown = api.post("/api/v1/deploys", json={"service": "payments", "version": "1"})
    assert unknown.status_code == 422
    assert unknown.json()["detail"] == "'payments' is not a service in the plan"
    assert "auth" in unknown.json()["hint"]
    for body, field in [
        ({"service": "auth"}, "version"),
        ({"service": "auth", "version": "  "}, "version"),
        ({"service": "auth", "version": "1", "at": "in an hour"}, "at"),
        ({"service": "auth", "version": "1", "at": "2030-01-01T00:00Z"}, "at"),
        ({"service": "auth", "version": "1", "url": "javascript:alert(1)"}, "url"),
        ({"service": "auth", "version": "1", "rollback": "maybe"}, "rollback"),
        ({"service": "auth", "version": "x" * 201}, "version"),
        ({"service": "auth", "version": "1", "by": "x" * 65}, "by"),
    ]:
        answer = api.post("/api/v1/deploys", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["field"] == field, (body, answer.json())
    assert api.post("/api/v1/deploys", content=b"{not json").status_code == 422
    assert api.get("/api/v1/deploys", params={"limit": 0}).status_code == 422
    assert api.get("/api/v1/deploys", params={"service": "payments"}).status_code == 422
    assert (
        team.client.post("/api/v1/deploys", json={}, headers={"Authorization": ""}).status_code
        == 401
    )
    cli = team.cli("deploy", "payments", "1")
    assert cli.exit_code == 2 and "'payments' is not a service in the plan" in cli.output


def test_a_declaration_shows_recent_deploys_offers_the_deployer_fixer_and_the_rollback(
    team: Any, clock: Any
) -> None:
    team.ok("deploy", "auth", "v1.4.1", "--by", "bob", "--at", "2026-11-19T12:00Z")  # > 24h
    team.ok("deploy", "auth", "v1.4.2", "--by", "dan", "--at", "2h ago")
    team.ok("deploy", "auth", "v1.4.3", "--by", "carol", "--at", "35m ago")
    team.ok("deploy", "billing", "v9", "--by", "bob", "--at", "10m ago")  # not affected

    declare(team, ["auth"])

    detail = team.api().get("/api/v1/incidents/INC-1").json()
    deploys = [e["text"] for e in detail["timeline"] if e["kind"] == "deploy"]
    assert deploys == [
        "deploy of auth v1.4.2 by dan, 2h before the incident",
        "deploy of auth v1.4.3 by carol, 35m before the incident",
        "rollback of auth: https://wiki.example.com/runbooks/auth-rollback "
        "(last tested 2026-10-14)",
    ]
    fixer = next(r for r in detail["roles"] if r["role"] == "fixer")
    assert (fixer["holder"], fixer["pending_to"], fixer["pending_by"]) == (
        "erin",
        "carol",
        "muster",
    )
    offer = [e["text"] for e in detail["timeline"] if e["kind"] == "handoff"]
    assert offer == [
        "muster offers fixer to carol: shipped auth v1.4.3 35m before INC-1 "
        "(waiting for them to accept)"
    ]
    assert detail["rollback"][0]["warning"] is None
    team.ok("accept", "INC-1", "fixer", who="carol")  # the offer is a normal handoff
    detail = team.api().get("/api/v1/incidents/INC-1").json()
    assert next(r for r in detail["roles"] if r["role"] == "fixer")["holder"] == "carol"


def test_the_commander_or_the_fixer_who_shipped_is_not_offered_the_fixer_role(team: Any) -> None:
    team.ok("deploy", "auth", "v1", "--by", "dan", "--at", "20m ago")  # dan commands now
    declare(team, ["auth"])
    detail = team.api().get("/api/v1/incidents/INC-1").json()
    assert all(r["pending_to"] is None for r in detail["roles"])
    team.ok("deploy", "web", "v1", "--by", "erin", "--at", "20m ago")  # erin owns web, fixes
    declare(team, ["web"])
    detail = team.api().get("/api/v1/incidents/INC-2").json()
    assert all(r["pending_to"] is None for r in detail["roles"])


def test_an_old_or_untested_rollback_is_shown_with_a_warning(team: Any) -> None:
    plan = example_plan_text().replace("last_tested: 2026-09-28", "last_tested: 2026-06-01")
    apply_plan(team.rt, Actor("admin", admin=True), plan)
    team.ok("deploy", "billing", "v9", "--by", "bob", "--at", "10m ago")
    declare(team, ["billing"])
    detail = team.api().get("/api/v1/incidents/INC-1").json()
    warning = "last tested 172 days ago (more than 90): it may not work"
    assert detail["rollback"][0]["warning"] == warning
    texts = [e["text"] for e in detail["timeline"] if e["kind"] == "deploy"]
    assert texts[-1].endswith(f"(last tested 2026-06-01); warning: {warning}")
    assert f"warning: {warning}" in team.ok("show", "INC-1")


def test_a_deploy_during_a_freeze_is_recorded_and_flagged_on_the_open_incident(
    team: Any,
) -> None:
    declare(team, ["auth"])  # freezes auth
    posted = team.api("erin").post("/api/v1/deploys", json={"service": "auth", "version": "hot"})
    assert posted.status_code == 201 and posted.json()["frozen"] is True
    out = team.ok("deploy", "api", "v3")
    assert "frozen" not in out
    detail = team.api().get("/api/v1/incidents/INC-1").json()
    last = detail["timeline"][-1]
    assert (last["kind"], last["text"]) == (
        "deploy",
        "deploy during freeze: deploy of auth hot by erin",
    )
    assert last["data"]["frozen"] is True
    frozen = team.ok("deploy", "auth", "hot2")
    assert "auth is frozen: this deploy is flagged on its open incidents" in frozen
