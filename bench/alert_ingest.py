"""Alerts per second accepted by the Alertmanager hook, next to the same server's bare hello.

    .venv/bin/python bench/alert_ingest.py                 # 10 s per run, 8 connections
    .venv/bin/python bench/alert_ingest.py --seconds 20 --clients 16

For each database (SQLite, and PostgreSQL when one answers on 127.0.0.1:5432) a real
`muster serve` is started with the example plan (no contacts; channels on a closed local
port). wrk (a C client, so the load takes little of the two cores from the server) first
asks `GET /hooks/hello` (no database work: the framework's own ceiling), then posts
Alertmanager version-4 bodies of 100 alerts with never-seen fingerprints, for 20 groups
(`alert_storm.lua`): a request is answered 200 only after its alerts are committed. Prints
requests/s, alerts/s, p50 and p99 per request, the ratio to hello, and the alerts stored.
Targets (issue 5): 20,000 alerts/s on SQLite, 10,000 on PostgreSQL, p99 under 250 ms.
Not part of `make test`.
"""

from __future__ import annotations

import argparse
import time
import uuid
from pathlib import Path

import httpx
import yaml
from harness import WRK, databases, muster_server, wrk

BATCH = 100
GROUPS = 20
SCRIPT = Path(__file__).with_name("alert_storm.lua")


def quiet_plan(path: Path) -> Path:
    """The example plan without contacts, its channels on a closed local port: the bench
    measures storing alerts, not the worker's attempts to reach example.com."""
    plan = yaml.safe_load(path.read_text())
    for channel in plan.get("channels", []):
        channel["url"] = "json://127.0.0.1:9/bench"
    for person in plan.get("people", []):
        person["contacts"] = []
    path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return path


def _answering(client: httpx.Client) -> None:
    """Wait for a slow start (a busy machine) beyond the harness's own wait."""
    for _ in range(600):
        try:
            if client.get("/health").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("muster serve did not answer within a minute")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10, help="length of each wrk run")
    parser.add_argument("--clients", type=int, default=8, help="concurrent connections")
    args = parser.parse_args()
    if not Path(WRK).exists():
        raise SystemExit("wrk is missing: apt-get install wrk")
    print(
        f"wrk -t2 -c{args.clients} -d{args.seconds}s on the same 2-core machine; each POST "
        f"carries {BATCH} new alerts for one of {GROUPS} groups"
    )
    head = f"{'database':<11} {'endpoint':<25} {'req/s':>8} {'alerts/s':>9} "
    print(head + f"{'p50 ms':>7} {'p99 ms':>7} {'of hello':>9}  errors")
    with databases() as targets:
        for name, database in targets.items():
            with muster_server(database, quiet_plan) as client:
                _answering(client)
                [integration] = client.get("/integrations").json()
                base = str(client.base_url).removesuffix("/").removesuffix("/api/v1")
                hello = wrk("hello", base + "/hooks/hello", args.seconds, args.clients)
                hook = wrk(
                    "hook",
                    base + "/hooks/alertmanager",
                    args.seconds,
                    args.clients,
                    script=SCRIPT,
                    args=[integration["secret"], uuid.uuid4().hex[:8]],
                )
                groups = client.get("/alerts", params={"open": False, "limit": 1000}).json()
                stored = sum(g["total"] for g in groups)
            for endpoint, load, alerts in (
                ("GET /hooks/hello", hello, 0.0),
                ("POST /hooks/alertmanager", hook, hook.requests_per_second * BATCH),
            ):
                print(
                    f"{name:<11} {endpoint:<25} {load.requests_per_second:>8.0f} "
                    f"{alerts:>9.0f} {load.p50_ms:>7.1f} {load.p99_ms:>7.1f} "
                    f"{load.requests_per_second / hello.requests_per_second:>8.0%}  "
                    f"{load.errors or 'none'}"
                )
            print(f"{name:<11} alerts stored: {stored} (every answered request's 100 alerts)")


if __name__ == "__main__":
    main()
