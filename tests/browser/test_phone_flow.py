"""The issue's browser walk, on phone-sized screens in real Chromium: declare from the form,
hand the commander role to someone who accepts it in their own browser, post a customer update
from a template after its preview, watch it arrive live in another person's room and on the
public status page, and check that an internal update never reaches that page.

Set MUSTER_SCREENSHOTS=docs/screenshots to keep the phone screenshots of the room, the incidents
list, the plan and the status page (the README's pictures come from such a run).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from .conftest import LiveServer

INTERNAL = "Failover of db-auth-2 started by the fixer; replication lag 40 s"
IMPACT = "Customers in the EU cannot sign in"


def shoot(page: Any, name: str, tmp_path: Path) -> None:
    folder = Path(os.environ.get("MUSTER_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def roles(server: LiveServer, ref: str) -> dict[str, str]:
    shown = json.loads(server.muster("show", ref, "--json").stdout)
    return {r["role"]: r["holder"] for r in shown["roles"]}


def test_declare_hand_off_update_live_and_status_page(
    phone: Any, live_server: LiveServer, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    # Declare from the form: the severity is picked from the plan's criteria.
    declarer = phone("carol")
    declarer.goto("/declare")
    declarer.get_by_label("What is broken?").fill("Logins failing")
    declarer.get_by_label(re.compile(r"^SEV1")).check()
    declarer.get_by_label(re.compile(r"^auth")).check()
    declarer.get_by_label(re.compile(r"^Impact")).fill(IMPACT)
    declarer.get_by_role("button", name="Declare").click()
    declarer.wait_for_url("**/incidents/INC-1")
    expect(declarer.get_by_role("heading", level=1)).to_contain_text("Logins failing")

    # The on-call commander (whoever the rotation names today) hands the role to someone else,
    # who accepts it in a browser of their own.
    commander = roles(live_server, "INC-1")["commander"]
    successor = next(p for p in ("dan", "alice", "bob") if p != commander)
    giver = phone(commander)
    giver.goto("/incidents/INC-1")
    giver.locator("summary", has_text="Hand off a role").click()
    handoff = giver.get_by_role("form", name="Hand off a role")
    handoff.get_by_label("Role").select_option("commander")
    handoff.get_by_label("To").select_option(successor)
    handoff.get_by_role("button", name="Offer the role").click()
    expect(giver.locator("#room-entries")).to_contain_text(
        f"{commander} offers commander to {successor}"
    )

    taker = phone(successor)
    taker.goto("/incidents/INC-1")
    taker.get_by_role("button", name="Accept commander").click()
    expect(taker.locator("#room-entries")).to_contain_text(f"{successor} is now commander")
    assert roles(live_server, "INC-1")["commander"] == successor

    # The communicator previews a customer update from a template, then posts it; the new
    # commander's room shows it without a reload.
    communicator = phone("carol")
    communicator.goto("/incidents/INC-1")
    communicator.locator("summary", has_text="Post an update").click()
    form = communicator.get_by_role("form", name="Post an update")
    form.get_by_label("Track", exact=True).select_option("customer")
    form.get_by_label("Template", exact=True).select_option("investigating-customer")
    form.get_by_role("button", name="Preview").click()
    preview = communicator.get_by_role("region", name="Preview")
    expect(preview).to_contain_text("We are investigating a problem with")
    assert json.loads(live_server.muster("show", "INC-1", "--json").stdout)["updates"] == []
    shoot(communicator, "room", tmp_path)
    communicator.get_by_role("form", name="Post an update").get_by_role(
        "button", name="Post the update"
    ).click()
    expect(taker.locator("#room-entries")).to_contain_text(
        "We are investigating a problem with", timeout=10_000
    )

    # An internal update goes on the timeline and never onto the public page.
    form = communicator.get_by_role("form", name="Post an update")
    form.get_by_label("Track", exact=True).select_option("internal")
    form.get_by_label("Template", exact=True).select_option("")
    form.get_by_label(re.compile(r"^Text")).fill(INTERNAL)
    form.get_by_role("button", name="Post the update").click()
    expect(taker.locator("#room-entries")).to_contain_text(INTERNAL, timeout=10_000)

    public = phone(None)
    public.goto("/status")
    expect(public.locator("body")).to_contain_text("We are investigating a problem with")
    expect(public.locator("body")).not_to_contain_text(INTERNAL)
    expect(public.locator("body")).not_to_contain_text("db-auth-2")
    shoot(public, "status", tmp_path)

    communicator.goto("/incidents")
    expect(communicator.get_by_role("list", name="Incidents")).to_contain_text("Logins failing")
    shoot(communicator, "incidents", tmp_path)

    communicator.goto("/plan")
    expect(communicator.get_by_role("heading", level=1)).to_be_visible()
    shoot(communicator, "plan", tmp_path)


def test_reading_works_without_javascript(chromium: Any, live_server: LiveServer) -> None:
    """At 2 a.m. on a locked-down phone the room must still read: no script at all."""
    from playwright.sync_api import expect

    from .conftest import PASSWORD, PHONE

    live_server.muster("declare", "Checkout slow", "--severity", "SEV2", "--service", "billing")
    context = chromium.new_context(
        viewport=PHONE, java_script_enabled=False, base_url=live_server.url
    )
    try:
        page = context.new_page()
        page.goto("/signin")
        page.get_by_label("Handle").fill("bob")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.goto("/incidents/INC-1")
        expect(page.get_by_role("heading", level=1)).to_contain_text("Checkout slow")
        expect(page.locator("#room-entries")).to_contain_text("declared")
    finally:
        context.close()


@pytest.mark.parametrize("path", ["/incidents", "/declare", "/plan", "/people"])
def test_signed_out_pages_send_the_phone_to_sign_in(phone: Any, path: str) -> None:
    from playwright.sync_api import expect

    page = phone(None)
    page.goto(path)
    expect(page).to_have_url(re.compile(r"/signin"))
    expect(page.get_by_role("button", name="Sign in")).to_be_visible()


def test_every_page_reads_on_a_phone_without_sideways_scrolling(
    phone: Any, live_server: Any
) -> None:
    """Nothing wider than the 390 px screen, and no table cut off at its right edge."""
    live_server.muster("declare", "Checkout slow", "--severity", "SEV2", "--service", "api")
    page = phone("carol")
    for path in ("/incidents", "/declare", "/plan", "/people", "/incidents/INC-1", "/status"):
        page.goto(path)
        widest = page.evaluate("document.documentElement.scrollWidth")
        assert widest <= 390, (path, widest)
        clipped = page.evaluate(
            "[...document.querySelectorAll('table')]"
            ".filter(t => t.scrollWidth > t.clientWidth + 1).map(t => t.className || 'table')"
        )
        assert clipped == [], (path, clipped)
