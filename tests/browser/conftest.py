"""Real browsers against a real server: `muster serve` in its own process on SQLite, and
Debian's Chromium driven by Playwright (never `playwright install`: it fetches a browser over
the network). Storage behaviour runs on both databases in the API tests; here the subject is
what a person sees and clicks, so one database is enough.

Without Chromium the tests skip with the reason; under CI=true that skip is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from serving import MUSTER, muster_serve

CHROMIUM = os.environ.get("MUSTER_TEST_CHROMIUM", "/usr/bin/chromium")
PASSWORD = "correct horse battery"
PHONE = {"width": 390, "height": 844}
# Flags that keep a headless Chromium off the network it cannot reach here.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _unavailable(reason: str) -> None:
    message = f"BROWSER TESTS NOT RUN: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI requires the browser tests: {reason}")
    pytest.skip(message)


@dataclass
class LiveServer:
    url: str
    env: dict[str, str]
    cwd: Path

    def muster(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        """The `muster` command against this server (admin token in the environment)."""
        done = subprocess.run(
            [*MUSTER, *args],
            env=self.env,
            cwd=self.cwd,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, f"muster {' '.join(args)}: {done.stderr}"
        return done


@contextmanager
def serving(server: LiveServer) -> Iterator[LiveServer]:
    """`muster serve` on `server`'s database and plan, on a free port, until the block ends."""
    plan = ["--plan", str(server.cwd / "muster.yaml")]
    with muster_serve(plan, env=server.env, cwd=server.cwd) as (url, _):
        server.url = server.env["MUSTER_URL"] = url
        yield server


def _team_in(folder: Path, token: str = "") -> LiveServer:
    env = {
        **os.environ,
        "MUSTER_DATABASE_URL": f"sqlite:///{folder / 'muster.db'}",
        "MUSTER_CONFIG": str(folder / "config.json"),
    }
    if token:
        env["MUSTER_TOKEN"] = token
    return LiveServer("", env, folder)


@pytest.fixture(scope="session")
def prepared_team(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A new team from `muster init`, with web passwords for everyone, made once through the
    real commands; each test serves a copy of it (one process start per test, not eight)."""
    folder = tmp_path_factory.mktemp("team")
    maker = _team_in(folder)
    maker.muster("init", str(folder))
    token = maker.muster("token", "create", "admin", "--admin").stdout.strip()
    maker.env["MUSTER_TOKEN"] = token
    with serving(maker):  # passwords are for people in the plan in force: serve applies it
        for person in ("alice", "bob", "carol", "dan", "erin"):
            maker.muster("user", "set-password", person, "--password-stdin", stdin=PASSWORD)
    return folder, token


@pytest.fixture
def live_server(prepared_team: tuple[Path, str], tmp_path: Path) -> Iterator[LiveServer]:
    """A copy of the prepared team (a database of this test's own), served on a free port."""
    folder, token = prepared_team
    for made in folder.iterdir():
        if made.name.startswith(("muster.db", "muster.yaml")):
            shutil.copy(made, tmp_path / made.name)
    with serving(_team_in(tmp_path, token)) as server:
        yield server


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One Chromium for the session; each test opens contexts (separate people) in it."""
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed (pip install -e '.[test]')")
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def phone(chromium: Any, live_server: LiveServer) -> Iterator[Any]:
    """`phone("carol")`: a signed-in page on a 390x844 screen, one browser context per person."""
    contexts: list[Any] = []

    def open_as(handle: str | None) -> Any:
        context = chromium.new_context(
            viewport=PHONE,
            device_scale_factor=2,
            is_mobile=True,
            has_touch=True,
            base_url=live_server.url,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if handle:
            page.goto("/signin")
            page.get_by_label("Handle").fill(handle)
            page.get_by_label("Password").fill(PASSWORD)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url("**/incidents**")
        return page

    yield open_as
    for context in contexts:
        context.close()
