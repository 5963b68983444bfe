"""Paging end to end: declaration pages the on-call commander by webhook and mail with an ack
link; unacknowledged pages escalate step by step; any acknowledgement stops it; two workers
never page twice; low severities wait for working hours. The clock is the test's."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update

from muster.jobs.escalate import escalate
from muster.storage.tables import incident_roles, outbox, pages
from paging.pagingkit import ACK_LINK, Mailbox, Receiver, work

# At the test clock (Friday 2026-11-20 18:00 Berlin) dan is the on-call commander, alice his
# backup; erin is the fixer for auth (an owner), carol the communicator.


def declare(team: Any, severity: str = "SEV1", who: str = "carol") -> dict[str, Any]:
    answer = team.api(who).post(
        "/api/v1/incidents",
        json={"title": "Logins failing", "severity": severity, "services": ["auth"]},
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def page_texts(team: Any, ref: str = "INC-1") -> list[str]:
    timeline = team.api().get(f"/api/v1/incidents/{ref}/timeline").json()
    return [e["text"] for e in timeline if e["kind"] == "page"]


def test_declaring_pages_the_on_call_commander_by_webhook_and_mail_with_an_ack_link(
    paged: Any, receiver: Receiver, mailbox: Mailbox
) -> None:
    declare(paged)

    assert work(paged.rt) == 1

    [hit] = receiver.pages()
    assert hit.path == "/dan"
    assert hit.title == "PAGE INC-1 SEV1: Logins failing"
    assert "muster ack INC-1" in hit.message
    [mail] = mailbox.pages_to("dan@example.com")
    mail_link = ACK_LINK.search(mailbox.text(mail))
    hook_link = ACK_LINK.search(hit.message)
    assert mail_link and hook_link and mail_link.group(1) == hook_link.group(1)
    assert page_texts(paged) == ["paged dan (commander) through 2 contacts"]
    assert work(paged.rt) == 0  # nothing more until the backup's turn
    assert len(receiver.pages()) == 1


def test_unacknowledged_pages_escalate_step_by_step_until_the_link_is_confirmed(
    paged: Any, receiver: Receiver, mailbox: Mailbox, clock: Any
) -> None:
    declare(paged)
    work(paged.rt)
    clock.advance(minutes=4, seconds=59)
    assert work(paged.rt) == 0

    clock.advance(seconds=1)  # 5 minutes unacknowledged: the commander's backup
    assert work(paged.rt) == 1
    assert [h.path for h in receiver.pages()] == ["/dan", "/alice"]

    clock.advance(minutes=10)  # 15 minutes: carol, erin and the #leadership channel
    assert work(paged.rt) == 3
    assert sorted(h.path for h in receiver.pages()[2:]) == ["/carol", "/erin", "/leadership"]
    texts = page_texts(paged)
    assert "not acknowledged after 5m: escalating to step 2 of 3: alice (commander-backup)" in texts
    assert (
        "not acknowledged after 15m: escalating to step 3 of 3: carol (named in the escalation), "
        "erin (named in the escalation), #leadership (via)" in texts
    )

    # A mail scanner fetching the link acknowledges nothing; the button does.
    [token] = ACK_LINK.findall(receiver.pages("erin")[0].message)
    shown = paged.client.get(f"/ack/{token}")
    assert shown.status_code == 200
    assert '<form method="post"' in shown.text and "erin, you were paged" in shown.text
    assert shown.headers["cache-control"] == "no-store"
    assert paged.api().get("/api/v1/incidents/INC-1").json()["phase"] == "detection"

    clock.advance(minutes=1)
    confirmed = paged.client.post(f"/ack/{token}")
    assert confirmed.status_code == 200 and "Acknowledged by erin" in confirmed.text
    detail = paged.api().get("/api/v1/incidents/INC-1").json()
    assert detail["phase"] == "triage"
    assert detail["milestones"]["acknowledged"] == clock.now.isoformat().replace("+00:00", "Z")
    assert detail["timeline"][-1]["text"] == (
        "pages acknowledged by erin; escalation stopped (paged: #leadership, alice, carol, dan, "
        "erin)"
    )
    assert paged.client.post(f"/ack/{token}").status_code == 200  # a second click is harmless

    clock.advance(hours=2)
    assert work(paged.rt) == 0
    assert len(receiver.pages()) == 5
    with paged.rt.db.read() as conn:
        unacked = conn.scalar(
            select(func.count()).select_from(pages).where(pages.c.acknowledged_at.is_(None))
        )
    assert unacked == 0


def test_muster_ack_stops_the_escalation_and_says_so_once(
    paged: Any, receiver: Receiver, clock: Any
) -> None:
    declare(paged)
    work(paged.rt)
    clock.advance(minutes=2)

    out = paged.ok("ack", "INC-1", who="dan")
    assert out.startswith("INC-1 acknowledged; phase triage.")
    again = paged.ok("ack", "INC-1", who="alice")
    assert again == "INC-1 was already acknowledged at 18:02 (team time).\n"
    clock.advance(minutes=30)
    assert work(paged.rt) == 0
    assert [h.path for h in receiver.pages()] == ["/dan"]
    assert page_texts(paged)[-1] == "pages acknowledged by dan; escalation stopped (paged: dan)"


def test_the_incident_shows_who_was_paged_and_who_is_paged_next_until_acknowledged(
    paged: Any, clock: Any
) -> None:
    declare(paged)
    assert "Paging dan (commander) now" in paged.ok("show", "INC-1")  # before the worker runs
    work(paged.rt)
    paging = paged.api().get("/api/v1/incidents/INC-1").json()["paging"]
    [dan] = paging["pages"]
    assert (dan["step"], dan["person"], dan["reason"]) == (1, "dan", "commander")
    assert dan["paged_at"] == "2026-11-20T17:00:00Z" and dan["acknowledged_at"] is None
    assert paging["next"] == {
        "step": 2,
        "of": 3,
        "at": "2026-11-20T17:05:00Z",
        "paging": ["alice (commander-backup)"],
    }
    shown = paged.ok("show", "INC-1")
    assert "Paged: dan (commander) 18:00" in shown
    assert (
        "Not acknowledged yet; at 18:05 step 2 of 3 pages alice (commander-backup) "
        "(muster ack INC-1)" in shown
    )

    clock.advance(minutes=5)
    work(paged.rt)
    paging = paged.api().get("/api/v1/incidents/INC-1").json()["paging"]
    assert [p["person"] for p in paging["pages"]] == ["dan", "alice"]
    assert paging["next"]["at"] == "2026-11-20T17:15:00Z"
    assert paging["next"]["paging"] == [
        "carol (named in the escalation)",
        "erin (named in the escalation)",
        "#leadership (via)",
    ]

    clock.advance(minutes=1)
    paged.ok("ack", "INC-1", who="alice")
    paging = paged.api().get("/api/v1/incidents/INC-1").json()["paging"]
    assert paging["next"] is None
    assert {p["acknowledged_by"] for p in paging["pages"]} == {"alice"}
    shown = paged.ok("show", "INC-1")
    assert "Acknowledged by alice at 18:06" in shown and "Not acknowledged" not in shown


def test_a_page_held_for_working_hours_says_until_when(paged: Any, clock: Any) -> None:
    clock.set(datetime(2026, 11, 21, 14, 0, tzinfo=ZoneInfo("Europe/Berlin")))  # a Saturday
    declare(paged, severity="SEV3")
    work(paged.rt)
    [page] = paged.api().get("/api/v1/incidents/INC-1").json()["paging"]["pages"]
    assert page["paged_at"] is None
    assert page["waits_until"] == "2026-11-23T08:00:00Z"  # Monday 09:00 in Berlin
    assert "Paging dan (commander) waits until Nov 23 09:00" in paged.ok("show", "INC-1")


def test_a_page_acknowledged_before_it_went_out_is_not_shown_as_waiting(
    paged: Any, clock: Any
) -> None:
    clock.set(datetime(2026, 11, 21, 14, 0, tzinfo=ZoneInfo("Europe/Berlin")))  # a Saturday
    declare(paged, severity="SEV3")
    paged.ok("ack", "INC-1", who="dan")
    assert paged.api().get("/api/v1/incidents/INC-1").json()["paging"] == {
        "pages": [],
        "next": None,
    }
    assert "Paging" not in paged.ok("show", "INC-1")


def test_a_private_incident_pages_people_never_a_channel(
    paged: Any, receiver: Receiver, clock: Any
) -> None:
    answer = paged.api("carol").post(
        "/api/v1/incidents",
        json={"title": "Data exposed", "severity": "SEV1", "services": ["auth"], "private": True},
    )
    assert answer.status_code == 201
    clock.advance(minutes=5)
    work(paged.rt)
    coming = paged.api("dan").get("/api/v1/incidents/INC-1").json()["paging"]["next"]
    assert coming["paging"] == ["carol (named in the escalation)", "erin (named in the escalation)"]
    clock.advance(minutes=10)
    work(paged.rt)
    pages = paged.api("dan").get("/api/v1/incidents/INC-1").json()["paging"]["pages"]
    assert [p["person"] for p in pages] == ["dan", "alice", "carol", "erin"]
    assert "/leadership" not in [h.path for h in receiver.pages()]


def test_a_step_that_pages_nobody_is_passed_over_once_not_on_every_tick(
    paged: Any, receiver: Receiver, clock: Any
) -> None:
    declare(paged)
    with paged.rt.db.transaction() as conn:  # a commander with no backup, as after a handoff
        conn.execute(update(incident_roles).values(backup=None))
    work(paged.rt)
    coming = paged.api().get("/api/v1/incidents/INC-1").json()["paging"]["next"]
    assert (coming["step"], coming["at"]) == (3, "2026-11-20T17:15:00Z")
    for _ in range(3):
        clock.advance(minutes=5)
        work(paged.rt)
    assert [h.path for h in receiver.pages()][:1] == ["/dan"]
    assert sorted(h.path for h in receiver.pages()[1:]) == ["/carol", "/erin", "/leadership"]
    assert not any("step 2" in text for text in page_texts(paged))


def test_the_commander_declaring_leaves_nothing_to_show_under_paging(paged: Any) -> None:
    detail = declare(paged, who="dan")
    assert detail["paging"] == {"pages": [], "next": None}


def test_a_commander_who_declares_has_acknowledged_and_is_not_paged(
    paged: Any, receiver: Receiver, clock: Any
) -> None:
    declare(paged, who="dan")
    clock.advance(minutes=20)
    assert work(paged.rt) == 0
    assert receiver.pages() == []


def test_two_workers_at_once_never_page_anyone_twice(
    paged: Any, receiver: Receiver, clock: Any
) -> None:
    for _ in range(3):
        declare(paged)
    clock.advance(minutes=16)  # every step of every incident is due at once
    start = threading.Barrier(4)
    sent: list[int] = []

    def worker(name: str) -> None:
        start.wait()
        for _ in range(3):
            sent.append(escalate(paged.rt, name))

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    per_incident = 1 + 1 + 3  # dan; alice; carol, erin and #leadership
    assert sum(sent) == 3 * per_incident
    with paged.rt.db.read() as conn:
        page_rows = conn.scalar(select(func.count()).select_from(pages))
        messages = conn.scalar(
            select(func.count()).select_from(outbox).where(outbox.c.event == "page")
        )
    assert page_rows == 3 * per_incident
    assert messages == 3 * (4 * 2 + 1)  # four people with two contacts each, one channel


def test_a_low_severity_on_saturday_waits_for_monday_morning_in_berlin(
    paged: Any, receiver: Receiver, clock: Any
) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    clock.set(datetime(2026, 11, 21, 14, 0, tzinfo=berlin))  # Saturday afternoon
    declare(paged, severity="SEV3")
    assert page_texts(paged) == [
        "pages to dan (commander) wait for working hours: Mon 2026-11-23 09:00 Europe/Berlin"
    ]
    clock.set(datetime(2026, 11, 23, 8, 59, tzinfo=berlin))
    assert work(paged.rt) == 0
    clock.set(datetime(2026, 11, 23, 9, 0, tzinfo=berlin))
    assert work(paged.rt) == 1
    assert [h.path for h in receiver.pages()] == ["/dan"]
    clock.set(datetime(2026, 11, 23, 9, 5, tzinfo=berlin))  # the backup 5m after, not at 9:00
    assert work(paged.rt) == 1
    assert [h.path for h in receiver.pages()] == ["/dan", "/alice"]
    assert clock.now.astimezone(UTC).hour == 8  # 09:05 CET is 08:05 UTC


def test_bad_acknowledgements_are_refused_and_never_500(paged: Any) -> None:
    for method in ("get", "post"):
        answer = getattr(paged.client, method)("/ack/not-a-token")
        assert answer.status_code == 404 and "unknown" in answer.text
        assert answer.headers["content-type"].startswith("text/html")
        assert getattr(paged.client, method)("/ack/" + "x" * 101).status_code == 422
    api = paged.api("alice")
    assert api.post("/api/v1/incidents/INC-9/ack").status_code == 404
    assert api.post("/api/v1/incidents/nope/ack").status_code == 422
    declare(paged)
    assert api.post("/api/v1/incidents/INC-1/ack", json={"at": "tomorrow"}).status_code == 422
    assert api.post("/api/v1/incidents/INC-1/ack", json={"when": "now"}).status_code == 422
    first = api.post("/api/v1/incidents/INC-1/ack")
    assert first.status_code == 200 and first.json()["already"] is False
    assert api.post("/api/v1/incidents/INC-1/ack").json()["already"] is True
