"""The public status page at /status: what customers see, what they never see, and a cache
that is fresh the moment a customer update is posted, from this process or another."""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from muster.actions.base import Actor, Runtime
from muster.actions.incidents import declare
from muster.actions.updates import post_update
from muster.cli.client import Api
from muster.cli.main import State, load_commands
from muster.plan import example_plan_text, parse_plan
from muster.storage.db import Database
from muster.web.app import create_app
from serving import free_port, muster_serve

BERLIN = ZoneInfo("Europe/Berlin")  # the example team's timezone
# tests/conftest.py's Team and Clock (not importable by name beside tests/web/conftest.py)
Team = Any
Clock = Any
PLAN, _ = parse_plan(example_plan_text())
assert PLAN is not None


def customer(team: Team, ref: str, text: str, status: str | None = None) -> None:
    body = {"track": "customer", "text": text, "status": status}
    answer = team.api("carol").post(f"/api/v1/incidents/{ref}/updates", json=body)
    assert answer.status_code == 201, answer.text


def internal(team: Team, ref: str, text: str) -> None:
    body = {"track": "internal", "text": text}
    answer = team.api("carol").post(f"/api/v1/incidents/{ref}/updates", json=body)
    assert answer.status_code == 201, answer.text


def page(team: Team, **headers: str) -> httpx.Response:
    answer = team.client.get("/status", headers={"Authorization": "", **headers})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    return answer


def components(html: str) -> dict[str, str]:
    found = re.findall(r'<li><span>([^<]+)</span> <span class="state s-\w+">([^<]+)</span>', html)
    return dict(found)


def days(html: str) -> dict[str, str]:
    """Each history day's heading (ISO date) -> the HTML under it."""
    history = html.split('<h2 id="history">', 1)[1]
    parts = re.split(r'<h3 class="day"><time datetime="([0-9-]+)">', history)
    return dict(zip(parts[1::2], parts[2::2], strict=True))


def test_components_take_their_state_in_words_from_open_public_incidents(team: Team) -> None:
    assert components(page(team).text) == {
        "Login": "Operational",
        "API": "Operational",
        "Billing": "Operational",
        "Dashboard": "Operational",
    }
    assert "All systems operational" in page(team).text
    team.ok("declare", "Logins fail", "--severity", "SEV1", "--service", "auth", who="alice")
    team.ok("declare", "Slow", "--severity", "SEV2", "--service", "api", "--service", "billing")
    team.ok("declare", "Dashboard blank", "--severity", "SEV3", "--service", "web")
    for ref in ("INC-1", "INC-2", "INC-3"):
        customer(team, ref, f"Customers of {ref} are affected.")
    # Told nothing yet: an incident without a customer update is not public.
    team.ok("declare", "Quiet trouble", "--severity", "SEV1", "--service", "web")
    html = page(team).text
    assert components(html) == {
        "Login": "Major outage",
        "API": "Partial outage",
        "Billing": "Partial outage",
        "Dashboard": "Degraded performance",
    }
    assert "Major outage: 3 current incidents" in html
    assert "INC-4" not in html

    customer(team, "INC-1", "A fix is in place; we are watching it.", status="monitoring")
    customer(team, "INC-2", "All requests are fast again.", status="resolved")
    assert components(page(team).text) == {
        "Login": "Degraded performance",
        "API": "Operational",
        "Billing": "Operational",
        "Dashboard": "Degraded performance",
    }


def test_customer_updates_are_shown_and_nothing_internal_is(team: Team) -> None:
    team.ok("declare", "Postgres primary fell over", "--severity", "SEV1", "--service", "auth")
    internal(team, "INC-1", "erin is failing over the primary database")
    customer(team, "INC-1", "Some customers cannot sign in. Next update in 15 minutes.")
    html = page(team).text
    assert "Some customers cannot sign in. Next update in 15 minutes." in html
    assert "Investigating" in html and 'id="INC-1"' in html
    assert "failing over" not in html and "Postgres primary" not in html
    assert "SEV1" not in html and "commander" not in html
    for person in PLAN.people:
        assert person.name not in html
        assert not re.search(rf"\b{person.handle}\b", html, re.IGNORECASE), person.handle
    assert '<meta charset="utf-8">' in html
    assert 'href="/status/feed.atom"' in html


def test_private_incidents_and_drills_never_appear(team: Team) -> None:
    team.ok("declare", "Customer data exposed", "--severity", "SEV1", "--private", who="alice")
    team.ok("declare", "Game day: auth down", "--severity", "SEV1", "--service", "auth", "--drill")
    for ref in ("INC-1", "INC-2"):
        customer(team, ref, f"Secret words of {ref}.")
        team.ok("milestone", ref, "resolved")
    team.ok("declare", "Private and open", "--severity", "SEV1", "--service", "api", "--private")
    customer(team, "INC-3", "Secret words of INC-3.")
    for path in ("/status", "/status/feed.atom"):
        text = team.client.get(path).text
        for secret in ("Secret words", "Customer data exposed", "Game day", "Private and open"):
            assert secret not in text, (path, secret)
        assert "INC-1" not in text and "INC-2" not in text and "INC-3" not in text
    assert set(components(page(team).text).values()) == {"Operational"}


def test_history_lists_a_resolved_incident_on_its_day_and_quiet_days(
    team: Team, clock: Clock
) -> None:
    clock.set(datetime(2026, 11, 20, 18, 20, tzinfo=BERLIN))
    team.ok("declare", "Logins fail", "--severity", "SEV1", "--service", "auth")
    customer(team, "INC-1", "Sign-in fails for some customers.")
    clock.set(datetime(2026, 11, 20, 18, 55, tzinfo=BERLIN))
    customer(team, "INC-1", "Sign-in works again for everyone.", status="resolved")
    team.ok("milestone", "INC-1", "resolved")
    html = page(team).text
    history = days(html)
    assert len(history) == 90
    assert "INC-1" in history["2026-11-20"] and "Sign-in works again" in history["2026-11-20"]
    assert "Resolved" in history["2026-11-20"]
    assert "20 Nov 2026, 18:55 CET (17:55 UTC)" in history["2026-11-20"]
    assert "No incidents reported." in history["2026-11-19"]
    assert "No current incidents." in html

    # Two days later (the team's days): the page rolls over by itself, no write needed.
    clock.advance(days=2)
    deadline = time.monotonic() + 3
    while "2026-11-22" not in days(page(team).text) and time.monotonic() < deadline:
        time.sleep(0.1)
    history = days(page(team).text)
    assert list(history)[:3] == ["2026-11-22", "2026-11-21", "2026-11-20"]
    assert "No incidents reported." in history["2026-11-22"]
    assert "INC-1" in history["2026-11-20"]


def test_etag_last_modified_cache_control_head_and_gzip(team: Team) -> None:
    first = page(team, **{"Accept-Encoding": "identity"})
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == "public, max-age=30, stale-while-revalidate=60"
    assert "content-encoding" not in first.headers
    assert int(first.headers["content-length"]) == len(first.content)
    for sent in (
        {"If-None-Match": tag},
        {"If-None-Match": f'"other", W/{tag}'},
        {"If-Modified-Since": first.headers["last-modified"]},
    ):
        again = team.client.get("/status", headers={"Accept-Encoding": "identity", **sent})
        assert again.status_code == 304 and again.content == b"", sent
        assert again.headers["etag"] == tag
    stale = team.client.get("/status", headers={"If-None-Match": '"old"'})
    assert stale.status_code == 200

    head = team.client.head("/status", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b""
    assert head.headers["etag"] == tag
    assert head.headers["content-length"] == first.headers["content-length"]

    raw = httpx.Client(transport=team.client._transport, base_url="http://testserver")  # type: ignore[attr-defined]
    with raw.stream("GET", "/status", headers={"Accept-Encoding": "gzip"}) as squeezed:
        assert squeezed.headers["content-encoding"] == "gzip"
        assert squeezed.headers["vary"] == "Accept-Encoding"
        assert gzip.decompress(b"".join(squeezed.iter_raw())) == first.content
    feed = team.client.get("/status/feed.atom")
    assert feed.headers["cache-control"].startswith("public, max-age=30")
    assert (
        team.client.get(
            "/status/feed.atom", headers={"If-None-Match": feed.headers["etag"]}
        ).status_code
        == 304
    )
    assert team.client.post("/status").status_code == 405


def test_a_customer_update_shows_at_once_and_an_internal_one_keeps_the_etag(team: Team) -> None:
    team.ok("declare", "Logins fail", "--severity", "SEV1", "--service", "auth")
    before = page(team)
    internal(team, "INC-1", "restarting the auth pods")
    assert page(team).headers["etag"] == before.headers["etag"]  # nothing public changed
    customer(team, "INC-1", "We are looking into failed sign-ins.")
    after = page(team)
    assert "We are looking into failed sign-ins." in after.text
    assert after.headers["etag"] != before.headers["etag"]
    feed = team.client.get("/status/feed.atom").text
    assert "We are looking into failed sign-ins." in feed


def test_junk_paths_and_query_strings_never_answer_500(team: Team) -> None:
    team.ok("declare", "Logins fail", "--severity", "SEV1", "--service", "auth")
    customer(team, "INC-1", "Sign-in fails for some customers.")
    for path in (
        "/status?x=%00%ff",
        "/status?<script>=1&&&==",
        "/status/?page=-1",
        "/status/feed.atom?since=yesterday",
    ):
        answer = team.client.get(path)
        assert answer.status_code == 200, path
        assert "Sign-in fails" in answer.text
    for path in (
        "/status//",
        "/status/%2e%2e/",
        "/status/feed.atom/x",
        "/status/nope",
        "/status%00",
    ):
        assert team.client.get(path).status_code < 500, path
    for method in ("PUT", "DELETE", "PATCH", "OPTIONS"):
        assert team.client.request(method, "/status").status_code == 405
    odd = team.client.get(
        "/status", headers={"If-Modified-Since": "yesterday", "If-None-Match": ""}
    )
    assert odd.status_code == 200
    hosts = team.client.get("/status/feed.atom", headers={"Host": '"><x y="'})
    assert hosts.status_code == 200 and '"><x' not in hosts.text


def test_status_export_writes_the_page_and_feed_with_relative_links(
    team: Team, tmp_path: Path
) -> None:
    team.ok("declare", "Logins fail", "--severity", "SEV1", "--service", "auth")
    customer(team, "INC-1", "Sign-in fails for some customers.")
    site = tmp_path / "site"
    out = team.ok("status", "export", str(site), "--public-url", "https://status.example.com/")
    assert "index.html" in out
    index = (site / "index.html").read_text()
    assert "Sign-in fails for some customers." in index
    assert 'href="feed.atom"' in index and "/status/feed.atom" not in index
    feed = (site / "feed.atom").read_text()
    assert "Sign-in fails for some customers." in feed
    assert 'href="https://status.example.com/feed.atom"' in feed
    assert "testserver" not in feed
    assert not [p.name for p in site.iterdir() if p.name.startswith(".")]  # no temporary left

    blocked = tmp_path / "a-file"
    blocked.write_text("")
    refused = team.cli("status", "export", str(blocked / "site"))
    assert refused.exit_code == 2 and "cannot write to" in refused.stderr


def test_status_export_says_when_the_server_is_unreachable(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    state = State(api=Api(http=httpx.Client(base_url=url), url=url))
    result = CliRunner().invoke(
        load_commands(), ["status", "export", str(tmp_path / "x")], obj=state
    )
    assert result.exit_code == 1
    assert f"cannot reach Muster at {url}" in result.stderr
    assert not (tmp_path / "x").exists()


def test_the_last_rendering_is_served_while_the_database_is_down(
    team: Team, tmp_path: Path
) -> None:
    team.ok("declare", "Logins fail", "--severity", "SEV1", "--service", "auth")
    customer(team, "INC-1", "Sign-in fails for some customers.")
    good = page(team)
    working, team.rt.db = team.rt.db, Database(f"sqlite:///{tmp_path}/missing/muster.db")
    try:
        team.client.app.state.status_cache.changed()  # as after a write
        during = page(team)
        assert during.headers["etag"] == good.headers["etag"]
        assert "Sign-in fails for some customers." in during.text
    finally:
        team.rt.db = working


def test_without_any_rendering_a_dead_database_is_a_brief_503(tmp_path: Path) -> None:
    rt = Runtime(Database(f"sqlite:///{tmp_path}/missing/muster.db"))
    client = TestClient(create_app(rt))
    answer = client.get("/status")
    assert answer.status_code == 503 and answer.headers["retry-after"] == "5"
    assert answer.headers["cache-control"] == "no-store"


# A real server, and a write from another process ------------------------------------------


@pytest.fixture
def served(database_url: str, tmp_path: Path) -> Iterator[tuple[str, str, subprocess.Popen[str]]]:
    """`muster serve --status-port` on the test's database: (main URL, status URL, process)."""
    env = {**os.environ, "MUSTER_DATABASE_URL": database_url}
    plan = tmp_path / "muster.yaml"
    plan.write_text(example_plan_text())
    status_port = free_port()
    args = ["--plan", str(plan), "--no-worker", "--status-port", str(status_port)]
    with muster_serve(args, env=env, cwd=tmp_path, ready="/status") as (url, process):
        yield url, f"http://127.0.0.1:{status_port}", process


def test_a_write_from_another_process_shows_within_two_seconds(
    served: tuple[str, str, subprocess.Popen[str]], database_url: str, tmp_path: Path
) -> None:
    url, status_url, process = served
    before = httpx.get(url + "/status")
    admin = Actor("admin", admin=True)
    rt = Runtime(Database(database_url, pool_size=2))
    try:
        declare(rt, admin, title="Logins fail", severity="SEV1", services=["auth"])
        post_update(rt, admin, "INC-1", track="customer", text="Written by another process.")
        written = time.monotonic()
    finally:
        rt.db.dispose()
    while time.monotonic() - written < 5:
        answer = httpx.get(url + "/status", headers={"If-None-Match": before.headers["etag"]})
        if answer.status_code == 200 and "Written by another process." in answer.text:
            break
        time.sleep(0.05)
    assert "Written by another process." in answer.text
    assert time.monotonic() - written < 2.5
    assert components(answer.text)["Login"] == "Major outage"

    # The status port serves the public pages only, at / too.
    assert "Written by another process." in httpx.get(status_url + "/").text
    assert httpx.get(status_url + "/status/feed.atom").status_code == 200
    assert httpx.get(status_url + "/api/v1/health").status_code == 404
    assert httpx.get(url + "/api/v1/health").status_code == 200

    process.terminate()
    process.wait(timeout=10)
    output = (tmp_path / "serve.log").read_text()
    assert "Muster serving on" in output
    assert "GET /status" not in output  # no access log line per request by default
