"""Alerts through the hooks, end to end on SQLite and PostgreSQL: a captured Alertmanager
body opens one incident with the on-call commander, repeats add nothing, resolving tells the
commander, and bad requests get a 4xx with a reason and store nothing."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from alertkit import alert_rows, api_payload, captured, resolved
from sqlalchemy import select

from muster.actions.admin import apply_plan
from muster.actions.base import Actor
from muster.domain.roles import Role
from muster.plan import example_plan_text
from muster.storage.tables import alerts, outbox
from muster.web.hooks import Turns

Post = Callable[..., httpx.Response]


@pytest.fixture
def secret(team: Any) -> str:
    """The alertmanager integration's secret, as an admin sees it in `muster integrations`."""
    found = team.api("admin").get("/api/v1/integrations").json()
    return str(next(i for i in found if i["name"] == "alertmanager")["secret"])


@pytest.fixture
def post(team: Any, secret: str) -> Callable[..., httpx.Response]:
    """`post(body)` -> the hook's response, with the right bearer secret unless told."""

    def send(
        body: Any, *, name: str = "alertmanager", token: str | None = None, raw: bytes | None = None
    ) -> httpx.Response:
        headers = {"Authorization": f"Bearer {secret if token is None else token}"}
        content = raw if raw is not None else json.dumps(body).encode()
        response: httpx.Response = team.client.post(
            f"/hooks/{name}", content=content, headers=headers
        )
        return response

    return send


def incidents(team: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = team.api().get("/api/v1/incidents").json()
    return result


def timeline(team: Any, ref: str) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = team.api().get(f"/api/v1/incidents/{ref}/timeline").json()
    return result


def alert_entries(team: Any, ref: str) -> list[str]:
    return [e["text"] for e in timeline(team, ref) if e["kind"] == "alert"]


def messages(team: Any, event: str) -> list[Any]:
    with team.rt.db.read() as conn:
        return list(conn.execute(select(outbox).where(outbox.c.event == event)))


def test_a_captured_alertmanager_body_opens_one_incident_with_the_on_call_commander(
    team: Any, post: Post, clock: Any
) -> None:
    answer = post(api_payload())
    assert answer.status_code == 200, answer.text
    assert answer.json()["declared"] == ["INC-1"] and answer.json()["new"] == 1
    [incident] = incidents(team)
    # The example plan routes critical alerts of api to SEV2 on api.
    assert incident["severity"] == "SEV2" and incident["services"] == ["api"]
    assert incident["title"] == "PrometheusAlwaysFiring: Synthetic always-firing alert"
    with team.rt.db.read() as conn:
        plan = team.rt.plan(conn, 1)
    on_call, _ = plan.on_call(Role.commander, clock())
    assert incident["commander"] == on_call
    detail = team.api().get("/api/v1/incidents/INC-1").json()
    assert detail["declared_by"] == "hook:alertmanager"
    assert alert_entries(team, "INC-1") == ["1 alert firing: PrometheusAlwaysFiring"]
    # The commander is told through the plan's contacts, once.
    declared = [m for m in messages(team, "declared") if m.recipient == on_call]
    assert len(declared) == len(plan.person(on_call).contacts)


def test_the_same_body_again_adds_no_rows_and_no_noise(team: Any, post: Post) -> None:
    for _ in range(3):
        assert post(api_payload()).status_code == 200
    assert alert_rows(team) == 1 and len(incidents(team)) == 1
    with team.rt.db.read() as conn:
        assert conn.execute(select(alerts.c.received)).scalar_one() == 3
    assert len(alert_entries(team, "INC-1")) == 1  # repeats are counted, not written


def test_resolving_every_alert_tells_the_commander_and_leaves_the_incident_open(
    team: Any, post: Post, clock: Any
) -> None:
    post(api_payload())
    commander = incidents(team)[0]["commander"]
    clock.advance(minutes=10)
    answer = post(resolved(api_payload()))
    assert answer.status_code == 200 and answer.json()["joined"] == ["INC-1"]
    with team.rt.db.read() as conn:
        assert conn.execute(select(alerts.c.status)).scalar_one() == "resolved"
    entries = alert_entries(team, "INC-1")
    assert entries[1] == "1 alert resolved: PrometheusAlwaysFiring"
    assert entries[2].startswith("every alert of INC-1 has resolved")
    told = messages(team, "alerts-resolved")
    assert told and {m.recipient for m in told} == {commander}
    assert "muster milestone INC-1" in told[0].body
    assert incidents(team)[0]["open"] is True  # the commander decides, not the alerts
    post(resolved(api_payload()))  # Alertmanager may send it again: nothing new
    assert len(alert_entries(team, "INC-1")) == 3


def test_alerts_firing_again_after_the_incident_resolved_open_a_new_one(
    team: Any, post: Post, clock: Any
) -> None:
    post(api_payload())
    team.ok("milestone", "INC-1", "resolved")
    clock.advance(minutes=5)
    assert post(api_payload()).json()["declared"] == ["INC-2"]
    assert alert_rows(team) == 1  # the same alert, now in the new group


def test_the_captured_session_groups_by_alertmanagers_group_key(team: Any, post: Post) -> None:
    for body in captured():
        assert post(body).status_code == 200
    groups = team.api().get("/api/v1/alerts", params={"open": False}).json()
    by_title = {g["title"]: g for g in groups}
    # checkout is no service of the plan: critical alerts of it match no route. They are
    # kept, unrouted, and wait for a person; nothing is dropped.
    unrouted = [g for g in groups if g["state"] == "unrouted"]
    assert len(unrouted) == 4  # TestAlert1-3 and PrometheusThirdAlert (search)
    # DiskFull (a warning) routes to SEV3, which waits; its two alerts resolved, so it is over.
    disk = by_title["DiskFull: disk 95% full on db-1"]
    assert disk["severity"] == "SEV3" and disk["state"] == "closed" and disk["firing"] == 0
    assert disk["total"] == 2
    api = by_title["PrometheusAlwaysFiring: Synthetic always-firing alert"]
    assert api["state"] == "incident" and api["incident"] == "INC-1"
    assert alert_rows(team) == 7  # distinct fingerprints of the session


def test_a_waiting_group_is_listed_and_a_person_declares_from_it(team: Any, post: Post) -> None:
    body = api_payload()
    body["alerts"][0]["labels"]["severity"] = "warning"  # routes to SEV3: waits
    body["groupKey"] = '{}:{alertname="Slow"}'
    assert post(body).json()["waiting"] == [1]
    assert incidents(team) == []
    listed = team.ok("alerts")
    assert "waiting for a person" in listed and "declare-alerts" in listed
    out = team.ok("declare-alerts", "1", "--severity", "SEV2", who="alice")
    assert "Declared INC-1 from alert group 1." in out
    detail = team.api().get("/api/v1/incidents/INC-1").json()
    assert detail["severity"] == "SEV2" and detail["declared_by"] == "alice"
    assert detail["services"] == ["api"]
    assert any("declared from alert group 1: 1 alerts" in t for t in alert_entries(team, "INC-1"))
    again = team.cli("declare-alerts", "1", who="alice")
    assert again.exit_code == 2 and "already INC-1" in again.output
    # Later alerts of the group join the incident.
    body["alerts"][0]["fingerprint"] = "another"
    assert post(body).json()["joined"] == ["INC-1"]


def test_integrations_show_the_url_header_and_a_ready_receiver_to_admins_only(
    team: Any, secret: str
) -> None:
    shown = team.ok("integrations")
    assert "http://testserver/hooks/alertmanager" in shown
    assert f"Authorization: Bearer {secret}" in shown
    assert f"credentials: {secret}" in shown and "send_resolved: true" in shown
    listed = json.loads(team.ok("integrations", "--json"))
    assert listed[0]["kind"] == "alertmanager" and listed[0]["secret"] == secret
    refused = team.cli("integrations", who="carol")
    assert refused.exit_code == 2 and "integration secrets are for admins" in refused.output


def test_rotating_a_secret_stops_the_old_one_at_once(team: Any, post: Post, secret: str) -> None:
    new = json.loads(team.ok("integrations", "rotate", "alertmanager", "--json"))["secret"]
    assert new != secret
    assert post(api_payload()).status_code == 401
    assert post(api_payload(), token=new).status_code == 200


def test_a_wrong_or_missing_secret_is_401_and_nothing_is_stored(team: Any, post: Post) -> None:
    for token in ("wrong", ""):
        answer = post(api_payload(), token=token)
        assert answer.status_code == 401, answer.text
        assert answer.headers["content-type"] == "application/problem+json"
    assert alert_rows(team) == 0 and incidents(team) == []


def test_an_unknown_integration_is_404_and_an_oversized_body_413(team: Any, post: Post) -> None:
    answer = post(api_payload(), name="pagerduty")
    assert answer.status_code == 404 and "no integration 'pagerduty'" in answer.json()["detail"]
    big = b'{"version":"4","alerts":[' + b" " * (1024 * 1024) + b"]}"
    assert post(None, raw=big).status_code == 413
    assert alert_rows(team) == 0


def junk() -> list[bytes]:
    good = api_payload()

    def variant(change: Callable[[dict[str, Any]], Any]) -> bytes:
        body = json.loads(json.dumps(good))
        change(body)
        return json.dumps(body).encode()

    return [
        b"",
        b"not json",
        b"{",
        b"[]",
        b"null",
        b'"text"',
        b"\xff\xfe\x00",
        b"[" * 100_000,
        # Deeper than Python's recursion limit, yet within the parser's: the NUL check walks it.
        b'{"version":"4","x":' + b"[" * 1020 + b'"\\u0000"' + b"]" * 1020 + b"}",
        variant(lambda b: b.update(version=4)),
        variant(lambda b: b.update(alerts={})),
        variant(lambda b: b["alerts"].append(None)),
        variant(lambda b: b["alerts"][0].update(labels={"a": {"b": 1}})),
        variant(lambda b: b["alerts"][0].update(startsAt="2026-13-45T99:00:00Z")),
        variant(lambda b: b["alerts"][0].update(fingerprint="x" * 500)),
        variant(lambda b: b["alerts"][0]["labels"].update(alertname="a\u0000b")),
        variant(lambda b: b["alerts"][0]["annotations"].update(summary="\ud800")),
        variant(lambda b: b.update(groupKey="k" * 5000)),
        variant(lambda b: b["alerts"][0].update(status=None)),
    ]


def test_junk_bodies_are_4xx_with_a_reason_never_500(team: Any, post: Post) -> None:
    for body in junk():
        answer = post(None, raw=body)
        assert 400 <= answer.status_code < 500, (body[:60], answer.status_code, answer.text)
        assert answer.json()["detail"], body[:60]
    assert alert_rows(team) == 0


def test_a_body_saved_with_a_byte_order_mark_is_read(team: Any, post: Post) -> None:
    answer = post(None, raw=b"\xef\xbb\xbf" + json.dumps(api_payload()).encode())
    assert answer.status_code == 200, answer.text
    assert alert_rows(team) == 1


def generic_team(team: Any) -> None:
    plan = example_plan_text().replace(
        "  - name: alertmanager\n    kind: alertmanager\n",
        "  - name: alertmanager\n    kind: alertmanager\n"
        "  - name: scripts\n    kind: generic\n    auth: path\n",
    )
    assert apply_plan(team.rt, Actor("admin", admin=True), plan).changed


def test_generic_alerts_for_an_unknown_service_are_refused_naming_the_alert(team: Any) -> None:
    generic_team(team)
    listed = team.api("admin").get("/api/v1/integrations").json()
    scripts = next(i for i in listed if i["name"] == "scripts")
    assert scripts["header"] is None and scripts["url"].endswith(
        "/hooks/scripts/" + scripts["secret"]
    )
    good = {
        "status": "firing",
        "service": "billing",
        "summary": "Invoices stuck",
        "severity": "sev2",
    }
    bad = {"status": "firing", "service": "payments", "summary": "Card errors"}
    answer = team.client.post(scripts["url"], json={"alerts": [good, bad]})
    assert answer.status_code == 422
    assert answer.json()["field"] == "alerts[1].service"
    assert "'payments' is not a service in the plan" in answer.json()["detail"]
    assert alert_rows(team) == 0
    answer = team.client.post(scripts["url"], json={"alerts": [good]})
    assert answer.status_code == 200 and answer.json()["declared"] == ["INC-1"]
    detail = team.api().get("/api/v1/incidents/INC-1").json()
    assert detail["severity"] == "SEV2" and detail["services"] == ["billing"]
    # The path secret is the only way in for a path integration.
    wrong = team.client.post("/hooks/scripts/nope", json={"alerts": [good]})
    assert wrong.status_code == 401


@pytest.mark.parametrize(
    "route", ["{match: {a: b}, severity: SEV9}", "{service: pay, severity: SEV1}"]
)
def test_a_plan_with_a_bad_route_is_refused_with_the_path(team: Any, route: str) -> None:
    plan = example_plan_text().replace("routes:\n", f"routes:\n  - {route}\n")
    answer = team.api().post("/api/v1/plan", json={"source": plan})
    assert answer.status_code == 422
    assert "routes[0]." in answer.json()["detail"]


def test_hook_requests_take_turns_a_few_at_a_time_first_come_first_served() -> None:
    """The storm's admission: never more than `size` at once, and the waiting ones go in the
    order they came (so no request waits for ever behind luckier ones)."""
    turns = Turns(2)

    async def storm() -> tuple[list[int], int]:
        entered: list[int] = []
        inside = most = 0

        async def request(n: int) -> None:
            nonlocal inside, most
            async with turns():
                entered.append(n)
                inside += 1
                most = max(most, inside)
                await asyncio.sleep(0.01 if n % 2 else 0.002)
                inside -= 1

        await asyncio.gather(*(request(n) for n in range(12)))
        return entered, most

    entered, most = asyncio.run(storm())
    assert most == 2
    assert entered == list(range(12))
    # A second event loop (a second server in one process, as in tests) gets its own turns.
    assert asyncio.run(storm()) == (list(range(12)), 2)
