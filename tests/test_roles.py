"""Handoffs end to end: two-party, on the timeline, and one winner when two race."""

from __future__ import annotations

import threading

import pytest

from conftest import Clock, Team
from muster.actions.base import Actor
from muster.actions.roles import propose_handoff
from muster.errors import Conflict


def declare(team: Team) -> None:
    # Monday 2026-11-23: alice commands, erin fixes, carol speaks.
    team.ok("declare", "API errors", "--severity", "SEV2", "--service", "api", who="alice")


@pytest.fixture(autouse=True)
def _monday(clock: Clock) -> None:
    from datetime import UTC, datetime

    clock.set(datetime(2026, 11, 23, 10, 0, tzinfo=UTC))


def holder(team: Team, role: str) -> str:
    detail = team.api().get("/api/v1/incidents/INC-1").json()
    return next(r["holder"] for r in detail["roles"] if r["role"] == role)


def test_a_handoff_waits_for_the_receiver_to_accept(team: Team) -> None:
    declare(team)
    assert holder(team, "fixer") == "erin"  # on call this week, and an owner of api
    out = team.ok(
        "role", "INC-1", "fixer", "bob", "--reason", "erin has been at it 60 minutes", who="erin"
    )
    assert "offered to bob" in out
    assert holder(team, "fixer") == "erin"  # still erin until bob says yes

    refused = team.cli("accept", "INC-1", "fixer", who="carol")
    assert refused.exit_code == 2
    assert "waiting for bob, not carol" in refused.stderr

    team.ok("accept", "INC-1", "fixer", who="bob")
    detail = team.api().get("/api/v1/incidents/INC-1").json()
    fixer = next(r for r in detail["roles"] if r["role"] == "fixer")
    assert (fixer["holder"], fixer["backup"], fixer["pending_to"]) == ("bob", "erin", None)
    texts = [e["text"] for e in detail["timeline"] if e["kind"] in ("handoff", "role")]
    assert (
        "erin offers fixer to bob: erin has been at it 60 minutes (waiting for them to accept)"
        in texts
    )
    assert "bob is now fixer (took over from erin, who stays as backup)" in texts


def test_the_commander_taking_the_fixer_role_is_a_loud_warning(team: Team) -> None:
    declare(team)
    team.ok("role", "INC-1", "fixer", "alice", who="alice")
    out = team.ok("accept", "INC-1", "fixer", who="alice")
    assert "alice is both commander and fixer" in out
    assert "alice is both commander and fixer" in team.ok("show", "INC-1")


def test_commander_and_communicator_on_one_person_is_fine(team: Team) -> None:
    declare(team)
    team.ok("role", "INC-1", "communicator", "alice", who="alice")
    out = team.ok("accept", "INC-1", "communicator", who="alice")
    assert "!" not in out
    detail = team.api().get("/api/v1/incidents/INC-1").json()
    assert detail["hats"]["alice"] == ["commander", "communicator"]
    assert detail["warnings"] == []


def test_a_handoff_to_a_stranger_is_refused_and_changes_nothing(team: Team) -> None:
    declare(team)
    before = team.api().get("/api/v1/incidents/INC-1").json()
    result = team.cli("role", "INC-1", "fixer", "zoe", who="alice")
    assert result.exit_code == 2
    assert "'zoe' is not a person in the plan" in result.stderr
    assert "hint: hand the role to one of: alice, bob, carol, dan, erin" in result.stderr
    assert team.api().get("/api/v1/incidents/INC-1").json() == before


def test_only_the_holder_or_the_commander_can_offer_a_role(team: Team) -> None:
    declare(team)
    result = team.cli("role", "INC-1", "fixer", "dan", who="carol")
    assert result.exit_code == 2
    assert "only erin (fixer) or alice (commander) can hand off fixer" in result.stderr


def test_a_declined_handoff_leaves_the_role_where_it_was(team: Team) -> None:
    declare(team)
    team.ok("role", "INC-1", "fixer", "dan", who="alice")
    team.ok("decline", "INC-1", "fixer", who="dan")
    assert holder(team, "fixer") == "erin"
    assert team.cli("accept", "INC-1", "fixer", who="dan").exit_code == 2


def test_two_concurrent_handoffs_of_one_role_have_exactly_one_winner(team: Team) -> None:
    declare(team)
    rt = team.rt
    results: list[str] = []
    barrier = threading.Barrier(8)

    def offer(receiver: str, proposer: str) -> None:
        barrier.wait()
        try:
            propose_handoff(rt, Actor(proposer), "INC-1", "fixer", receiver)
            results.append(f"won:{receiver}")
        except Conflict as error:
            results.append(f"lost:{error.message}")

    pairs = [("bob", "erin"), ("dan", "alice")] * 4
    threads = [threading.Thread(target=offer, args=pair) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [r for r in results if r.startswith("won")]
    assert len(winners) == 1, results
    assert all("is already pending" in r for r in results if r.startswith("lost")), results
    detail = team.api().get("/api/v1/incidents/INC-1").json()
    offers = [e for e in detail["timeline"] if e["kind"] == "handoff"]
    assert len(offers) == 1
    fixer = next(r for r in detail["roles"] if r["role"] == "fixer")
    assert f"won:{fixer['pending_to']}" == winners[0]
