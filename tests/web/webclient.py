"""A browser for page tests, as an httpx client: cookies kept, CSRF added to forms."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi.testclient import TestClient

from muster.web.pages.common import COOKIE

PASSWORD = "correct horse battery staple"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


class PageClient:
    """One person's browser: cookies kept, redirects not followed (tests look at them)."""

    def __init__(self, client: TestClient, handle: str) -> None:
        self.client = client
        self.handle = handle
        self.csrf = ""

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        kwargs.setdefault("headers", {"Accept": "text/html"})
        return self.client.get(path, **kwargs)

    def post(
        self,
        path: str,
        data: dict[str, Any] | list[tuple[str, str]] | None = None,
        *,
        htmx: bool = False,
        csrf: bool = True,
        **kwargs: Any,
    ) -> httpx.Response:
        """POST a form; with `htmx`, as htmx does (HX-Request and the X-CSRF-Token header)."""
        fields: list[tuple[str, Any]] = list(data.items() if isinstance(data, dict) else data or [])
        headers = {"Accept": "text/html", **kwargs.pop("headers", {})}
        if htmx:
            headers["HX-Request"] = "true"
            if csrf:
                headers["X-CSRF-Token"] = self.csrf
        elif csrf:
            fields.append(("csrf", self.csrf))
        form: dict[str, list[str]] = {}
        for name, value in fields:
            form.setdefault(name, []).append(str(value))
        return self.client.post(path, data=form, headers=headers, **kwargs)

    def sign_in(self, password: str = PASSWORD, next: str = "/incidents") -> httpx.Response:
        response = self.client.post(
            "/signin", data={"handle": self.handle, "password": password, "next": next}
        )
        if response.status_code == 303:
            page = self.get("/incidents")
            found = _CSRF.search(page.text)
            assert found, "the signed-in page carries no csrf field"
            self.csrf = found.group(1)
        return response

    @property
    def session(self) -> str | None:
        return self.client.cookies.get(COOKIE)
