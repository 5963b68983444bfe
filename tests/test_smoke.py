from __future__ import annotations

from conftest import Team


def test_declare_names_the_three_roles_from_the_plan(team: Team) -> None:
    out = team.ok("declare", "Logins failing", "--severity", "SEV1", "--service", "auth")
    assert "Declared INC-1." in out
    detail = team.api().get("/api/v1/incidents/INC-1").json()
    assert [r["role"] for r in detail["roles"]] == ["commander", "communicator", "fixer"]
