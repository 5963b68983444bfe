"""What the benchmarks share: the databases to run on, a real `muster serve`, percentiles,
and wrk as the load generator (a C client, so the load costs the server little CPU)."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

PG_ADMIN = os.environ.get(
    "MUSTER_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)
MUSTER = [sys.executable, "-m", "muster"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


@contextmanager
def databases() -> Iterator[dict[str, str]]:
    """A fresh SQLite file, and a fresh PostgreSQL database when a server answers (dropped
    afterwards)."""
    targets = {"SQLite": f"sqlite:///{tempfile.mkdtemp()}/bench.db"}
    name = f"muster_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        targets["PostgreSQL"] = PG_ADMIN.rsplit("/", 1)[0] + f"/{name}"
    except Exception as error:  # a bench without PostgreSQL still reports SQLite
        print(f"PostgreSQL skipped: {error.__class__.__name__}")
    try:
        yield targets
    finally:
        if "PostgreSQL" in targets:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def muster_server(
    database_url: str, adapt_plan: Callable[[Path], Path] | None = None
) -> Iterator[httpx.Client]:
    """`muster init`, an admin token and `muster serve` in its own process; yields an API
    client (base URL /api/v1) once the server answers."""
    work = Path(tempfile.mkdtemp())
    env = {**os.environ, "MUSTER_DATABASE_URL": database_url}
    subprocess.run([*MUSTER, "init", str(work)], env=env, check=True, capture_output=True)
    plan = adapt_plan(work / "muster.yaml") if adapt_plan else work / "muster.yaml"
    token = subprocess.run(
        [*MUSTER, "token", "create", "admin", "--admin"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = free_port()
    server = subprocess.Popen(
        [*MUSTER, "serve", "--port", str(port), "--plan", str(plan)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}/api/v1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    try:
        for _ in range(100):
            try:
                client.get("/health")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        yield client
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=20)


WRK = "/usr/bin/wrk"
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


@dataclass
class Load:
    name: str
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    errors: str


def wrk(
    name: str,
    url: str,
    seconds: int,
    connections: int,
    *,
    script: Path | None = None,
    args: Sequence[str] = (),
) -> Load:
    """One wrk run (two threads, as on the 2-core machine): requests/s, p50 and p99, and any
    errors it counted. A Lua `script` shapes the requests (its `args` follow `--`)."""
    command = [WRK, "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    if script:
        command += ["-s", str(script)]
    run = subprocess.run(
        [*command, url, *(["--", *args] if args else [])],
        capture_output=True,
        text=True,
        check=True,
    )
    out = run.stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rate, out

    def latency(share: str) -> float:
        found = re.search(rf"^\s+{share}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE)
        assert found, out
        return float(found.group(1)) * UNITS[found.group(2)]

    bad = re.search(r"(Non-2xx or 3xx responses: \d+|Socket errors: .*)", out)
    return Load(
        name, float(rate.group(1)), latency("50"), latency("99"), bad.group(1) if bad else ""
    )
