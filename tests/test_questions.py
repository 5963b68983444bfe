"""The question buffer: questions wait for the communicator; the fixer sees only what is
forwarded to them."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import Clock, Team


@pytest.fixture
def incident(team: Team, clock: Clock) -> Team:
    team.ok(
        "declare", "Users cannot log in", "--severity", "SEV1", "--service", "auth", who="carol"
    )  # dan commands, carol communicates, erin fixes
    return team


def queue(team: Team, who: str) -> list[Any]:
    return team.api(who).get("/api/v1/incidents/INC-1/questions").json()  # type: ignore[no-any-return]


def test_questions_wait_in_the_queue_and_duplicates_are_suggested(incident: Team) -> None:
    first = incident.ok("ask", "INC-1", "Can customers still log in with SSO?", who="alice")
    assert "question 1 is in the queue" in first
    second = incident.ok("ask", "INC-1", "Can customers log in with SSO right now?", who="bob")
    assert "It looks like question 1" in second
    listing = incident.ok("questions", "INC-1", who="carol")
    assert "looks like 1" in listing
    incident.ok("merge", "INC-1", "2", "--into", "1", who="carol")
    incident.ok("answer", "INC-1", "1", "Yes: SSO sign-in is not affected.", who="carol")
    states = {q["number"]: q["state"] for q in queue(incident, "carol")}
    assert states == {1: "answered", 2: "merged"}
    timeline = incident.api().get("/api/v1/incidents/INC-1/timeline").json()
    assert [e["text"] for e in timeline if e["kind"] == "question"][-2:] == [
        "question 2 merged into question 1",
        "answer to question 1: Yes: SSO sign-in is not affected.",
    ]


def test_the_fixer_sees_only_forwarded_questions_and_can_answer_them(incident: Team) -> None:
    incident.ok("ask", "INC-1", "Which customers are affected?", who="alice")
    incident.ok("ask", "INC-1", "Is it the 18:10 deploy's auth config?", who="bob")
    assert queue(incident, "erin") == []  # the fixer is left alone
    out = incident.ok("forward", "INC-1", "2", who="carol")
    assert "forwarded to erin" in out
    assert [q["number"] for q in queue(incident, "erin")] == [2]
    incident.ok("answer", "INC-1", "2", "Yes, the signing secret changed.", who="erin")
    assert queue(incident, "carol")[1]["answered_by"] == "erin"
    refused = incident.cli("answer", "INC-1", "1", "dunno", who="erin")
    assert refused.exit_code == 2
    assert "only carol (communicator) or dan (commander) can answer questions" in refused.stderr


def test_forwarding_tells_the_fixer_through_their_contacts(incident: Team) -> None:
    from sqlalchemy import select

    from muster.storage.tables import outbox

    incident.ok("ask", "INC-1", "Is the rollback safe?", who="alice")
    incident.ok("forward", "INC-1", "1", who="carol")
    with incident.rt.db.read() as conn:
        rows = list(conn.execute(select(outbox).where(outbox.c.event == "question")))
    assert {r.destination for r in rows} == {
        "mailto://erin@example.com",
        "json://pager.example.com/hooks/erin",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["answer", "INC-1", "9", "x"], "INC-1 has no question 9"),
        (["merge", "INC-1", "1", "--into", "1"], "a question cannot be merged into itself"),
        (["merge", "INC-1", "1", "--into", "7"], "INC-1 has no question 7 to merge into"),
        (["ask", "INC-1", " "], "the question is empty"),
    ],
)
def test_bad_queue_work_is_refused(incident: Team, args: list[str], message: str) -> None:
    incident.ok("ask", "INC-1", "Is billing affected?", who="alice")
    result = incident.cli(*args, who="carol")
    assert result.exit_code == 2 and message in result.stderr
