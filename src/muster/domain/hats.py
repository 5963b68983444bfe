"""Hats and handoffs: who wears which role in one incident, and how a role changes hands.

The commander wears every hat not handed to someone else. A handoff is two-party: the holder
(or the commander) proposes, and it is in force only once the receiver accepts.
"""

from __future__ import annotations

from collections.abc import Mapping, Set
from dataclasses import dataclass
from enum import StrEnum

from muster.domain.roles import Role


class Refusal(StrEnum):
    """Why a handoff is refused, so callers can report it rightly (422, 409, 403)."""

    invalid = "invalid"  # the request names something that does not exist
    conflict = "conflict"  # the incident's state forbids it now
    forbidden = "forbidden"  # this person may not do it


class HandoffRefused(ValueError):
    """A handoff the rules forbid. `kind` tells the caller how to report it."""

    def __init__(self, kind: Refusal, message: str, hint: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.hint = hint


@dataclass(frozen=True)
class Pending:
    """A proposed handoff waiting for its receiver."""

    to: str
    by: str


def wearers(holders: Mapping[Role, str | None]) -> dict[Role, str]:
    """Who actually wears each role: the named holder, or the commander when none is named."""
    commander = holders.get(Role.commander)
    if commander is None:
        raise ValueError("an incident always has a commander")
    return {role: holders.get(role) or commander for role in Role}


def hats(holders: Mapping[Role, str | None]) -> dict[str, list[Role]]:
    """Each person's roles in this incident, in role order."""
    worn: dict[str, list[Role]] = {}
    for role, person in wearers(holders).items():
        worn.setdefault(person, []).append(role)
    return worn


def warnings(holders: Mapping[Role, str | None]) -> list[str]:
    """What a commander should hear about the hats as they stand.

    Commander and communicator on one person is acceptable in a two-person response; the
    commander fixing is not: nobody is left to decide while they debug.
    """
    worn = wearers(holders)
    found = []
    if worn[Role.commander] == worn[Role.fixer]:
        found.append(
            f"{worn[Role.commander]} is both commander and fixer: nobody is deciding while they "
            "repair; hand the fixer role to someone else (`muster role INC fixer HANDLE`)"
        )
    unfilled = [role for role in Role if role is not Role.commander and not holders.get(role)]
    if unfilled and worn[Role.commander] != worn[Role.fixer]:
        names = " and ".join(unfilled)
        found.append(f"{worn[Role.commander]} (commander) also holds {names}: nobody else is named")
    return found


def check_handoff(
    role: Role,
    holders: Mapping[Role, str | None],
    pending: Pending | None,
    proposer: str,
    receiver: str,
    people: Set[str],
) -> None:
    """Raise HandoffRefused unless `proposer` may hand `role` to `receiver` now."""
    worn = wearers(holders)
    if receiver not in people:
        raise HandoffRefused(
            Refusal.invalid,
            f"{receiver!r} is not a person in the plan",
            "hand the role to one of: " + ", ".join(sorted(people)),
        )
    if pending is not None:
        raise HandoffRefused(
            Refusal.conflict,
            f"a handoff of {role} to {pending.to} is already pending",
            f"{pending.to} accepts it with `muster accept INC {role}`, "
            f"or {pending.by} cancels it with `muster role INC {role} --cancel`",
        )
    if worn[role] == receiver and holders.get(role) == receiver:
        raise HandoffRefused(
            Refusal.conflict, f"{receiver} already holds {role}", "nothing to hand off"
        )
    if proposer not in (worn[role], worn[Role.commander]):
        raise HandoffRefused(
            Refusal.forbidden,
            f"only {worn[role]} ({role}) or {worn[Role.commander]} (commander) can hand off {role}",
            f"ask {worn[Role.commander]} to make the handoff",
        )


def check_accept(role: Role, pending: Pending | None, accepter: str) -> Pending:
    """Return the pending handoff `accepter` may accept, or raise HandoffRefused."""
    if pending is None:
        raise HandoffRefused(
            Refusal.conflict,
            f"no handoff of {role} is pending",
            f"the holder proposes one first with `muster role INC {role} HANDLE`",
        )
    if pending.to != accepter:
        raise HandoffRefused(
            Refusal.forbidden,
            f"the handoff of {role} is waiting for {pending.to}, not {accepter}",
            f"only {pending.to} can accept it",
        )
    return pending


def check_cancel(
    role: Role, pending: Pending | None, canceller: str, commander: str, *, operator: bool = False
) -> Pending:
    """A pending handoff is withdrawn by its proposer or the commander, or declined by its
    receiver; the server's `operator` (admin token) may clear any."""
    if pending is None:
        raise HandoffRefused(
            Refusal.conflict, f"no handoff of {role} is pending", "nothing to cancel"
        )
    if not operator and canceller not in (pending.by, pending.to, commander):
        raise HandoffRefused(
            Refusal.forbidden,
            f"only {pending.by}, {pending.to} or the commander {commander} can cancel this handoff",
            "ask one of them",
        )
    return pending
