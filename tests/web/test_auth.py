"""Sign-in, sessions and CSRF, through HTTP as a browser does them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from muster.actions import users
from muster.cli.main import load_commands
from muster.errors import InvalidInput

from .webclient import PASSWORD, PageClient

Browser = Callable[..., PageClient]


def _incident_count(team: Any) -> int:
    return len(team.api().get("/api/v1/incidents").json())


def test_the_right_password_signs_in_and_lands_on_the_incidents_page(browser_as: Browser) -> None:
    carol = browser_as("carol")
    page = carol.get("/incidents")
    assert page.status_code == 200
    assert "Sign out carol" in page.text
    assert page.headers["cache-control"] == "no-store"
    assert carol.get("/").headers["location"] == "/incidents"


def test_a_wrong_password_and_an_unknown_handle_get_the_same_refusal(browser_as: Browser) -> None:
    carol = browser_as("carol", signed_in=False)
    wrong = carol.sign_in(password="not her password")
    nobody = carol.client.post("/signin", data={"handle": "frank", "password": PASSWORD})
    assert wrong.status_code == nobody.status_code == 401
    message = "the handle or the password is wrong"
    assert message in wrong.text and message in nobody.text
    assert 'value="carol"' in wrong.text  # the handle typed is kept
    assert 'aria-describedby="signin-error"' in wrong.text
    assert carol.session is None
    assert carol.get("/incidents").status_code == 303


def test_a_person_without_a_password_cannot_sign_in(browser_as: Browser) -> None:
    browser_as("carol")  # carol has a password; dan has none
    dan = PageClient(TestClient(browser_as("carol").client.app, follow_redirects=False), "dan")
    assert dan.sign_in().status_code == 401


def test_a_page_without_a_session_sends_you_to_sign_in_and_back(browser_as: Browser) -> None:
    erin = browser_as("erin", signed_in=False)
    first = erin.get("/plan?x=1")
    assert first.status_code == 303
    assert first.headers["location"] == "/signin?next=/plan%3Fx%3D1"
    form = erin.get(first.headers["location"])
    assert 'name="next" value="/plan?x=1"' in form.text
    assert erin.sign_in(next="/plan?x=1").headers["location"] == "/plan?x=1"
    assert erin.get("/").headers["location"] == "/incidents"


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "\\\\evil", ""])
def test_sign_in_never_redirects_off_the_site(browser_as: Browser, target: str) -> None:
    erin = browser_as("erin", signed_in=False)
    assert erin.sign_in(next=target).headers["location"] == "/incidents"


def test_the_session_cookie_is_httponly_lax_and_secure_only_over_https(
    team: Any, browser_as: Browser
) -> None:
    browser_as("bob", signed_in=False)
    plain = TestClient(team.client.app, follow_redirects=False)
    cookie = plain.post("/signin", data={"handle": "bob", "password": PASSWORD}).headers[
        "set-cookie"
    ]
    assert "muster_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie
    tls = TestClient(team.client.app, base_url="https://testserver", follow_redirects=False)
    secure = tls.post("/signin", data={"handle": "bob", "password": PASSWORD})
    assert "Secure" in secure.headers["set-cookie"]


def test_a_session_ends_after_12_idle_hours_but_not_while_used(
    browser_as: Browser, clock: Any
) -> None:
    carol = browser_as("carol")
    for _ in range(3):  # used every 11 hours: still signed in after 33 hours
        clock.advance(hours=11)
        assert carol.get("/incidents").status_code == 200
    clock.advance(hours=12, seconds=1)
    expired = carol.get("/incidents")
    assert expired.status_code == 303
    assert expired.headers["location"] == "/signin?next=/incidents&reason=expired"
    assert "Your session has ended" in carol.get(expired.headers["location"]).text


def test_a_session_ends_after_7_days_however_busy(browser_as: Browser, clock: Any) -> None:
    carol = browser_as("carol")
    for _ in range(15):  # every 11 hours for 6 days 21 hours
        clock.advance(hours=11)
        assert carol.get("/incidents").status_code == 200
    clock.advance(hours=3)
    assert carol.get("/incidents").status_code == 303


def test_signing_out_ends_the_session_on_the_server(team: Any, browser_as: Browser) -> None:
    carol = browser_as("carol")
    stolen = carol.session
    assert stolen is not None
    out = carol.post("/signout")
    assert out.status_code == 303 and out.headers["location"] == "/signin"
    replay = TestClient(team.client.app, follow_redirects=False, cookies={"muster_session": stolen})
    assert replay.get("/incidents").status_code == 303  # the copied cookie no longer works


def test_signing_out_needs_the_csrf_token(browser_as: Browser) -> None:
    carol = browser_as("carol")
    refused = carol.post("/signout", csrf=False)
    assert refused.status_code == 403
    assert carol.get("/incidents").status_code == 200  # still signed in


def test_a_new_password_ends_every_session_of_that_person(team: Any, browser_as: Browser) -> None:
    carol, erin = browser_as("carol"), browser_as("erin")
    assert users.set_password(team.rt, "carol", "another long password") == 1
    assert carol.get("/incidents").status_code == 303
    assert erin.get("/incidents").status_code == 200
    assert carol.sign_in(password=PASSWORD).status_code == 401
    assert carol.sign_in(password="another long password").status_code == 303


def test_a_form_without_the_csrf_token_is_refused_and_changes_nothing(
    team: Any, browser_as: Browser
) -> None:
    dan = browser_as("dan")
    form = {"title": "Checkout down", "severity": "SEV1", "impact": "Nobody can pay"}
    missing = dan.post(
        "/declare", form, csrf=False, headers={"Referer": "http://testserver/declare"}
    )
    assert missing.status_code == 403
    assert "without a valid security token" in missing.text
    assert 'name="next" value="/declare"' in missing.text
    forged = dan.post("/declare", {**form, "csrf": "forged"}, csrf=False)
    assert forged.status_code == 403
    htmx = dan.post("/declare", form, htmx=True, csrf=False)
    assert htmx.status_code == 403
    assert htmx.headers["hx-redirect"].startswith("/signin?next=")
    assert _incident_count(team) == 0
    assert dan.post("/declare", form).status_code == 303  # with the token it goes through
    assert _incident_count(team) == 1


def test_a_form_sent_after_the_session_expired_asks_to_sign_in_and_changes_nothing(
    team: Any, browser_as: Browser, clock: Any
) -> None:
    dan = browser_as("dan")
    clock.advance(hours=13)
    late = dan.post(
        "/declare",
        {"title": "Checkout down", "severity": "SEV1"},
        headers={"Referer": "http://testserver/declare"},
    )
    assert late.status_code == 401
    assert "Your session has ended" in late.text
    assert "data-keep-drafts" in late.text  # muster.js keeps the typed draft
    assert 'name="next" value="/declare"' in late.text
    assert _incident_count(team) == 0


def test_a_sign_in_posted_from_another_site_is_refused(browser_as: Browser) -> None:
    bob = browser_as("bob", signed_in=False)
    refused = bob.client.post(
        "/signin",
        data={"handle": "bob", "password": PASSWORD},
        headers={"Origin": "https://evil.example"},
    )
    assert refused.status_code == 403
    assert bob.session is None


def test_only_plan_people_get_a_password_of_ten_characters_or_more(team: Any) -> None:
    with pytest.raises(InvalidInput, match="not a person in the plan"):
        users.set_password(team.rt, "frank", PASSWORD)
    with pytest.raises(InvalidInput, match="shorter than 10"):
        users.set_password(team.rt, "carol", "short")


def test_muster_user_set_password_sets_it_and_ends_sessions(
    team: Any, browser_as: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(
        "MUSTER_DATABASE_URL", team.rt.db.engine.url.render_as_string(hide_password=False)
    )
    cli, runner = load_commands(), CliRunner()
    carol = browser_as("carol")

    typed = runner.invoke(cli, ["user", "set-password", "carol"], input="brand new pass\n" * 2)
    assert typed.exit_code == 0, typed.output
    assert "Password set for carol; 1 web session(s) ended." in typed.stdout
    assert carol.get("/incidents").status_code == 303
    assert carol.sign_in(password="brand new pass").status_code == 303

    erin = browser_as("erin", signed_in=False)
    piped = ["user", "set-password", "erin", "--password-stdin"]
    assert runner.invoke(cli, piped, input="from a pipe 123\n").exit_code == 0
    assert erin.sign_in("from a pipe 123").status_code == 303

    differ = runner.invoke(cli, ["user", "set-password", "bob"], input="first one!!\nsecond one\n")
    assert differ.exit_code == 2 and "the two passwords differ" in differ.stderr
    short = runner.invoke(cli, piped, input="short\n")
    assert short.exit_code == 2 and "shorter than 10 characters" in short.stderr
    stranger = runner.invoke(
        cli, ["user", "set-password", "frank", "--password-stdin"], input=PASSWORD
    )
    assert stranger.exit_code == 2 and "not a person in the plan" in stranger.stderr
