"""Hats and handoffs: who wears which role, what the commander is warned about, who may hand off.

Personas: alice commands, bob fixes, carol communicates when named, dave stands by.
"""

from __future__ import annotations

import pytest

from muster.domain.hats import (
    HandoffRefused,
    Pending,
    check_accept,
    check_cancel,
    check_handoff,
    hats,
    warnings,
    wearers,
)
from muster.domain.roles import Role

PEOPLE = frozenset({"alice", "bob", "carol", "dave"})

LOUD = (
    "alice is both commander and fixer: nobody is deciding while they repair; "
    "hand the fixer role to someone else (`muster role INC fixer HANDLE`)"
)


def holders(
    commander: str = "alice", communicator: str | None = None, fixer: str | None = "bob"
) -> dict[Role, str | None]:
    return {Role.commander: commander, Role.communicator: communicator, Role.fixer: fixer}


def refused_handoff(
    role: Role,
    proposer: str,
    receiver: str,
    pending: Pending | None = None,
) -> HandoffRefused:
    with pytest.raises(HandoffRefused) as caught:
        check_handoff(role, holders(), pending, proposer, receiver, PEOPLE)
    return caught.value


def test_the_commander_wears_every_role_nobody_else_is_named_for() -> None:
    alone = holders(fixer=None)
    assert wearers(alone) == {
        Role.commander: "alice",
        Role.communicator: "alice",
        Role.fixer: "alice",
    }
    assert hats(alone) == {"alice": [Role.commander, Role.communicator, Role.fixer]}


def test_named_holders_wear_their_own_hats() -> None:
    assert hats(holders(communicator="carol")) == {
        "alice": [Role.commander],
        "carol": [Role.communicator],
        "bob": [Role.fixer],
    }


def test_an_incident_without_a_commander_is_an_error() -> None:
    with pytest.raises(ValueError, match=r"^an incident always has a commander$"):
        wearers({Role.commander: None, Role.fixer: "bob"})


def test_a_commander_left_as_fixer_gets_the_loud_warning() -> None:
    assert warnings(holders(fixer=None)) == [LOUD]


def test_a_commander_named_as_fixer_gets_the_loud_warning() -> None:
    assert warnings(holders(communicator="carol", fixer="alice")) == [LOUD]


def test_commander_and_communicator_on_one_person_is_not_the_commander_fixer_warning() -> None:
    # Two people online: alice commands and speaks, bob fixes. Acceptable, and said plainly.
    assert warnings(holders(fixer="bob")) == [
        "alice (commander) also holds communicator: nobody else is named"
    ]


def test_three_people_in_three_roles_get_no_warnings() -> None:
    assert warnings(holders(communicator="carol")) == []


def test_a_handoff_to_someone_outside_the_plan_is_invalid() -> None:
    refused = refused_handoff(Role.fixer, "bob", "mallory")
    assert refused.kind == "invalid"
    assert str(refused) == "'mallory' is not a person in the plan"
    assert refused.hint == "hand the role to one of: alice, bob, carol, dave"


def test_a_second_handoff_while_one_is_pending_is_a_conflict_naming_the_pending_receiver() -> None:
    refused = refused_handoff(Role.fixer, "bob", "dave", pending=Pending(to="carol", by="bob"))
    assert refused.kind == "conflict"
    assert str(refused) == "a handoff of fixer to carol is already pending"
    assert refused.hint == (
        "carol accepts it with `muster accept INC fixer`, "
        "or bob cancels it with `muster role INC fixer --cancel`"
    )


def test_handing_a_role_to_its_holder_is_a_conflict() -> None:
    refused = refused_handoff(Role.fixer, "alice", "bob")
    assert refused.kind == "conflict"
    assert str(refused) == "bob already holds fixer"


def test_a_bystander_cannot_propose_a_handoff() -> None:
    refused = refused_handoff(Role.fixer, "dave", "carol")
    assert refused.kind == "forbidden"
    assert str(refused) == "only bob (fixer) or alice (commander) can hand off fixer"
    assert refused.hint == "ask alice to make the handoff"


@pytest.mark.parametrize("proposer", ["bob", "alice"], ids=["holder", "commander"])
def test_the_holder_and_the_commander_may_propose_a_handoff(proposer: str) -> None:
    check_handoff(Role.fixer, holders(), None, proposer, "dave", PEOPLE)


def test_the_commander_may_hand_off_a_role_they_wear_only_by_default() -> None:
    check_handoff(Role.communicator, holders(), None, "alice", "carol", PEOPLE)


def test_the_receiver_accepts_a_pending_handoff() -> None:
    pending = Pending(to="dave", by="bob")
    assert check_accept(Role.fixer, pending, "dave") is pending


def test_accepting_a_handoff_meant_for_someone_else_is_forbidden() -> None:
    with pytest.raises(HandoffRefused) as caught:
        check_accept(Role.fixer, Pending(to="dave", by="bob"), "carol")
    assert caught.value.kind == "forbidden"
    assert str(caught.value) == "the handoff of fixer is waiting for dave, not carol"
    assert caught.value.hint == "only dave can accept it"


def test_accepting_when_nothing_is_pending_is_a_conflict() -> None:
    with pytest.raises(HandoffRefused) as caught:
        check_accept(Role.fixer, None, "dave")
    assert caught.value.kind == "conflict"
    assert str(caught.value) == "no handoff of fixer is pending"
    assert caught.value.hint == "the holder proposes one first with `muster role INC fixer HANDLE`"


@pytest.mark.parametrize(
    "canceller", ["bob", "dave", "alice"], ids=["proposer", "receiver", "commander"]
)
def test_the_proposer_receiver_or_commander_may_cancel_a_pending_handoff(canceller: str) -> None:
    pending = Pending(to="dave", by="bob")
    assert check_cancel(Role.fixer, pending, canceller, commander="alice") is pending


def test_anyone_else_cancelling_a_handoff_is_forbidden() -> None:
    with pytest.raises(HandoffRefused) as caught:
        check_cancel(Role.fixer, Pending(to="dave", by="bob"), "carol", commander="alice")
    assert caught.value.kind == "forbidden"
    assert str(caught.value) == "only bob, dave or the commander alice can cancel this handoff"


def test_cancelling_when_nothing_is_pending_is_a_conflict() -> None:
    with pytest.raises(HandoffRefused) as caught:
        check_cancel(Role.fixer, None, "alice", commander="alice")
    assert caught.value.kind == "conflict"
    assert str(caught.value) == "no handoff of fixer is pending"
