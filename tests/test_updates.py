"""Updates on two tracks, templates, the customer guard, and the messages they queue."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from conftest import Clock, Team, local
from muster.storage.tables import outbox

BERLIN = ZoneInfo("Europe/Berlin")


def queued(team: Team, event: str | None = None) -> list[Any]:
    with team.rt.db.read() as conn:
        rows = list(conn.execute(select(outbox).order_by(outbox.c.id)))
    return [r for r in rows if event is None or r.event == event]


@pytest.fixture
def incident(team: Team, clock: Clock) -> Team:
    clock.set(local("18:19"))
    team.ok(
        "declare",
        "Users cannot log in",
        "--severity",
        "SEV1",
        "--service",
        "auth",
        "--impact",
        "New logins fail",
        "--at",
        "18:18",
        who="carol",
    )
    return team


def post(team: Team, who: str = "carol", **body: Any) -> Any:
    return team.api(who).post("/api/v1/incidents/INC-1/updates", json=body)


def test_declaring_tells_each_role_holder_and_the_internal_channels(incident: Team) -> None:
    rows = queued(incident, "declared")
    recipients = sorted({r.recipient for r in rows})
    assert recipients == ["#incidents", "#leadership", "carol", "dan", "erin"]
    erin = next(r for r in rows if r.recipient == "erin")
    assert erin.title == "You are fixer of INC-1 SEV1: Users cannot log in"
    assert "commander dan, communicator carol, fixer erin" in erin.body


def test_an_update_says_when_the_next_one_comes(incident: Team, clock: Clock) -> None:
    clock.set(local("18:21"))
    internal = post(incident, track="internal", text="Login issue after the 18:10 deploy.")
    assert internal.status_code == 201
    body = internal.json()
    assert body["status"] is None
    assert datetime.fromisoformat(body["next_update_at"]) == local("18:31")  # SEV1: 10m
    customer = post(incident, track="customer", text="Some users cannot log in.", next="18:40")
    assert customer.json()["status"] == "investigating"
    assert datetime.fromisoformat(customer.json()["next_update_at"]) == local("18:40")
    channels = {r.recipient for r in queued(incident, "update")}
    assert channels == {"#incidents", "#leadership", "#customers"}

    detail = incident.api().get("/api/v1/incidents/INC-1").json()
    clocks = {c["track"]: c for c in detail["clocks"]}
    assert clocks["internal"]["state"] == "upcoming" and clocks["internal"]["seconds"] == 600
    assert [u["track"] for u in detail["updates"]] == ["internal", "customer"]
    assert detail["status"] == "investigating"
    assert "Next internal update: due 18:31 (in 10m)" in incident.ok("show", "INC-1")


@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (
            {"track": "internal", "text": "x", "status": "identified"},
            422,
            "a status word is for the customer track",
        ),
        (
            {"track": "customer", "text": "x", "next": "17:00:00+00:00x"},
            422,
            "is not a time for the next update",
        ),
        (
            {"track": "customer", "text": "x", "next": "2026-11-20T17:00:00+00:00"},
            422,
            "would be in the past",
        ),
        (
            {"track": "customer", "text": "x", "status": "resolved", "next": "10m"},
            422,
            "the resolved update is the last one",
        ),
        ({"track": "sideways", "text": "x"}, 422, "'sideways' is not a track"),
        ({"track": "customer"}, 422, "give the update's text or a template"),
        ({"track": "customer", "template": "nope"}, 404, "there is no template 'nope'"),
        (
            {"track": "customer", "template": "declared-internal"},
            422,
            "template 'declared-internal' is for the internal track",
        ),
    ],
)
def test_bad_updates_are_refused_and_post_nothing(
    incident: Team, body: dict[str, Any], status: int, message: str
) -> None:
    response = post(incident, **body)
    assert response.status_code == status, response.text
    assert message in response.json()["detail"]
    assert incident.api().get("/api/v1/incidents/INC-1").json()["updates"] == []
    assert queued(incident, "update") == []


def test_a_template_is_filled_with_the_incidents_facts_and_can_be_previewed(
    incident: Team, clock: Clock
) -> None:
    clock.set(local("18:22"))
    preview = incident.ok(
        "update",
        "INC-1",
        "--customer",
        "--template",
        "investigating-customer",
        "--preview",
        who="carol",
    )
    assert "nothing posted" in preview
    assert "New logins fail" in preview and "18:37" in preview  # SEV1 customer cadence: 15m
    assert incident.api().get("/api/v1/incidents/INC-1").json()["updates"] == []
    posted = incident.ok(
        "update", "INC-1", "--customer", "--template", "investigating-customer", who="carol"
    )
    assert "customer update #1 posted (investigating)" in posted


def test_the_guard_warns_about_internal_details_and_strict_refuses_them(incident: Team) -> None:
    leaky = "Errors from db-3.prod at 10.0.4.12; see OPS-1234. Traceback (most recent call last)"
    refused = post(incident, track="customer", text=leaky, strict=True)
    assert refused.status_code == 422
    detail = refused.json()["detail"]
    assert "10.0.4.12" in detail and "OPS-1234" in detail
    warned = post(incident, track="customer", text=leaky)
    assert warned.status_code == 201
    kinds = {f["kind"] for f in warned.json()["findings"]}
    assert {"ip_address", "ticket_id", "stack_trace"} <= kinds


def test_a_customer_update_copying_the_internal_track_is_flagged(incident: Team) -> None:
    internal = (
        "The deploy changed an auth setting so one service signs tokens with the wrong secret"
    )
    post(incident, track="internal", text=internal)
    copied = post(incident, track="customer", text=f"Update: {internal}.", strict=True)
    assert copied.status_code == 422
    assert "internal" in copied.json()["detail"]


def test_the_final_update_needs_no_next_time_and_ends_the_clock(
    incident: Team, clock: Clock
) -> None:
    clock.set(local("18:50"))
    incident.ok("milestone", "INC-1", "mitigated", "--at", "18:36", who="dan")
    incident.ok("milestone", "INC-1", "resolved", who="dan")
    assert post(incident, track="internal", text="more").status_code == 409
    final = post(incident, track="customer", text="Logins work again.", status="resolved")
    assert final.status_code == 201 and final.json()["next_update_at"] is None
    clocks = incident.api().get("/api/v1/incidents/INC-1").json()["clocks"]
    assert {c["state"] for c in clocks} == {"done"}


def test_a_drill_never_reaches_customers_or_subscribers(team: Team) -> None:
    team.ok("subscribe", "ceo@customer.example")
    team.ok("declare", "Practice: logins", "--severity", "SEV2", "--drill", who="alice")
    post(team, who="carol", track="customer", text="Some users cannot log in.")
    assert queued(team, "update") == []
    assert all(r.title.startswith("[DRILL] ") for r in queued(team))


def test_customer_updates_reach_status_page_subscribers_by_email(team: Team) -> None:
    team.rt.status_mail = "mailto://127.0.0.1:2525?from=status@northwind.example"
    team.ok("subscribe", "ceo@customer.example")
    team.ok("subscribe", "cto@customer.example")
    team.ok("unsubscribe", "cto@customer.example")
    team.ok("declare", "Slow API", "--severity", "SEV2", "--service", "api", who="alice")
    post(team, who="carol", track="customer", text="The API is slow for some requests.")
    mails = [r for r in queued(team, "update") if "@" in r.recipient]
    assert [(m.recipient, m.destination) for m in mails] == [
        (
            "ceo@customer.example",
            "mailto://127.0.0.1:2525?from=status@northwind.example&to=ceo@customer.example",
        )
    ]


def test_the_atom_feed_has_public_customer_updates_only(team: Team, clock: Clock) -> None:
    import xml.etree.ElementTree as ET

    team.ok("declare", "Slow API", "--severity", "SEV2", "--service", "api", who="alice")
    team.ok("declare", "Data exposed", "--severity", "SEV1", "--private", who="alice")
    team.ok("declare", "Practice", "--severity", "SEV3", "--drill", who="alice")
    for ref in ("INC-1", "INC-2", "INC-3"):
        clock.advance(minutes=1)
        team.api("carol").post(
            f"/api/v1/incidents/{ref}/updates",
            json={"track": "customer", "text": f"Customers of {ref} affected."},
        )
        team.api("alice").post(
            f"/api/v1/incidents/{ref}/updates",
            json={"track": "internal", "text": f"internal {ref} chatter"},
        )
    anonymous = team.client.get("/status/feed.atom", headers={"Authorization": ""})
    assert anonymous.status_code == 200
    assert anonymous.headers["content-type"].startswith("application/atom+xml")
    entries = ET.fromstring(anonymous.content).findall("{http://www.w3.org/2005/Atom}entry")
    texts = [e.find("{http://www.w3.org/2005/Atom}content").text for e in entries]  # type: ignore[union-attr]
    assert texts == ["Customers of INC-1 affected."]
    again = team.client.get(
        "/status/feed.atom", headers={"If-None-Match": anonymous.headers["etag"]}
    )
    assert again.status_code == 304 and again.content == b""


def test_nothing_of_a_private_incident_reaches_customers(team: Team) -> None:
    team.ok("subscribe", "ceo@customer.example")
    team.rt.status_mail = "mailto://127.0.0.1:2525?from=status@northwind.example"
    team.ok("declare", "Customer data exposed", "--severity", "SEV1", "--private", who="alice")
    team.ok("declare", "Slow API", "--severity", "SEV2", "--service", "api", who="alice")
    private = post(team, who="carol", track="customer", text="We are looking into a problem.")
    assert private.status_code == 201 and private.json()["queued"] == 0
    mentioned = team.api("carol").post(
        "/api/v1/incidents/INC-2/updates",
        json={
            "track": "customer",
            "text": "Not related to the customer data exposed issue.",
            "strict": True,
        },
    )
    assert mentioned.status_code == 422
    assert "customer data exposed" in mentioned.json()["detail"].lower()


def test_only_the_communicator_or_commander_speaks_to_customers(incident: Team) -> None:
    refused = post(incident, who="erin", track="customer", text="Fixed soon!")
    assert refused.status_code == 403
    assert (
        "only carol (communicator) or dan (commander) posts customer updates"
        in (refused.json()["detail"])
    )
    assert (
        post(incident, who="erin", track="internal", text="Rolling back auth.").status_code == 201
    )


def test_a_clock_time_already_past_for_the_next_update_is_refused(incident: Team) -> None:
    response = post(incident, track="internal", text="x", next="18:00")
    assert response.status_code == 422
    assert "'18:00' has already passed today" in response.json()["detail"]
