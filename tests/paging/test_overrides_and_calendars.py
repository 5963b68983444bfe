"""On-call with overrides: `muster oncall`, who a declaration names and pages, and the
iCalendar feeds (checked line by line against RFC 5545's folding, CRLF and UTC rules)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

from muster.web.paging import _escape, _fold
from paging.pagingkit import Receiver, work


def test_an_override_changes_who_is_on_call_who_is_named_and_who_is_paged(
    paged: Any, receiver: Receiver
) -> None:
    before = json.loads(paged.ok("oncall", "--json"))
    assert [(r["role"], r["primary"]) for r in before["roles"]] == [
        ("commander", "dan"),
        ("communicator", "carol"),
        ("fixer", "bob"),
    ]
    commander = before["roles"][0]
    assert commander["next"] == "alice" and commander["until"] == "2026-11-23T08:00:00Z"

    out = paged.ok("override", "commander", "erin", "--until", "8h", who="dan")
    assert out.startswith("Override 1: erin is commander from 2026-11-20T17:00Z until")
    board = paged.ok("oncall")
    assert "commander     erin       backup: alice  (override 1)" in board
    assert "next: dan from Sat 2026-11-21 02:00" in board  # the override ends, dan is back

    paged.api("carol").post(
        "/api/v1/incidents",
        json={"title": "Logins failing", "severity": "SEV1", "services": ["auth"]},
    )
    detail = paged.api().get("/api/v1/incidents/INC-1").json()
    assert detail["commander"] == "erin"
    assert work(paged.rt) == 1
    assert [h.path for h in receiver.pages()] == ["/erin"]

    later = paged.api().get("/api/v1/oncall", params={"at": "2026-11-21T03:00+01:00"}).json()
    assert later["roles"][0]["primary"] == "dan" and later["roles"][0]["override"] is None


def test_overrides_are_listed_and_cancelled_by_their_maker_or_their_person(paged: Any) -> None:
    paged.ok("override", "fixer", "erin", "--from", "2026-11-21", "--until", "2026-11-22")
    listed = paged.ok("override", "list")
    assert "fixer         erin       2026-11-20T23:00Z -> 2026-11-21T23:00Z  (by admin)" in listed
    refused = paged.cli("override", "cancel", "1", who="bob")
    assert refused.exit_code == 2 and "only admin (who made it) or erin" in refused.output
    assert "Cancelled override 1" in paged.ok("override", "cancel", "1", who="erin")
    assert paged.ok("override", "list") == "No overrides in force or to come.\n"
    gone = paged.api().delete("/api/v1/overrides/1")
    assert gone.status_code == 404


def test_bad_overrides_are_refused_with_the_field_named(paged: Any) -> None:
    api = paged.api("alice")
    cases = [
        ({"role": "boss", "handle": "erin", "until": "8h"}, "role"),
        ({"role": "fixer", "handle": "zed", "until": "8h"}, "handle"),
        ({"role": "fixer", "handle": "erin", "until": "tomorrowish"}, "until"),
        ({"role": "fixer", "handle": "erin", "from": "2h", "until": "1h"}, "until"),
        ({"role": "fixer", "handle": "erin", "from": "2026-01-01", "until": "2026-01-02"}, "until"),
        ({"role": "fixer", "handle": "erin", "until": "2030-01-01"}, "until"),
        ({"role": "fixer", "handle": "erin"}, "until"),
        ({"role": "fixer", "handle": "erin", "until": "8h", "extra": 1}, "extra"),
    ]
    for body, field in cases:
        answer = api.post("/api/v1/overrides", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["field"] == field, (body, answer.json())
    assert api.get("/api/v1/oncall", params={"at": "soon"}).status_code == 422
    assert api.delete("/api/v1/overrides/0").status_code == 422
    assert paged.cli("override", "cancel", "x").exit_code == 2


def _unfold(text: str) -> list[str]:
    assert text.endswith("\r\n")
    raw = text.split("\r\n")[:-1]
    assert all("\n" not in line and "\r" not in line for line in raw), "bare LF or CR"
    assert all(len(line.encode()) <= 75 for line in raw), "a line longer than 75 octets"
    lines: list[str] = []
    for line in raw:
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    return lines


def _events(lines: list[str]) -> list[dict[str, str]]:
    events, current = [], None
    for line in lines:
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            key, _, value = line.partition(":")
            current[key] = value
    return events


def test_calendar_feeds_show_the_shifts_and_the_override_in_proper_icalendar(
    paged: Any,
) -> None:
    paged.ok("override", "commander", "erin", "--from", "2026-11-24", "--until", "2026-11-25")
    feeds = json.loads(paged.ok("calendar", "--json", who="erin"))["feeds"]
    mine = urlsplit(feeds["person"])
    assert mine.path == "/calendar/erin.ics" and mine.query.startswith("token=cal_")

    answer = paged.client.get(f"{mine.path}?{mine.query}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    lines = _unfold(answer.text)
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"] and lines[-1] == "END:VCALENDAR"
    assert any(len(raw.encode()) == 75 for raw in answer.text.split("\r\n")), "nothing folded"
    events = _events(lines)
    stamp = re.compile(r"^\d{8}T\d{6}Z$")
    for event in events:
        assert {"UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= event.keys()
        assert all(stamp.match(event[k]) for k in ("DTSTAMP", "DTSTART", "DTEND"))
    override = [e for e in events if e["SUMMARY"] == "On call: commander\\, Erin Vasquez (erin)"]
    assert [(e["DTSTART"], e["DTEND"]) for e in override] == [
        ("20261123T230000Z", "20261124T230000Z")
    ]
    assert "An override puts them on call" in override[0]["DESCRIPTION"]
    fixer = [e for e in events if e["SUMMARY"].startswith("On call: fixer")]
    assert fixer[0]["DTSTART"] == "20261123T080000Z"  # bob has this week; erin from Monday
    assert len(fixer) == 4  # erin and bob alternate weekly over the next 8 weeks
    # The weeks bob holds it, erin is his backup.
    backup = [e for e in events if e["SUMMARY"] == "Backup fixer: Erin Vasquez (erin)"]
    assert [(e["DTSTART"], e["DTEND"]) for e in backup[:2]] == [
        ("20261119T230000Z", "20261123T080000Z"),
        ("20261130T080000Z", "20261207T080000Z"),
    ]
    assert backup[0]["DESCRIPTION"] == "Northwind Labs: Erin Vasquez (erin) is the fixer's backup."
    assert len({e["UID"] for e in events}) == len(events)

    role = urlsplit(feeds["commander"])
    commanders = _events(_unfold(paged.client.get(f"{role.path}?{role.query}").text))
    assert commanders[0]["DTSTART"] == "20261119T230000Z"  # from the start of today, team time
    assert {e["SUMMARY"].split(", ")[-1] for e in commanders} == {
        "Dan Whitaker (dan)",
        "Alice Moreau (alice)",
        "Erin Vasquez (erin)",
    }


def test_calendar_feeds_need_the_current_secret(paged: Any) -> None:
    old = json.loads(paged.ok("calendar", "--json", who="bob"))["token"]
    new = json.loads(paged.ok("calendar", "--json", who="bob"))["token"]
    assert paged.client.get("/calendar/bob.ics").status_code == 401
    assert paged.client.get(f"/calendar/bob.ics?token={old}").status_code == 401
    assert paged.client.get(f"/calendar/bob.ics?token={new}").status_code == 200
    assert paged.client.get(f"/calendar/zed.ics?token={new}").status_code == 404
    assert paged.client.get(f"/calendar/role/boss.ics?token={new}").status_code == 422
    admin_token = paged.tokens["admin"]
    assert paged.client.get(f"/calendar/bob.ics?token={admin_token}").status_code == 401


def test_icalendar_text_is_escaped_and_folded_without_splitting_a_character() -> None:
    assert _escape("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    line = "SUMMARY:" + "é" * 60
    folded = _fold(line).split("\r\n")
    assert all(len(part.encode()) <= 75 for part in folded)
    assert folded[1].startswith(" ")
    assert "".join(p[1:] if i else p for i, p in enumerate(folded)) == line
