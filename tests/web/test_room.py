"""The incident room and the fixer's focus view, through HTTP as each persona's browser; the
live timeline through a real server and a real event stream.

dan commands, carol communicates, erin fixes (bob and alice are the backups).
"""

from __future__ import annotations

import queue
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import uvicorn

from muster.actions import users
from muster.actions.base import Actor
from muster.actions.record import log_entry
from muster.jobs.escalate import escalate
from muster.web.app import create_app
from serving import free_port

from .webclient import PASSWORD, PageClient

Browser = Callable[..., PageClient]
Team = Any  # tests/conftest.py's Team: the example team with tokens, API and CLI
ADMIN = Actor("admin", admin=True)
ROOM = "/incidents/INC-1"


def declare(team: Team, who: str = "dan", **extra: Any) -> dict[str, Any]:
    body = {"title": "Logins failing", "severity": "SEV2", "services": ["auth"], **extra}
    response = team.api(who).post("/api/v1/incidents", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def timeline(team: Team) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = team.api("dan").get(f"/api/v1{ROOM}/timeline").json()
    return entries


def field_error(page: str, field_id: str) -> str:
    """The error shown right after the field `field_id`, or ''."""
    found = re.search(
        rf'<p class="error" id="{field_id}-err"><strong>Error:</strong> ([^<]*)', page
    )
    return found.group(1) if found else ""


# --- The room -----------------------------------------------------------------------------


def test_the_room_shows_who_holds_each_role_the_update_countdown_and_the_timeline(
    team: Team, browser_as: Browser
) -> None:
    declare(team)
    page = browser_as("carol").get(ROOM)
    assert page.status_code == 200
    html = page.text
    assert "<strong>Commander</strong>: dan" in html and "backup alice" in html
    assert "<strong>Communicator</strong>: carol (you)" in html
    assert "<strong>Fixer</strong>: erin" in html
    # The seed evening starts 18:00 Berlin; SEV2's customer cadence is an hour.
    assert "customer update due in 60 min (19:00)" in html
    assert "internal update due in 30 min (18:30)" in html
    assert 'class="entry kind-declared"' in html
    assert f'sse-connect="{ROOM}/live?after=' in html
    assert page.headers["Server-Timing"].startswith("app;dur=")


def test_the_countdown_says_overdue_in_words_not_only_in_colour(
    team: Team, browser_as: Browser, clock: Any
) -> None:
    declare(team)
    clock.advance(minutes=95)
    html = browser_as("carol").get(f"{ROOM}/state").text
    assert "⚠ customer update overdue by 35 min (was due 19:00)" in html


def test_each_room_action_lands_on_the_timeline(team: Team, browser_as: Browser) -> None:
    declare(team)
    dan, erin, carol = browser_as("dan"), browser_as("erin"), browser_as("carol")
    posts = [
        (erin, "log", {"text": "Restarted auth-2", "kind": "action", "at": ""}),
        (dan, "decide", {"decision": "rollback", "why": "The 17:40 deploy broke logins"}),
        (dan, "milestone", {"milestone": "identified", "at": ""}),
        (carol, "update", {"track": "internal", "text": "Rolling back auth", "do": "post"}),
    ]
    for who, action, form in posts:
        response = who.post(f"{ROOM}/{action}", form)
        assert response.status_code == 303, (
            action,
            re.findall(r"Error:</strong>[^<]*", response.text),
        )
        assert response.headers["location"] == f"{ROOM}#timeline"
    kinds = [(e["kind"], e["author"]) for e in timeline(team)]
    for expected in [("action", "erin"), ("decision", "dan"), ("milestone", "dan")]:
        assert expected in kinds
    assert ("update", "carol") in kinds
    html = browser_as("alice").get(ROOM).text
    assert "Restarted auth-2" in html and "Rolling back auth" in html
    assert "<dt>Phase</dt><dd>mitigation</dd>" in html


def test_with_htmx_a_form_answers_with_itself_emptied_or_with_the_error_and_the_text_kept(
    team: Team, browser_as: Browser
) -> None:
    declare(team)
    erin = browser_as("erin")
    ok = erin.post(f"{ROOM}/log", {"text": "Checked the load balancer"}, htmx=True)
    assert ok.status_code == 200
    assert ok.text.lstrip().startswith('<form id="form-log"') and "<html" not in ok.text
    assert "Checked the load balancer" not in ok.text  # emptied for the next entry
    bad = erin.post(f"{ROOM}/log", {"text": "Found it", "at": "tomorrow 25:99"}, htmx=True)
    assert bad.status_code == 422
    assert field_error(bad.text, "log-at")
    assert ">Found it</textarea>" in bad.text and 'value="tomorrow 25:99"' in bad.text
    assert [e["text"] for e in timeline(team)].count("Found it") == 0


def test_a_refused_form_without_javascript_shows_the_room_with_the_error_at_the_field(
    team: Team, browser_as: Browser
) -> None:
    declare(team)
    page = browser_as("dan").post(f"{ROOM}/decide", {"decision": "pray", "why": "no idea"})
    assert page.status_code == 422
    assert "is not a decision Muster knows" in field_error(page.text, "decide-decision")
    assert ">no idea</textarea>" in page.text
    assert "<details open><summary>Record a decision" in page.text


def test_the_preview_shows_the_text_and_the_guards_findings_and_posts_nothing(
    team: Team, browser_as: Browser
) -> None:
    declare(team)
    leaky = "auth-db-2.internal ran out of connections after deploy 4f3a2c1; we are on it"
    page = browser_as("carol").post(
        f"{ROOM}/update", {"track": "customer", "text": leaky, "do": "preview"}, htmx=True
    )
    assert page.status_code == 200
    assert "Preview: nothing is posted yet" in page.text
    assert "customers should not read" in page.text
    assert re.search(r'<ul class="findings"><li>[^<]+</li>', page.text)
    assert f">{leaky}</textarea>" in page.text  # kept, to be edited
    assert team.api("dan").get(f"/api/v1{ROOM}/updates").json() == []


def test_a_template_preview_shows_the_filled_in_text(team: Team, browser_as: Browser) -> None:
    declare(team)
    page = browser_as("carol").post(
        f"{ROOM}/update",
        {"track": "customer", "template": "investigating-customer", "do": "preview"},
    )
    assert page.status_code == 200
    assert "We are investigating a problem with" in page.text
    assert "The guard found nothing internal." in page.text


def test_a_strict_refusal_keeps_the_text_and_posts_nothing(team: Team, browser_as: Browser) -> None:
    declare(team)
    leaky = "auth-db-2.internal is down"
    page = browser_as("carol").post(
        f"{ROOM}/update", {"track": "customer", "text": leaky, "strict": "1", "do": "post"}
    )
    assert page.status_code == 422
    assert "leaks internal details" in field_error(page.text, "update-text")
    assert f">{leaky}</textarea>" in page.text and 'name="strict" value="1" checked' in page.text
    assert team.api("dan").get(f"/api/v1{ROOM}/updates").json() == []


def test_a_handoff_offered_by_one_person_is_accepted_by_another_in_their_room(
    team: Team, browser_as: Browser
) -> None:
    declare(team)
    dan, bob = browser_as("dan"), browser_as("bob")
    offered = dan.post(f"{ROOM}/handoff", {"role": "fixer", "to": "bob", "reason": "erin is off"})
    assert offered.status_code == 303
    room = bob.get(ROOM).text
    assert "Handoff pending: offered to <strong>bob</strong> by dan" in room
    assert f'action="{ROOM}/roles/fixer/accept"' in room
    assert f'action="{ROOM}/roles/fixer/accept"' not in dan.get(ROOM).text
    accepted = bob.post(f"{ROOM}/roles/fixer/accept", {}, htmx=True)
    assert accepted.status_code == 200
    assert "<strong>Fixer</strong>: bob (you)" in accepted.text
    assert "Handoff pending" not in accepted.text
    assert "handoff" in [e["kind"] for e in timeline(team)]
    roles = team.api("dan").get(f"/api/v1{ROOM}").json()["roles"]
    assert [r["holder"] for r in roles if r["role"] == "fixer"] == ["bob"]


def test_accepting_an_offer_made_to_someone_else_is_refused_in_place(
    team: Team, browser_as: Browser
) -> None:
    declare(team)
    browser_as("dan").post(f"{ROOM}/handoff", {"role": "fixer", "to": "bob"})
    refused = browser_as("alice").post(f"{ROOM}/roles/fixer/accept", {}, htmx=True)
    assert refused.status_code == 403
    assert '<p class="error" role="alert">' in refused.text and "bob" in refused.text


def test_the_room_says_who_was_paged_and_who_is_next_and_acknowledges_in_one_click(
    team: Team, browser_as: Browser
) -> None:
    declare(team, who="carol")  # not the commander, so dan is paged
    escalate(team.rt, "w1")
    dan = browser_as("dan")
    room = dan.get(ROOM).text
    assert "<strong>⚠ Not acknowledged yet.</strong> At 18:05 step 2 of " in room
    assert "pages alice (commander-backup)." in room
    assert "Paged: dan (commander) 18:00" in room
    assert f'action="{ROOM}/ack"' in room

    acked = dan.post(f"{ROOM}/ack", {}, htmx=True)
    assert acked.status_code == 200
    assert "Acknowledged by <strong>dan</strong> at 18:00" in acked.text
    assert "Not acknowledged" not in acked.text and f'action="{ROOM}/ack"' not in acked.text
    assert team.api("dan").get(f"/api/v1{ROOM}").json()["paging"]["next"] is None
    assert dan.post(f"{ROOM}/ack", {}).status_code == 303  # a second click, without JavaScript


def test_the_communicator_works_the_question_queue_from_the_room(
    team: Team, browser_as: Browser
) -> None:
    declare(team)
    api = team.api("alice")
    for text in ("Is billing down?", "Are logins down for everyone?", "Is billing down too?"):
        assert api.post(f"/api/v1{ROOM}/questions", json={"text": text}).status_code == 201
    carol = browser_as("carol")
    room = carol.get(ROOM).text
    assert "Looks like question 1." in room  # the likely duplicate is offered
    assert carol.post(f"{ROOM}/questions/3/merge", {"into": "1"}).status_code == 303
    answered = carol.post(f"{ROOM}/questions/1/answer", {"text": "No, billing works."}, htmx=True)
    assert answered.status_code == 200 and 'id="room-questions"' in answered.text
    assert "Answer (carol): No, billing works." in answered.text
    assert carol.post(f"{ROOM}/questions/2/forward", {}).status_code == 303
    states = {q["number"]: q["state"] for q in api.get(f"/api/v1{ROOM}/questions").json()}
    assert states == {1: "answered", 2: "forwarded", 3: "merged"}
    empty = carol.post(f"{ROOM}/questions/2/answer", {"text": "  "}, htmx=True)
    assert empty.status_code == 422 and field_error(empty.text, "answer-2-text")


def test_the_focus_view_shows_the_fixer_only_the_questions_forwarded_to_them(
    team: Team, browser_as: Browser
) -> None:
    declare(team)
    api = team.api("alice")
    api.post(f"/api/v1{ROOM}/questions", json={"text": "Will we make the 9pm launch?"})
    api.post(f"/api/v1{ROOM}/questions", json={"text": "Which login methods fail?"})
    team.api("carol").post(f"/api/v1{ROOM}/questions/2/forward")
    for who in ("erin", "dan"):  # designed for the fixer; anyone may open it
        focus = browser_as(who).get(f"{ROOM}/focus").text
        queue = focus[focus.index('id="room-questions"') : focus.index('id="timeline"')]
        assert "Which login methods fail?" in queue
        assert "9pm launch" not in queue  # (the timeline still records that it was asked)
        assert 'id="form-log"' in focus and 'name="back" value="focus"' in focus
    erin = browser_as("erin")
    done = erin.post(f"{ROOM}/questions/2/answer", {"text": "Password logins", "back": "focus"})
    assert done.headers["location"] == f"{ROOM}/focus#timeline"
    logged = erin.post(f"{ROOM}/log", {"text": "Found the bad config", "back": "focus"})
    assert logged.headers["location"] == f"{ROOM}/focus#timeline"
    assert "Found the bad config" in erin.get(f"{ROOM}/focus").text


def test_an_outsider_cannot_open_a_private_incidents_room(
    outsider: Team, browser_as: Browser
) -> None:
    declare(outsider, private=True)
    frank = browser_as("frank")
    for path in (ROOM, f"{ROOM}/focus", f"{ROOM}/state", f"{ROOM}/questions", f"{ROOM}/live"):
        response = frank.get(path)
        assert response.status_code == 404, path
        assert "Logins failing" not in response.text
    refused = frank.post(f"{ROOM}/log", {"text": "peek"})
    assert refused.status_code == 404 and "Logins failing" not in refused.text
    assert browser_as("erin").get(ROOM).status_code == 200


def test_a_long_timeline_is_paged_newest_first(team: Team, browser_as: Browser) -> None:
    declare(team)
    for n in range(205):
        log_entry(team.rt, Actor("erin"), "INC-1", f"step {n}")
    erin = browser_as("erin")
    page = erin.get(ROOM).text
    assert page.count('class="entry ') == 200
    assert page.index("step 204") < page.index("step 5")  # newest first
    earlier = re.search(r'hx-get="/incidents/INC-1/timeline\?before=(\d+)"', page)
    assert earlier
    rest = erin.get(f"{ROOM}/timeline?before={earlier.group(1)}", headers={"HX-Request": "true"})
    assert rest.text.count('class="entry ') == timeline_length(team) - 200
    assert "Nothing earlier" not in rest.text and "Earlier entries" not in rest.text
    back = erin.get(f"{ROOM}?before={earlier.group(1)}").text
    assert "Back to the latest entries" in back and "sse-connect" not in back


def timeline_length(team: Team) -> int:
    return len(timeline(team))


JUNK: list[tuple[str, dict[str, str]]] = [
    ("log", {"text": "nul \x00 here"}),
    ("log", {"text": "x" * 10_001}),
    ("log", {"text": "ok", "kind": "decision"}),
    ("log", {"text": "ok", "at": "9999-99-99"}),
    ("log", {}),
    ("decide", {"decision": "", "why": ""}),
    ("milestone", {"milestone": "nirvana"}),
    ("milestone", {"milestone": "detected", "at": "1900-01-01T00:00:00"}),
    ("handoff", {"role": "janitor", "to": "bob"}),
    ("handoff", {"role": "fixer", "to": ""}),
    ("handoff", {"role": "fixer", "to": "nobody-here"}),
    ("update", {"track": "carrier-pigeon", "text": "hi", "do": "post"}),
    ("update", {"track": "customer", "text": "hi", "template": "x", "do": "preview"}),
    ("update", {"track": "customer", "text": "hi", "next": "next tuesday-ish", "do": "post"}),
    ("update", {"track": "internal", "text": "hi", "status": "resolved", "do": "post"}),
    ("roles/commander/accept", {}),
    ("roles/wizard/cancel", {}),
    ("questions/abc/answer", {"text": "x"}),
    ("questions/99999999999/forward", {}),
    ("questions/1/merge", {"into": "one"}),
    ("questions/7/answer", {"text": "x"}),
]


def test_junk_in_a_room_form_is_refused_politely_never_a_500(
    team: Team, browser_as: Browser
) -> None:
    declare(team)
    team.api("alice").post(f"/api/v1{ROOM}/questions", json={"text": "Is it down?"})
    before = timeline_length(team)
    dan = browser_as("dan")
    for action, form in JUNK:
        for htmx in (False, True):
            response = dan.post(f"{ROOM}/{action}", form, htmx=htmx)
            assert 400 <= response.status_code < 500, (action, form, response.status_code)
            assert "text/html" in response.headers["content-type"]
            assert "<strong>Error:</strong>" in response.text, (action, form)
    assert timeline_length(team) == before


def test_a_broken_form_body_and_junk_paths_are_refused_never_a_500(
    team: Team, browser_as: Browser
) -> None:
    declare(team)
    dan = browser_as("dan")
    broken = dan.client.post(
        f"{ROOM}/log",
        content=b'--x\r\nContent-Disposition: form-data; name="text"\r\n\r\nunterminated',
        headers={"Content-Type": "multipart/form-data; boundary=x", "X-CSRF-Token": dan.csrf},
    )
    assert 400 <= broken.status_code < 500
    upload = dan.client.post(
        f"{ROOM}/log",
        files={"text": ("a.txt", b"file")},
        headers={"X-CSRF-Token": dan.csrf, "Accept": "text/html"},
    )
    assert upload.status_code == 422
    not_utf8 = dan.client.post(
        f"{ROOM}/log",
        content=b"text=%ff%fe%00&kind=n%C3",
        headers={"Content-Type": "application/x-www-form-urlencoded", "X-CSRF-Token": dan.csrf},
    )
    assert 400 <= not_utf8.status_code < 500
    for path in (
        "/incidents/INC-x",
        "/incidents/INC-99",
        f"{ROOM}?before=abc",
        f"{ROOM}?before=-1",
    ):
        response = dan.get(path)
        assert response.status_code in (404, 422), path
        assert "<strong>Error:</strong>" in response.text
    assert dan.post(f"{ROOM}/log", {"text": "no token"}, csrf=False).status_code == 403
    assert dan.post(f"{ROOM}/ack", {}, csrf=False).status_code == 403
    for htmx in (False, True):
        unknown = dan.post("/incidents/INC-99/ack", {}, htmx=htmx)
        assert unknown.status_code == 404 and "<strong>Error:</strong>" in unknown.text


# --- Live: a real server, a real event stream -----------------------------------------------


@dataclass
class Served:
    url: str
    app: Any


@pytest.fixture
def served(team: Team) -> Iterator[Served]:
    """The team's database behind a uvicorn server of its own (a second app instance: the
    API writes go through `team`'s app, so nothing is shared but the database)."""
    app = create_app(team.rt)
    config = uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning")
    config.timeout_graceful_shutdown = 1
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "uvicorn did not start"
    yield Served(f"http://127.0.0.1:{config.port}", app)
    server.should_exit = True
    thread.join(timeout=10)


@dataclass
class Event:
    event: str
    id: str
    data: str


class EventStream:
    """Server-sent events over a plain socket (HTTP/1.0, so the body is the raw stream), read
    on a thread into a queue so a test can wait with a deadline. `close` shuts the socket
    down as a browser closing the tab does."""

    def __init__(self, url: str, path: str, headers: dict[str, str]) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.sock = socket.create_connection((host, int(port)), timeout=10)
        lines = [
            f"GET {path} HTTP/1.0",
            f"Host: {host}",
            *(f"{k}: {v}" for k, v in headers.items()),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.file = self.sock.makefile("rb")
        status_line = self.file.readline().decode()
        self.status = int(status_line.split()[1])
        while self.file.readline() not in (b"\r\n", b"\n", b""):
            pass  # the response headers
        self.events: queue.Queue[Event] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        fields: dict[str, list[str]] = {}
        try:
            for raw in self.file:
                line = raw.decode().rstrip("\r\n")
                if not line:
                    if "event" in fields or "data" in fields:
                        self.events.put(
                            Event(
                                fields.get("event", ["message"])[0],
                                fields.get("id", [""])[0],
                                "\n".join(fields.get("data", [])),
                            )
                        )
                    fields = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    fields.setdefault(name, []).append(value.removeprefix(" "))
        except (OSError, ValueError):
            pass  # closed by the test

    def next(self, kind: str, within: float = 3.0) -> Event:
        deadline = time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                break
            if event.event == kind:
                return event
        raise AssertionError(f"no {kind!r} event within {within} s")

    def close(self) -> None:
        self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()


@contextmanager
def signed_in(served: Served, team: Team, handle: str) -> Iterator[httpx.Client]:
    users.set_password(team.rt, handle, PASSWORD)
    with httpx.Client(base_url=served.url, timeout=10) as client:
        response = client.post("/signin", data={"handle": handle, "password": PASSWORD})
        assert response.status_code == 303, response.text
        yield client


def stream(client: httpx.Client, after: int | None = None, last: str | None = None) -> EventStream:
    cookies = "; ".join(f"{name}={value}" for name, value in client.cookies.items())
    headers = {"Accept": "text/event-stream", "Cookie": cookies}
    if last is not None:
        headers["Last-Event-ID"] = last
    path = f"{ROOM}/live" + (f"?after={after}" if after is not None else "")
    return EventStream(str(client.base_url).rstrip("/"), path, headers)


def test_an_entry_written_through_the_api_arrives_in_the_open_room_within_a_second_or_two(
    team: Team, served: Served
) -> None:
    declare(team)
    with signed_in(served, team, "carol") as carol:
        live = stream(carol)
        assert live.status == 200
        started = time.monotonic()
        team.api("erin").post(f"/api/v1{ROOM}/timeline", json={"text": "Rolled back auth"})
        entry = live.next("entry")
        assert time.monotonic() - started < 2.5
        assert entry.data.startswith(f'<li id="entry-{entry.id}" class="entry kind-note">')
        assert "Rolled back auth" in entry.data and "erin" in entry.data
        assert live.next("state").data == entry.id  # and the top of the room refreshes
        live.close()


def test_reconnecting_with_last_event_id_delivers_what_was_missed(
    team: Team, served: Served
) -> None:
    declare(team)
    api = team.api("erin")
    with signed_in(served, team, "carol") as carol:
        live = stream(carol)
        api.post(f"/api/v1{ROOM}/timeline", json={"text": "first"})
        seen = live.next("entry")
        live.close()
        for text in ("second", "third"):
            api.post(f"/api/v1{ROOM}/timeline", json={"text": text})
        # The page's ?after is older; the browser's Last-Event-ID wins.
        again = stream(carol, after=1, last=seen.id)
        missed = [again.next("entry"), again.next("entry")]
        assert ["second" in missed[0].data, "third" in missed[1].data] == [True, True]
        assert [int(e.id) for e in missed] == [int(seen.id) + 1, int(seen.id) + 2]
        again.close()


def test_a_closed_stream_stops_being_watched(team: Team, served: Served) -> None:
    declare(team)
    with signed_in(served, team, "carol") as carol:
        live = stream(carol)
        team.api("erin").post(f"/api/v1{ROOM}/timeline", json={"text": "ping"})
        live.next("entry")
        hub = served.app.state.live_hub
        assert hub.watching() == 1
        live.close()
        deadline = time.monotonic() + 3
        while hub.watching() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert hub.watching() == 0


def test_the_stream_needs_a_session(team: Team, served: Served) -> None:
    declare(team)
    with httpx.Client(base_url=served.url) as anonymous:
        response = anonymous.get(f"{ROOM}/live", headers={"Accept": "text/event-stream"})
    assert response.status_code == 303 and response.headers["location"].startswith("/signin")
