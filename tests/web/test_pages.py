"""The pages through HTTP: incidents list, declare form, plan, people, static assets, junk."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from muster.web.pages.common import ASSETS, static

from .webclient import PageClient

Browser = Callable[..., PageClient]


def _declare(team: Any, who: str = "admin", **body: Any) -> dict[str, Any]:
    response = team.api(who).post("/api/v1/incidents", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


# Declare form


def test_the_declare_form_shows_the_severities_with_their_criteria(browser_as: Browser) -> None:
    page = browser_as("dan").get("/declare").text
    assert "<legend>Severity: pick the first whose criteria match</legend>" in page
    assert 'type="radio" id="sev-1" name="severity" value="SEV1"' in page
    assert "Customer data is lost, corrupted or visible to the wrong customer" in page
    assert 'type="checkbox" id="svc-auth" name="services" value="auth"' in page
    assert '<label for="impact">' in page and '<label for="title">' in page


def test_declaring_from_the_form_opens_the_incident_room(team: Any, browser_as: Browser) -> None:
    dan = browser_as("dan")
    form = [
        ("title", "Logins failing"),
        ("severity", "SEV1"),
        ("services", "auth"),
        ("services", "web"),
        ("impact", "Users cannot sign in"),
        ("private", "on"),
    ]
    answer = dan.post("/declare", form)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/incidents/INC-1"
    shown = team.api().get("/api/v1/incidents/INC-1").json()
    assert shown["title"] == "Logins failing" and shown["severity"] == "SEV1"
    assert shown["services"] == ["auth", "web"] and shown["private"] is True
    assert shown["impact"] == "Users cannot sign in" and shown["drill"] is False
    assert shown["declared_by"] == "dan"


def test_a_field_error_is_shown_next_to_the_field_and_keeps_what_was_typed(
    team: Any, browser_as: Browser
) -> None:
    dan = browser_as("dan")
    form = [
        ("title", "   "),
        ("severity", "SEV2"),
        ("services", "billing"),
        ("impact", "Invoices are late <b>"),
        ("drill", "on"),
    ]
    answer = dan.post("/declare", form)
    assert answer.status_code == 422
    page = answer.text
    assert 'aria-describedby="title-error" aria-invalid="true"' in page
    assert '<p class="error" id="title-error"><strong>Error:</strong> the title is empty.' in page
    assert re.search(r'value="SEV2"\s+checked', page)
    assert re.search(r'value="billing"\s+checked', page)
    assert "Invoices are late &lt;b&gt;</textarea>" in page  # kept, and escaped
    assert re.search(r'id="drill" name="drill" value="on" checked', page)
    assert team.api().get("/api/v1/incidents").json() == []

    unknown = dan.post("/declare", [("title", "Down"), ("severity", "SEV9")])
    assert unknown.status_code == 422
    assert (
        'id="severity-error"' in unknown.text and "&#39;SEV9&#39; is not a severity" in unknown.text
    )
    none = dan.post("/declare", [("title", "Down")])
    assert none.status_code == 422 and "choose a severity" in none.text
    service = dan.post("/declare", [("title", "Down"), ("severity", "SEV1"), ("services", "x")])
    assert service.status_code == 422 and 'id="services-error"' in service.text


def test_htmx_gets_the_form_fragment_on_error_and_a_redirect_on_success(
    browser_as: Browser,
) -> None:
    dan = browser_as("dan")
    bad = dan.post("/declare", {"title": "", "severity": "SEV1"}, htmx=True)
    assert bad.status_code == 422
    assert bad.text.lstrip().startswith("<form") and "<html" not in bad.text
    good = dan.post("/declare", {"title": "API slow", "severity": "SEV2"}, htmx=True)
    assert good.status_code == 200 and good.headers["hx-redirect"] == "/incidents/INC-1"


# Incidents list


def test_the_list_shows_open_incidents_first_with_what_matters_on_each_row(
    team: Any, browser_as: Browser, clock: Any
) -> None:
    _declare(team, title="Old web glitch", severity="SEV3", services=["web"])
    team.api("alice").post("/api/v1/incidents/INC-1/milestones", json={"milestone": "resolved"})
    _declare(team, title="Logins failing", severity="SEV1", services=["auth"])
    _declare(team, title="Invoices late", severity="SEV2", services=["billing"])
    clock.advance(minutes=25)
    page = browser_as("carol").get("/incidents").text
    order = [page.index(ref) for ref in ("INC-3", "INC-2", "INC-1")]
    assert order == sorted(order)  # open ones first, newest first, then the resolved one
    row = page[page.index("INC-2") : page.index("INC-1")]
    assert "SEV1" in row and "Logins failing" in row and "detection" in row
    assert "25m" in row  # open for 25 minutes
    assert "⚠ overdue since 18:10" in row  # internal update due 10 minutes after 18:00 Berlin
    resolved = page[page.index('href="/incidents/INC-1"') :]
    assert "✓ " in resolved and "Resolved" in resolved


def test_the_list_filters_by_state_severity_service_and_mine(
    team: Any, browser_as: Browser
) -> None:
    _declare(team, title="Old web glitch", severity="SEV3", services=["web"])
    team.api("alice").post("/api/v1/incidents/INC-1/milestones", json={"milestone": "resolved"})
    _declare(team, title="Logins failing", severity="SEV1", services=["auth"])
    _declare(team, "bob", title="Invoices late", severity="SEV2", services=["billing"])
    bob = browser_as("bob")

    def refs(query: str) -> list[str]:
        answer = bob.get("/incidents" + query)
        assert answer.status_code == 200
        return re.findall(r'<span class="ref">(INC-\d+)</span>', answer.text)

    assert refs("") == ["INC-3", "INC-2", "INC-1"]
    assert refs("?state=open") == ["INC-3", "INC-2"]
    assert refs("?severity=sev2") == ["INC-3"]
    assert refs("?service=web") == ["INC-1"]
    mine = []
    for number in (1, 2, 3):
        shown = team.api().get(f"/api/v1/incidents/INC-{number}").json()
        people = {r["holder"] for r in shown["roles"]} | {r["backup"] for r in shown["roles"]}
        if "bob" in people | {shown["declared_by"]}:
            mine.append(f"INC-{number}")
    assert "INC-3" in mine  # bob declared it
    assert refs("?mine=1") == sorted(mine, reverse=True)
    assert "No incidents match these filters" in bob.get("/incidents?severity=SEV9").text


# Plan and people


def test_the_plan_page_shows_who_is_on_call_and_never_a_channel_url(
    team: Any, browser_as: Browser
) -> None:
    page = browser_as("erin").get("/plan").text
    assert "Northwind Labs: incident plan" in page
    communicator = '<th scope="row">communicator</th><td data-label="On call now"><strong>carol'
    assert communicator in page
    assert '<td data-label="Backup">dan</td>' in page
    assert "rotation alice, dan: weekly, Monday 09:00" in page
    assert "Mon 2026-11-23 09:00 CET" in page  # the next Monday handoff
    assert "Customer data is lost, corrupted or visible to the wrong customer" in page
    assert "internal every 10m, customer every 15m" in page
    assert "https://wiki.example.com/runbooks/auth-rollback" in page and "2026-10-14" in page
    assert "incidents <small>(internal)</small>" in page
    assert "investigating-customer" in page
    for secret in ("chat.example.com", "mailto:", "leadership@example.com"):
        assert secret not in page


def test_plan_show_prints_markdown_and_a_standalone_html_page(team: Any) -> None:
    markdown = team.ok("plan", "show", "--format", "md")
    assert markdown.startswith("# Northwind Labs: incident plan\n")
    assert "| communicator | carol | dan | primary carol, backup dan | - |" in markdown
    assert "### SEV1: Customers cannot use a core feature" in markdown
    assert "| auth | erin, alice | https://wiki.example.com/runbooks/auth-rollback |" in markdown
    html = team.ok("plan", "show", "--format", "html")
    assert html.startswith("<!doctype html>") and "<style>" in html and "@media print" in html
    assert "<h1>Northwind Labs: incident plan</h1>" in html
    for text in (markdown, html):
        assert "chat.example.com" not in text and "mailto:" not in text
    assert team.ok("plan", "show").startswith("# plan version 1\n")
    wrong = team.cli("plan", "show", "--format", "pdf")
    assert wrong.exit_code == 2 and "use --format yaml, md or html" in wrong.stderr


def test_the_people_page_shows_roles_on_call_and_contact_kinds(browser_as: Browser) -> None:
    page = browser_as("alice").get("/people").text
    assert '<h2 id="now">On call now</h2>' in page
    carol = page[page.index('id="person-carol"') : page.index('id="person-dan"')]
    assert "Carol Lindqvist" in carol and "● On call:</span> communicator" in carol
    assert "communicator primary" in carol and "email" in carol
    erin = page[page.index('id="person-erin"') :]
    assert "email, webhook" in erin and "auth, api, web" in erin.split("Owns")[1][:80]
    assert "mailto:" not in page and "pager.example.com" not in page


def test_the_people_page_says_who_takes_over_next_and_counts_overrides(
    team: Any, browser_as: Browser
) -> None:
    page = browser_as("alice").get("/people").text
    row = page[page.index('<th scope="row">commander</th>') :].split("</tr>")[0]
    assert "<strong>dan</strong>" in row and "backup alice" in row
    assert '<strong>alice</strong><br><span class="note">from Mon 23 Nov 09:00</span>' in row

    team.ok("override", "commander", "erin", "--until", "8h", who="dan")
    plan = browser_as("alice").get("/plan").text  # the plan page counts it too
    assert '<th scope="row">commander</th><td data-label="On call now"><strong>erin' in plan
    page = browser_as("alice").get("/people").text
    row = page[page.index('<th scope="row">commander</th>') :].split("</tr>")[0]
    assert "<strong>erin</strong> (override)" in row
    assert '<strong>dan</strong><br><span class="note">from Sat 21 Nov 02:00</span>' in row


# Shell: home, static assets, errors


def test_home_sends_you_to_sign_in_or_to_the_incidents(browser_as: Browser) -> None:
    assert browser_as("bob", signed_in=False).get("/").headers["location"] == "/signin"
    assert browser_as("bob").get("/").headers["location"] == "/incidents"


def test_static_assets_are_served_with_hashed_urls_and_long_cache_headers(
    browser_as: Browser,
) -> None:
    bob = browser_as("bob")
    page = bob.get("/incidents").text
    for name in ("muster.css", "htmx.min.js", "muster.js"):
        assert static(name) in page
    css = bob.get(static("muster.css"))
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
    assert css.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert css.headers["etag"] == f'"{ASSETS["muster.css"].etag}"'
    assert len(css.content) < 12 * 1024
    again = bob.get(static("muster.css"), headers={"If-None-Match": css.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert bob.get("/static/muster.css").headers["cache-control"] == "public, max-age=300"
    js = bob.get(static("htmx.min.js"))
    assert "javascript" in js.headers["content-type"] and b"htmx" in js.content
    assert bob.get(static("sse.js")).status_code == 200
    assert bob.get("/static/nothing.js").status_code == 404
    assert bob.get("/static/VENDORED.md").status_code == 404


def test_pages_are_not_in_the_api_schema(team: Any) -> None:
    paths = team.client.get("/openapi.json").json()["paths"]
    pages = ["/", "/signin", "/signout", "/incidents", "/declare", "/plan", "/people"]
    assert not [p for p in paths if p in pages or p.startswith("/static")]


def test_a_missing_page_answers_an_html_page_not_json(browser_as: Browser) -> None:
    answer = browser_as("bob").get("/no/such/page")
    assert answer.status_code == 404 and answer.headers["content-type"].startswith("text/html")
    assert "<h1>Not Found</h1>" in answer.text


JUNK: list[tuple[str, dict[str, str], bytes]] = [
    ("form", {"Content-Type": "application/x-www-form-urlencoded"}, b"title=%ff%fe&severity=\x00"),
    ("surrogate", {"Content-Type": "application/x-www-form-urlencoded"}, b"title=%ED%A0%80&x=1"),
    ("nul", {"Content-Type": "application/x-www-form-urlencoded"}, b"title=a%00b&severity=SEV1"),
    ("json", {"Content-Type": "application/json"}, b'{"title": "x"}'),
    ("binary", {"Content-Type": "application/octet-stream"}, bytes(range(256))),
    ("bad multipart", {"Content-Type": "multipart/form-data; boundary=zz"}, b"--zz\r\njunk"),
    ("no boundary", {"Content-Type": "multipart/form-data"}, b"whatever"),
    (
        "file",
        {"Content-Type": "multipart/form-data; boundary=zz"},
        b'--zz\r\nContent-Disposition: form-data; name="title"; filename="a.txt"\r\n\r\n'
        b"hello\r\n--zz--\r\n",
    ),
    ("huge", {"Content-Type": "application/x-www-form-urlencoded"}, b"title=" + b"a" * 300_000),
    ("many", {"Content-Type": "application/x-www-form-urlencoded"}, b"&".join([b"a=1"] * 5000)),
    (
        "arrays",
        {"Content-Type": "application/x-www-form-urlencoded"},
        b"severity=SEV1&severity=SEV2&title=x&services=&services=%20",
    ),
]


@pytest.mark.parametrize("path", ["/signin", "/signout", "/declare"])
def test_junk_sent_to_any_form_never_answers_500(browser_as: Browser, path: str) -> None:
    dan = browser_as("dan")
    for name, headers, body in JUNK:
        for extra in ({}, {"X-CSRF-Token": dan.csrf}, {"HX-Request": "true"}):
            answer = dan.client.post(path, content=body, headers={**headers, **extra})
            assert answer.status_code < 500, (name, extra, answer.status_code, answer.text[:300])
        if path == "/signout":
            dan = browser_as("dan")  # a junk body with the token may have signed dan out
    for query in ("?state=%00", "?severity=" + "x" * 5000, "?mine=%ff", "?service=%ED%A0%80"):
        assert dan.get("/incidents" + query).status_code == 200
    assert dan.get("/signin?next=%00&reason=%ff").status_code == 200
