"""Alerts per second accepted by the Alertmanager hook, next to the same server's bare hello.

    .venv/bin/python bench/alert_ingest.py                      # 20,000 alerts per database
    .venv/bin/python bench/alert_ingest.py --alerts 50000 --clients 8

For each database (SQLite, and PostgreSQL when one answers on 127.0.0.1:5432) a real
`muster serve` is started with the example plan (no contacts; channels on a closed local
port). First, client processes (`--processes`, each with `--clients` threads over keep-alive
connections) send as many `GET /hooks/hello` (no database work: the framework's and these
clients' own ceiling) as there will be batches. Then they post Alertmanager version-4 bodies
of 100 alerts with distinct fingerprints, spread over 20 groups, timing each request: a
request is answered 200 only after its alerts are committed. Prints requests/s, alerts/s,
p50 and p99 per request, and the ratio to hello.
Targets (issue 5): 20,000 alerts/s on SQLite, 10,000 on PostgreSQL, p99 under 250 ms.
Not part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import yaml
from harness import databases, muster_server, percentile

BATCH = 100
GROUPS = 20


def body(run: str, number: int) -> bytes:
    """Request `number` of a run: 100 firing alerts, fingerprints never seen before."""
    group = number % GROUPS
    started = (datetime.now(UTC) - timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    name = f"Bench{group}"
    alerts = [
        {
            "status": "firing",
            "labels": {
                "alertname": name,
                "service": "api",
                "severity": "critical",
                "instance": f"host-{number}-{n}",
            },
            "annotations": {"summary": "bench"},
            "startsAt": started,
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "",
            "fingerprint": f"{run}-{number}-{n}",
        }
        for n in range(BATCH)
    ]
    return json.dumps(
        {
            "receiver": "muster",
            "status": "firing",
            "alerts": alerts,
            "groupLabels": {"alertname": name},
            "commonLabels": {"alertname": name},
            "commonAnnotations": {},
            "externalURL": "http://am:9093",
            "version": "4",
            "groupKey": f'{{}}:{{alertname="{run}-{name}"}}',
            "truncatedAlerts": 0,
        }
    ).encode()


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


def _worker(job: dict[str, Any]) -> list[float]:
    """One client process: `threads` threads sending their share; latencies in ms."""
    samples: list[float] = []
    lock = threading.Lock()
    numbers = job["numbers"]
    bodies = {n: body(job["run"], n) for n in numbers} if job["hook"] else {}
    headers = {"Authorization": f"Bearer {job['secret']}", "Content-Type": "application/json"}

    def thread(share: list[int]) -> None:
        mine: list[float] = []
        with httpx.Client(base_url=job["url"], timeout=60) as client:
            for number in share:
                start = time.perf_counter()
                if job["hook"]:
                    answer = client.post(
                        "/hooks/alertmanager", content=bodies[number], headers=headers
                    )
                else:
                    answer = client.get("/hooks/hello")
                mine.append((time.perf_counter() - start) * 1000)
                if answer.status_code != 200:
                    raise SystemExit(f"{answer.status_code}: {answer.text[:300]}")
        with lock:
            samples.extend(mine)

    threads = [
        threading.Thread(target=thread, args=(numbers[i :: job["threads"]],))
        for i in range(job["threads"])
    ]
    job["ready"].wait()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return samples


def load(
    url: str, secret: str, requests: int, processes: int, threads: int, *, hook: bool
) -> tuple[float, list[float]]:
    """(wall seconds, per-request latencies) for `requests` requests from all clients."""
    run = uuid.uuid4().hex[:8]
    manager = multiprocessing.Manager()
    ready = manager.Event()
    jobs = [
        {
            "url": url,
            "secret": secret,
            "run": run,
            "numbers": list(range(p, requests, processes)),
            "threads": threads,
            "hook": hook,
            "ready": ready,
        }
        for p in range(processes)
    ]
    with multiprocessing.Pool(processes) as pool:
        pending = pool.map_async(_worker, jobs)
        time.sleep(0.5 + requests / 20_000)  # let every process build its bodies first
        start = time.perf_counter()
        ready.set()
        results = pending.get()
        wall = time.perf_counter() - start
    manager.shutdown()
    return wall, [s for samples in results for s in samples]


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
    parser.add_argument("--alerts", type=int, default=20_000, help="alerts per database")
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--clients", type=int, default=4, help="threads per client process")
    args = parser.parse_args()
    requests = args.alerts // BATCH
    concurrent = args.processes * args.clients
    print(
        f"{requests} requests of {BATCH} alerts, {concurrent} concurrent clients "
        f"({args.processes} processes x {args.clients} threads), same 2-core machine"
    )
    head = f"{'database':<11} {'endpoint':<22} {'req/s':>8} {'alerts/s':>9} "
    print(head + f"{'p50 ms':>7} {'p99 ms':>7} {'of hello':>9}")
    with databases() as targets:
        for name, database in targets.items():
            with muster_server(database, quiet_plan) as client:
                _answering(client)
                [integration] = client.get("/integrations").json()
                base = str(client.base_url).removesuffix("/api/v1/").removesuffix("/api/v1")
                hello_wall, hello = load(
                    base, "", requests, args.processes, args.clients, hook=False
                )
                wall, samples = load(
                    base, integration["secret"], requests, args.processes, args.clients, hook=True
                )
                stored = client.get("/alerts", params={"open": False, "limit": 1000}).json()
                total = sum(g["total"] for g in stored)
            hello_rate = len(hello) / hello_wall
            rate = len(samples) / wall
            for endpoint, per_second, alerts, lat in (
                ("GET /hooks/hello", hello_rate, 0.0, hello),
                ("POST /hooks/alertmanager", rate, rate * BATCH, samples),
            ):
                print(
                    f"{name:<11} {endpoint:<22} {per_second:>8.0f} "
                    f"{alerts:>9.0f} {statistics.median(lat):>7.1f} "
                    f"{percentile(lat, 0.99):>7.1f} {per_second / hello_rate:>8.0%}"
                )
            if total < args.alerts:
                raise SystemExit(f"only {total} of {args.alerts} alerts were stored")


if __name__ == "__main__":
    main()
