"""The 18:10 login outage from the seed article, replayed through the CLI as it happened.

At 18:10 a login update ships; at 18:18 support hears from customers; at 18:28 the fixer
finds the cause; the commander calls a rollback; at 18:33 it is rolled back; at 18:36 logins
work. Times are the team's (Europe/Berlin); people record some things late, with --at.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from conftest import Clock, Team, local

BERLIN = ZoneInfo("Europe/Berlin")


def show(team: Team) -> dict:  # type: ignore[type-arg]
    return json.loads(team.ok("show", "INC-1", "--json"))


def test_the_seed_login_outage_replays_with_its_roles_phases_and_18_minute_containment(
    team: Team, clock: Clock
) -> None:
    # 18:19: carol, on support, has five messages since 18:18 and declares.
    clock.set(local("18:19"))
    team.ok(
        "declare",
        "Users cannot log in",
        "--severity",
        "SEV1",
        "--service",
        "auth",
        "--impact",
        "New logins fail every time; a few old sessions still work",
        "--at",
        "18:18",
        who="carol",
    )
    incident = show(team)
    hats = {r["role"]: (r["holder"], r["backup"]) for r in incident["roles"]}
    assert hats == {
        "commander": ("dan", "alice"),  # dan's week on the commander rotation
        "communicator": ("carol", "dan"),
        "fixer": ("erin", "bob"),  # erin owns auth: the service owner fixes
    }
    assert incident["warnings"] == []
    assert incident["phase"] == "detection"  # until the commander takes it
    assert incident["freezes"][0]["service"] == "auth"
    assert team.cli("freeze", "status", "--service", "auth").exit_code == 3

    # 18:20: dan takes command and says only one person touches production.
    clock.set(local("18:20"))
    assert "phase triage" in team.ok("ack", "INC-1", who="dan")
    team.ok("decide", "INC-1", "freeze", "--why", "only erin touches production", who="dan")
    assert [t["done"] for t in show(team)["tasks"]] == [
        False,
        True,
        False,
    ]  # the freeze paused deploys
    team.ok("done", "INC-1", "1", who="dan")  # users cannot log in; old sessions still work
    clock.set(local("18:21"))
    team.ok(
        "log",
        "INC-1",
        "Checking the release diff, auth logs and config of the 18:10 deploy",
        "--kind",
        "action",
        who="erin",
    )

    # 18:28 the cause; erin writes it down a minute later.
    clock.set(local("18:29"))
    team.ok("milestone", "INC-1", "identified", "--at", "18:28", who="erin")
    team.ok(
        "log",
        "INC-1",
        "The deploy changed an auth setting: one service signs tokens with the wrong secret",
        "--at",
        "18:28",
        who="erin",
    )
    assert show(team)["phase"] == "mitigation"

    # The commander makes the call: roll back now, investigate later.
    clock.set(local("18:30"))
    rollback = team.ok(
        "decide", "INC-1", "rollback", "--why", "faster and safer than a patch", who="dan"
    )
    assert "auth-rollback" in rollback  # the runbook is shown with the decision
    team.ok(
        "milestone", "INC-1", "started", "--at", "18:10", who="dan"
    )  # impact began at the deploy

    clock.set(local("18:34"))
    team.ok(
        "log",
        "INC-1",
        "Restored the last good version of auth",
        "--kind",
        "action",
        "--at",
        "18:33",
        who="erin",
    )
    clock.set(local("18:37"))
    team.ok("log", "INC-1", "Test logins work; error count dropping", "--at", "18:36", who="erin")
    team.ok("milestone", "INC-1", "mitigated", "--at", "18:36", who="dan")
    assert show(team)["phase"] == "resolution"

    clock.set(local("18:50"))
    team.ok("milestone", "INC-1", "resolved", who="dan")
    final = show(team)

    assert final["phase"] == "review" and final["open"] is False
    utc = {name: datetime.fromisoformat(at) for name, at in final["milestones"].items()}
    assert utc == {
        "started": local("18:10").astimezone(UTC),
        "detected": local("18:18").astimezone(UTC),
        "acknowledged": local("18:20").astimezone(UTC),
        "identified": local("18:28").astimezone(UTC),
        "mitigated": local("18:36").astimezone(UTC),
        "resolved": local("18:50").astimezone(UTC),
    }
    assert final["durations"]["time_to_contain"] == 18 * 60
    assert final["durations"]["time_to_detect"] == 8 * 60
    assert final["durations"]["time_to_acknowledge"] == 2 * 60
    assert final["durations"]["impact_duration"] == 26 * 60

    # The timeline reads in the order things happened, whatever order they were written in.
    story = [(e["occurred_at"], e["kind"], e["text"]) for e in final["timeline"]]
    assert story == sorted(story, key=lambda s: s[0])
    assert story[0][1:] == ("milestone", "started")  # back-dated, recorded at 18:30
    kinds_in_order = [kind for _, kind, _ in story]
    assert kinds_in_order.index("decision") < kinds_in_order.index("action")
    texts = [text for _, _, text in story]
    assert (
        texts.index("identified (phase: mitigation)")
        < texts.index("decision: rollback: faster and safer than a patch")
        < texts.index("Restored the last good version of auth")
        < texts.index("mitigated (phase: resolution)")
    )
    authors = {e["text"]: e["author"] for e in final["timeline"]}
    assert authors["Restored the last good version of auth"] == "erin"
    started = next(e for e in final["timeline"] if e["text"] == "started")
    assert started["recorded_at"] > started["occurred_at"]  # both times are kept

    # Resolving lifted the freeze on auth.
    assert final["freezes"] == []
    assert team.cli("freeze", "status", "--service", "auth").exit_code == 0

    text = team.ok("show", "INC-1")
    assert "detection to containment 18m" in text
    assert "18:10  #" in text and "18:36  #" in text  # shown in the team's time
