"""The CLI's side of the API: where the server is, who we are, and one error type for both."""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"


class ApiError(Exception):
    """A refusal from the server (4xx) or a failure to reach it; `exit_code` for the shell."""

    def __init__(self, message: str, hint: str = "", exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code


def segment(value: str) -> str:
    """`value` as one URL path segment, whatever the user typed.

    `INC-2/milestones` must not reach another route, and `..` must not climb out of
    `/incidents/` (httpx resolves dot segments), so slashes and dots are both escaped.
    """
    return quote(value, safe="").replace(".", "%2E")


_REF = re.compile(r"^\s*(?:inc-?)?(\d{1,9})\s*$", re.IGNORECASE)


def incident_ref(typed: str) -> str:
    """`inc-2`, `inc2` or `2` -> `INC-2`, for messages; anything else as typed (the server
    refuses what is not a reference)."""
    match = _REF.match(typed)
    return f"INC-{int(match.group(1))}" if match else typed


def config_path() -> Path:
    """Where `muster login` keeps the URL and token: $MUSTER_CONFIG, else the XDG config dir."""
    if explicit := os.environ.get("MUSTER_CONFIG"):
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "muster" / "config.json"


def read_config() -> dict[str, str]:
    """The stored URL and token; a file that is there but unusable is an error, not ignored."""
    path = config_path()
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise ApiError(f"cannot read {path}: {error}", "run `muster login` again", 1) from None
    if not isinstance(data, dict):
        raise ApiError(
            f"{path} is not a Muster config (expected a JSON object with url and token)",
            "run `muster login` again, or point MUSTER_CONFIG at the right file",
            1,
        )
    return {k: v for k, v in data.items() if isinstance(v, str)}


def write_config(url: str, token: str) -> Path:
    """Save the URL and token, readable by the owner only.

    The file is created with mode 0600, so the token is never readable by others, not even
    for the moment between writing and a later chmod. An existing file keeps its mode, so it
    is tightened as well.
    """
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
    os.fchmod(fd, 0o600)  # an existing file keeps its old mode under O_CREAT
    with os.fdopen(fd, "w", encoding="utf-8") as file:
        file.write(json.dumps({"url": url, "token": token}, indent=2) + "\n")
    return path


@dataclass
class Api:
    """A thin JSON client; `http` is injectable so tests can hand in an in-process client."""

    http: httpx.Client
    url: str
    act_as: str | None = None

    @classmethod
    def from_environment(cls, url: str | None, token: str | None, act_as: str | None) -> Api:
        stored = read_config()
        base = (url or os.environ.get("MUSTER_URL") or stored.get("url") or DEFAULT_URL).rstrip("/")
        secret = token or os.environ.get("MUSTER_TOKEN") or stored.get("token")
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        return cls(httpx.Client(base_url=base, headers=headers, timeout=30.0), base, act_as)

    def call(self, method: str, path: str, *, body: Any = None, params: Any = None) -> Any:
        headers = {"X-Muster-As": self.act_as} if self.act_as else {}
        try:
            response = self.http.request(
                method, "/api/v1" + path, json=body, params=params, headers=headers
            )
        except httpx.TransportError as error:
            raise ApiError(
                f"cannot reach Muster at {self.url} ({error.__class__.__name__})",
                "start it with `muster serve`, or point MUSTER_URL (or `muster login`) at it",
                1,
            ) from None
        if response.is_success:
            return response.json()
        return self._refusal(response)

    def _refusal(self, response: httpx.Response) -> Any:
        try:
            problem = response.json()
            detail, hint = str(problem.get("detail", "")), str(problem.get("hint", ""))
        except ValueError:
            detail, hint = response.text[:200] or response.reason_phrase, ""
        if response.status_code == 401 and (not hint or not _sent_token(response)):
            # Without a token the server's hint (about HTTP headers) is no help to a CLI user.
            hint = "set MUSTER_TOKEN or run `muster login`"
        raise ApiError(detail, hint, 2 if response.status_code < 500 else 1)


def _sent_token(response: httpx.Response) -> bool:
    return bool(response.request.headers.get("Authorization", "").removeprefix("Bearer").strip())
