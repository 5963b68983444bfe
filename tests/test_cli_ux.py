"""The CLI at 2 a.m.: what people type by mistake or in a hurry gets a plain answer, never a
traceback, and never an action on more than they meant."""

from __future__ import annotations

import contextlib
import json
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import muster.cli.admin
from conftest import Clock, Team
from muster.cli.client import Api, incident_ref, segment, write_config
from muster.cli.main import State, app
from muster.plan import example_plan_text


@pytest.fixture(autouse=True)
def _monday(clock: Clock) -> None:
    # Monday 2026-11-23, 11:00 in Berlin: alice commands, erin fixes api, carol speaks.
    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


def declare(team: Team) -> None:
    team.ok("declare", "API errors", "--severity", "SEV2", "--service", "api", who="alice")


def detail(team: Team) -> Any:
    return team.api().get("/api/v1/incidents/INC-1").json()


# Incident references and roles stay one path segment


@pytest.mark.parametrize("ref", ["../plan", "INC-1/milestones", "INC-1/", "..", "."])
def test_a_reference_that_is_not_one_is_refused_in_plain_words(team: Team, ref: str) -> None:
    declare(team)
    result = team.cli("show", ref, who="alice")
    assert result.exit_code == 2, result.output
    assert f"error: {ref!r} is not an incident reference" in result.stderr
    assert "write it like INC-42" in result.stderr


def test_a_role_with_a_slash_does_not_reach_another_route(team: Team) -> None:
    declare(team)
    result = team.cli("role", "INC-1", "fixer/accept", "bob", who="erin")
    assert result.exit_code == 2
    assert "'fixer/accept' is not a role" in result.stderr
    assert all(r["pending_to"] is None for r in detail(team)["roles"])


def test_typed_parts_are_escaped_into_one_segment() -> None:
    assert segment("INC-2/milestones") == "INC-2%2Fmilestones"
    assert segment("..") == "%2E%2E"
    assert segment("inc 2?x=1#y") == "inc%202%3Fx%3D1%23y"


# Messages name the incident and say what happened


@pytest.mark.parametrize(
    ("typed", "ref"),
    [("inc-2", "INC-2"), ("inc2", "INC-2"), ("2", "INC-2"), ("INC-02", "INC-2"), ("x2", "x2")],
)
def test_a_typed_reference_is_named_like_the_server_names_it(typed: str, ref: str) -> None:
    assert incident_ref(typed) == ref


def test_log_and_decide_name_the_incident_even_when_typed_as_a_number(team: Team) -> None:
    declare(team)
    assert team.ok("log", "1", "restarted api-2", who="alice").startswith("INC-1: logged as #")
    out = team.ok("decide", "inc1", "rollback", "--why", "deploy at 10:55", who="alice")
    assert out.startswith("INC-1: decision #")


def test_a_receiver_declining_is_told_it_was_declined(team: Team) -> None:
    declare(team)
    team.ok("role", "INC-1", "fixer", "bob", who="erin")
    out = team.ok("decline", "INC-1", "fixer", who="bob")
    assert out.strip() == "INC-1: handoff of fixer to bob declined; erin keeps it."


def test_a_proposer_cancelling_is_told_it_was_withdrawn(team: Team) -> None:
    declare(team)
    team.ok("role", "INC-1", "fixer", "bob", who="erin")
    out = team.ok("role", "INC-1", "fixer", "--cancel", who="erin")
    assert out.strip() == "INC-1: handoff of fixer to bob withdrawn; erin keeps it."


def test_the_commander_running_decline_is_told_the_truth_it_was_withdrawn(team: Team) -> None:
    declare(team)
    team.ok("role", "INC-1", "fixer", "bob", who="erin")
    out = team.ok("decline", "INC-1", "fixer", who="alice")
    assert "withdrawn" in out and "declined" not in out


def test_accept_with_the_role_in_capitals_says_who_now_wears_it(team: Team) -> None:
    declare(team)
    team.ok("role", "INC-1", "fixer", "bob", who="erin")
    out = team.ok("accept", "INC-1", " Fixer", who="bob")
    assert out.splitlines()[0] == "INC-1: bob is now fixer."


def test_declare_shows_the_hats_warnings_and_impact_and_nothing_more(team: Team) -> None:
    out = team.ok(
        "declare", "API errors", "-s", "SEV2", "--service", "api", "--impact", "no logins"
    )
    lines = out.splitlines()
    assert lines[0] == "Declared INC-1."
    assert "  commander     alice" in out
    after = lines[lines.index("Impact: no logins") + 1 :]
    assert after[0].startswith("Next internal update: due")  # the communicator's clock starts
    assert after[1].startswith("Next customer update: due")
    # The declarer is not the commander, who is paged: until someone acknowledges, who is next.
    assert after[2] == "Paging alice (commander) now"
    assert after[3].startswith("Not acknowledged yet; at ") and "(muster ack INC-1)" in after[3]
    assert after[5].startswith("Next: `muster show INC-1`")
    assert "Milestones:" not in out and "Timeline" not in out


# Acknowledging twice is fine at 2 a.m.


def test_acknowledging_an_acknowledged_incident_says_when_and_succeeds(
    team: Team, clock: Clock
) -> None:
    declare(team)  # by the commander, who acknowledges it by declaring
    clock.advance(minutes=7)
    result = team.cli("ack", "inc-1", who="alice")
    assert result.exit_code == 0, result.output
    assert result.stdout == "INC-1 was already acknowledged at 11:00 (team time).\n"
    again = team.api("alice").post(
        "/api/v1/incidents/INC-1/milestones", json={"milestone": "acknowledged"}
    )
    assert again.status_code == 409  # the API still refuses; only the CLI is forgiving


def test_other_refusals_of_ack_still_fail(team: Team) -> None:
    result = team.cli("ack", "INC-9", who="alice")
    assert result.exit_code == 2
    assert "already acknowledged" not in result.output


# An empty --service never means every service


@pytest.mark.parametrize(
    "args",
    [
        ["freeze", "--service", "", "--why", "release"],
        ["freeze", "--service", " ", "--why", "release"],
        ["unfreeze", "--service", ""],
        ["freeze", "status", "--service", ""],
    ],
)
def test_an_empty_service_is_an_error_not_every_service(team: Team, args: list[str]) -> None:
    team.ok("freeze", "--service", "auth", "--why", "migration", who="alice")
    result = team.cli(*args, who="alice")
    assert result.exit_code == 2, result.output
    assert "--service is empty" in result.stderr
    assert "leave out --service to mean every service" in result.stderr
    status = team.api().get("/api/v1/freeze", params={"service": "auth"}).json()
    assert [f["service"] for f in status["freezes"]] == ["auth"]  # nothing added or lifted


# Times are read on the team's clock


def test_the_timeline_shows_the_date_when_the_team_day_changes(team: Team, clock: Clock) -> None:
    # 23:40 in Berlin (22:40 UTC); then 00:10 the next local day, still Nov 23 in UTC.
    clock.set(datetime(2026, 11, 23, 22, 40, tzinfo=UTC))
    declare(team)
    clock.advance(minutes=30)
    team.ok("milestone", "INC-1", "identified", who="alice")
    clock.advance(minutes=5)
    team.ok("log", "INC-1", "rolled back", who="alice")
    out = team.ok("show", "INC-1")
    timeline = out[out.index("\nTimeline\n") :].splitlines()[2:]
    assert timeline[0].startswith("  Nov 23 23:40  #1 "), "\n".join(timeline)
    assert timeline[1].startswith("         23:40  #2 ")
    assert [line[:16] for line in timeline if "identified" in line] == ["  Nov 24 00:10  "]
    assert [line[:16] for line in timeline if "rolled back" in line] == ["         00:15  "]
    milestones = next(line for line in out.splitlines() if line.startswith("Milestones:"))
    assert "detected 23:40" in milestones and "identified Nov 24 00:10" in milestones


def test_a_timeline_on_one_team_day_shows_times_only(team: Team, clock: Clock) -> None:
    # 00:30 and 01:10 in Berlin on Nov 24: two UTC days (23:30 and 00:10), one team day.
    clock.set(datetime(2026, 11, 23, 23, 30, tzinfo=UTC))
    declare(team)
    clock.advance(minutes=40)
    team.ok("log", "INC-1", "rolled back", who="alice")
    out = team.ok("show", "INC-1")
    timeline = out[out.index("\nTimeline\n") :].splitlines()[2:]
    assert timeline and all(line[2:7] in ("00:30", "01:10") for line in timeline), timeline


# Tokens and the config file


def anonymous(team: Team) -> Any:
    state = State(api=Api(http=TestClient(team.client.app), url="http://testserver"))
    return CliRunner().invoke(app, ["whoami"], obj=state)


def test_without_a_token_the_hint_says_how_to_give_one(team: Team) -> None:
    result = anonymous(team)
    assert result.exit_code == 2
    assert "error: this call needs a token" in result.stderr
    assert "hint: set MUSTER_TOKEN or run `muster login`" in result.stderr
    assert "Authorization" not in result.stderr


def test_with_a_wrong_token_the_server_hint_is_kept(team: Team) -> None:
    team.tokens["mallory"] = "mst_not-a-token"
    result = team.cli("whoami", who="mallory")
    assert result.exit_code == 2
    assert "the token is unknown or revoked" in result.stderr
    assert "muster token create" in result.stderr


@pytest.mark.parametrize("content", ["[1, 2]", '"token"', "null", "3"])
def test_a_config_that_is_json_but_not_an_object_is_an_error_with_a_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str
) -> None:
    config = tmp_path / "config.json"
    config.write_text(content)
    monkeypatch.setenv("MUSTER_CONFIG", str(config))
    result = CliRunner().invoke(app, ["whoami"], obj=State())
    assert result.exit_code == 1, result.output
    assert f"error: {config} is not a Muster config" in result.stderr
    assert "run `muster login` again" in result.stderr


def test_the_token_file_is_private_from_its_first_byte(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "muster" / "config.json"
    monkeypatch.setenv("MUSTER_CONFIG", str(config))

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt  # Ctrl-C between writing the token and a later chmod

    monkeypatch.setattr(Path, "chmod", interrupted)
    with contextlib.suppress(KeyboardInterrupt):
        write_config("http://muster", "mst_secret")
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert json.loads(config.read_text())["token"] == "mst_secret"


def test_rewriting_a_readable_config_makes_it_private(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.json"
    config.write_text('{"url": "http://old", "token": "mst_old_and_longer_than_the_new"}')
    config.chmod(0o644)
    monkeypatch.setenv("MUSTER_CONFIG", str(config))
    write_config("http://muster", "mst_new")
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert json.loads(config.read_text()) == {"url": "http://muster", "token": "mst_new"}


# Admin commands


def test_token_revoke_revokes_through_the_action_and_refuses_unknown_ids(
    team: Team, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = team.rt.db.engine.url.render_as_string(hide_password=False)
    monkeypatch.setenv("MUSTER_DATABASE_URL", url)
    runner = CliRunner()
    listed = runner.invoke(app, ["token", "list"])
    bob_id = next(line.split()[0] for line in listed.stdout.splitlines() if " bob " in line)

    revoked = runner.invoke(app, ["token", "revoke", bob_id])
    assert revoked.exit_code == 0, revoked.output
    assert revoked.stdout == f"Token {bob_id} revoked.\n"
    assert team.cli("whoami", who="bob").exit_code == 2

    again = runner.invoke(app, ["token", "revoke", bob_id])
    assert again.exit_code == 2
    assert f"error: no active token {bob_id}" in again.stderr
    assert "`muster token list` shows them" in again.stderr


class _NoonUtcNov20(datetime):
    """12:00 UTC on Nov 20: already Nov 21 at 02:00 on Kiritimati (UTC+14)."""

    @classmethod
    def now(cls, tz: Any = None) -> Any:
        return datetime(2026, 11, 20, 12, 0, tzinfo=UTC).astimezone(tz)


def test_plan_check_uses_today_in_the_team_timezone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = example_plan_text().replace("timezone: Europe/Berlin", "timezone: Pacific/Kiritimati")
    text = text.replace("last_tested: 2026-11-10", "last_tested: 2026-11-21")  # tested today
    plan = tmp_path / "muster.yaml"
    plan.write_text(text)
    monkeypatch.setattr(muster.cli.admin, "datetime", _NoonUtcNov20)
    result = CliRunner().invoke(app, ["plan", "check", str(plan)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"{plan}: OK (")
    assert "in the future" not in result.stderr


def test_plan_check_of_a_missing_file_is_one_error_line(tmp_path: Path) -> None:
    missing = tmp_path / "muster.yaml"
    result = CliRunner().invoke(app, ["plan", "check", str(missing)])
    assert result.exit_code == 2
    assert f"{missing}: error: {missing}: no plan file here" in result.stderr
    assert f"{missing}: 1 error(s), 0 warning(s)" in result.stderr


def test_plan_check_of_a_list_as_a_key_is_a_problem_not_a_traceback(tmp_path: Path) -> None:
    plan = tmp_path / "muster.yaml"
    plan.write_text("version: 1\n? [a]\n: 1\n")
    result = CliRunner().invoke(app, ["plan", "check", str(plan)])
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "line 2: keys must be plain text" in result.stderr
