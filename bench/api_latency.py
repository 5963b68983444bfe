"""How fast the core API answers: declare, a timeline write, and reading an incident with a long
timeline, through a real `muster serve` on SQLite and on PostgreSQL.

    .venv/bin/python bench/api_latency.py            # both databases when PostgreSQL answers
    .venv/bin/python bench/api_latency.py --entries 2000

Prints the median and p99 of each call in milliseconds. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

PG_ADMIN = os.environ.get(
    "MUSTER_TEST_POSTGRES_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(database_url: str, entries: int) -> dict[str, list[float]]:
    work = Path(tempfile.mkdtemp())
    env = {**os.environ, "MUSTER_DATABASE_URL": database_url}
    muster = [sys.executable, "-m", "muster"]
    subprocess.run([*muster, "init", str(work)], env=env, check=True, capture_output=True)
    token = subprocess.run(
        [*muster, "token", "create", "admin", "--admin"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = free_port()
    server = subprocess.Popen(
        [*muster, "serve", "--port", str(port), "--plan", str(work / "muster.yaml")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = httpx.Client(
        base_url=f"http://127.0.0.1:{port}/api/v1", headers={"Authorization": f"Bearer {token}"}
    )
    results: dict[str, list[float]] = {
        "declare": [],
        "log entry": [],
        f"show ({entries} entries)": [],
    }
    try:
        for _ in range(100):
            try:
                client.get("/health")
                break
            except httpx.TransportError:
                time.sleep(0.1)

        def clock(name: str, method: str, path: str, **kwargs: object) -> None:
            start = time.perf_counter()
            response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
            results[name].append((time.perf_counter() - start) * 1000)
            response.raise_for_status()

        for n in range(50):
            clock(
                "declare",
                "POST",
                "/incidents",
                json={"title": f"bench {n}", "severity": "SEV2", "services": ["api"]},
            )
        for n in range(entries):
            clock("log entry", "POST", "/incidents/INC-1/timeline", json={"text": f"entry {n}"})
        for _ in range(30):
            clock(f"show ({entries} entries)", "GET", "/incidents/INC-1")
    finally:
        client.close()
        server.terminate()
        server.wait(timeout=10)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=500)
    args = parser.parse_args()
    targets = {"SQLite": f"sqlite:///{tempfile.mkdtemp()}/bench.db"}
    pg_name = f"muster_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{pg_name}"'))
        targets["PostgreSQL"] = PG_ADMIN.rsplit("/", 1)[0] + f"/{pg_name}"
    except Exception as error:
        print(f"PostgreSQL skipped: {error.__class__.__name__}")
    print(f"{'database':<11} {'call':<22} {'n':>5} {'p50 ms':>8} {'p99 ms':>8}")
    try:
        for name, url in targets.items():
            for call, samples in measure(url, args.entries).items():
                print(
                    f"{name:<11} {call:<22} {len(samples):>5} {statistics.median(samples):>8.1f} "
                    f"{percentile(samples, 0.99):>8.1f}"
                )
    finally:
        if "PostgreSQL" in targets:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)'))


if __name__ == "__main__":
    main()
