"""The question buffer: stakeholders ask, the communicator works the queue, the fixer sees
only what is forwarded to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Row

from muster.actions.base import (
    Actor,
    Pen,
    Runtime,
    load_incident,
    plan_in_force,
    reference,
    require_text,
)
from muster.actions.messages import Outgoing
from muster.domain.hats import wearers
from muster.domain.questions import QuestionState, likely_duplicates
from muster.domain.records import EntryKind
from muster.domain.roles import Role
from muster.errors import Conflict, Forbidden, InvalidInput, NotFound
from muster.storage import comms, incidents


@dataclass(frozen=True)
class Asked:
    number: int
    likely_duplicates: list[int]


def ask(rt: Runtime, actor: Actor, ref: str, text: str) -> Asked:
    """Queue a question for the communicator, with the earlier ones it looks like."""
    body = require_text(text, "question", hint="ask one question", limit=2000)
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        earlier = [
            (q.number, q.text)
            for q in comms.questions_of(conn, row.id)
            if q.state != QuestionState.merged
        ]
        number = comms.add_question(
            conn,
            row.id,
            text=body,
            asked_by=actor.handle,
            asked_at=now,
            state=str(QuestionState.open),
        )
        alike = likely_duplicates(body, earlier)
        Pen(conn, row.id, actor.handle, now).write(
            EntryKind.question,
            f"question {number} from {actor.handle}: {body}",
            data={"question": number, "state": "asked", "likely_duplicates": alike},
        )
    return Asked(number, alike)


def _holders(conn: Connection, row: Row[Any]) -> dict[Role, str]:
    return wearers({r: x.holder for r, x in incidents.roles_of(conn, [row.id])[row.id].items()})


def _queue_keeper(actor: Actor, holders: dict[Role, str], doing: str) -> None:
    """The communicator works the queue; the commander may step in."""
    if not actor.admin and actor.handle not in (
        holders[Role.communicator],
        holders[Role.commander],
    ):
        raise Forbidden(
            f"only {holders[Role.communicator]} (communicator) or {holders[Role.commander]} "
            f"(commander) can {doing}",
            hint=f"ask {holders[Role.communicator]} to do it",
        )


def _load(conn: Connection, row: Row[Any], number: int) -> Row[Any]:
    found = comms.question(conn, row.id, number)
    if found is None:
        raise NotFound(
            f"{reference(row.number)} has no question {number}",
            hint="`muster questions INC` lists them",
            field="question",
        )
    if found.state in (QuestionState.answered, QuestionState.merged):
        raise Conflict(f"question {number} is already {found.state}", hint="nothing to do")
    return found


def answer(rt: Runtime, actor: Actor, ref: str, number: int, text: str) -> None:
    """Answer a question; the fixer may answer what was forwarded to them."""
    body = require_text(text, "answer", hint="answer in a sentence or two", limit=4000)
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        asked = _load(conn, row, number)
        holders = _holders(conn, row)
        if not (asked.state == QuestionState.forwarded and actor.handle == asked.forwarded_to):
            _queue_keeper(actor, holders, "answer questions")
        comms.change_question(
            conn,
            asked.id,
            state=str(QuestionState.answered),
            answer=body,
            answered_by=actor.handle,
            answered_at=now,
        )
        Pen(conn, row.id, actor.handle, now).write(
            EntryKind.question,
            f"answer to question {number}: {body}",
            data={"question": number, "state": "answered"},
        )


def merge(rt: Runtime, actor: Actor, ref: str, number: int, into: int) -> None:
    """Fold a duplicate into an earlier question: one answer serves both askers."""
    if number == into:
        raise InvalidInput(
            "a question cannot be merged into itself", hint="name the earlier one", field="into"
        )
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        _queue_keeper(actor, _holders(conn, row), "merge questions")
        duplicate = _load(conn, row, number)
        target = comms.question(conn, row.id, into)
        if target is None or target.state == QuestionState.merged:
            raise NotFound(
                f"{reference(row.number)} has no question {into} to merge into",
                hint="merge into an earlier question that is not itself merged",
                field="into",
            )
        comms.change_question(conn, duplicate.id, state=str(QuestionState.merged), merged_into=into)
        Pen(conn, row.id, actor.handle, now).write(
            EntryKind.question,
            f"question {number} merged into question {into}",
            data={"question": number, "state": "merged", "into": into},
        )


def forward(rt: Runtime, actor: Actor, ref: str, number: int) -> str:
    """Pass a question the communicator cannot answer to the fixer, and tell the fixer."""
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        holders = _holders(conn, row)
        _queue_keeper(actor, holders, "forward questions")
        asked = _load(conn, row, number)
        if asked.state == QuestionState.forwarded:
            raise Conflict(
                f"question {number} is already with {asked.forwarded_to}",
                hint="wait for the answer",
            )
        fixer = holders[Role.fixer]
        comms.change_question(
            conn, asked.id, state=str(QuestionState.forwarded), forwarded_to=fixer, forwarded_at=now
        )
        Pen(conn, row.id, actor.handle, now).write(
            EntryKind.question,
            f"question {number} forwarded to {fixer} (fixer)",
            data={"question": number, "state": "forwarded", "to": fixer},
        )
        out = Outgoing(
            conn,
            plan_in_force(rt, conn, row.plan_version).plan,
            now,
            row.id,
            row.number,
            drill=row.drill,
        )
        out.to_people(
            [fixer],
            "question",
            str(number),
            f"{reference(row.number)}: a question for you",
            f"{asked.text}\n\nAnswer with `muster answer {reference(row.number)} {number} TEXT`.",
        )
    if out.queued:
        rt.wake.set()
    return fixer
