"""`muster serve` in its own process, as the tests that need a real server start it: on a
free port, waited for until it answers, stopped at the end of the block."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

MUSTER = [sys.executable, "-m", "muster"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def muster_serve(
    args: Sequence[str],
    *,
    env: Mapping[str, str],
    cwd: Path,
    ready: str = "/api/v1/health",
    port: int | None = None,
) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    """`muster serve --port PORT ARGS...`; yields its URL and process once `ready` answers
    200, or fails the test with what the server printed. What it prints goes to
    `cwd/serve.log` (a file, not a pipe: a server that printed more than a pipe holds would
    stop until someone read it)."""
    port = port or free_port()
    log_path = cwd / "serve.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [*MUSTER, "serve", "--port", str(port), *args],
            env=dict(env),
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
            text=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            if not _answers(url + ready, process):
                process.kill()
                process.wait()
                pytest.fail(f"muster serve did not answer:\n{log_path.read_text()}")
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _answers(url: str, process: subprocess.Popen[str], seconds: float = 30) -> bool:
    """Whether `url` answers 200 before `seconds` pass or the process ends."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(url).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    return False
