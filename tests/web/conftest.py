"""Signed-in browsers for page tests: `browser_as("carol")` is carol with a session cookie.

Each persona gets a client of its own (its own cookie jar) over the team's app. The password
is set through the action, then the sign-in form is posted as a browser would, so the tests
exercise the real sign-in. `.post(path, data)` adds the session's CSRF token to the form.
The client class lives in `webclient.py` (import it from there: `from .webclient import ...`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient

from muster.actions import users

from .webclient import PASSWORD, PageClient


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Real argon2id at a tiny work factor: sign-ins in tests take milliseconds, not 0.3 s."""
    cheap = PasswordHasher(time_cost=1, memory_cost=256, parallelism=1)
    monkeypatch.setattr(users, "HASHER", cheap)
    users.dummy_hash.cache_clear()
    yield
    users.dummy_hash.cache_clear()


@pytest.fixture
def browser_as(team: Any) -> Iterator[Callable[..., PageClient]]:
    """`browser_as("carol")`: a signed-in PageClient (password set on first use);
    `browser_as("carol", signed_in=False)`: the same browser before it signs in."""
    clients: list[TestClient] = []
    passwords: set[str] = set()

    def make(handle: str, *, signed_in: bool = True) -> PageClient:
        if handle not in passwords:
            users.set_password(team.rt, handle, PASSWORD)
            passwords.add(handle)
        client = TestClient(team.client.app, follow_redirects=False)
        clients.append(client)
        page = PageClient(client, handle)
        if signed_in:
            response = page.sign_in()
            assert response.status_code == 303, response.text
        return page

    yield make
    for client in clients:
        client.close()
