"""The CLI's side of the API: where the server is, who we are, and one error type for both."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

DEFAULT_URL = "http://127.0.0.1:8000"


class ApiError(Exception):
    """A refusal from the server (4xx) or a failure to reach it; `exit_code` for the shell."""

    def __init__(self, message: str, hint: str = "", exit_code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code


def config_path() -> Path:
    """Where `muster login` keeps the URL and token: $MUSTER_CONFIG, else the XDG config dir."""
    if explicit := os.environ.get("MUSTER_CONFIG"):
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "muster" / "config.json"


def read_config() -> dict[str, str]:
    path = config_path()
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as error:
        raise ApiError(f"cannot read {path}: {error}", "run `muster login` again", 1) from None
    return {k: str(v) for k, v in data.items() if isinstance(v, str)}


def write_config(url: str, token: str) -> Path:
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"url": url, "token": token}, indent=2) + "\n")
    path.chmod(0o600)  # the token is a password
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
        if response.status_code == 401 and not hint:
            hint = "set MUSTER_TOKEN or run `muster login`"
        raise ApiError(detail, hint, 2 if response.status_code < 500 else 1)
