"""How long the incident room takes to render with a long timeline, through a real
`muster serve` on SQLite and on PostgreSQL.

    .venv/bin/python bench/room_render.py                 # 2,000 entries, both databases
    .venv/bin/python bench/room_render.py --entries 5000 --requests 300

A signed-in browser (a session cookie, as a person has) asks for `/incidents/INC-1` again
and again. Reported in milliseconds: the server's own time for the page (its Server-Timing
header: the session check, reading the incident and one page of the timeline, and rendering
the HTML) and the whole round trip over 127.0.0.1 (which adds the HTTP stack and the
transfer of the page, whose size is printed). For comparison, the API's full incident read
(`GET /api/v1/incidents/INC-1`, the whole timeline as JSON) is timed the same way. Target:
the room under 100 ms. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time

import httpx
from harness import MUSTER, databases, muster_server, percentile

PASSWORD = "bench-password-123"


def measure(database_url: str, entries: int, requests: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {"room: server": [], "room: round trip": [], "API show": []}
    with muster_server(database_url) as api:
        api.post("/incidents", json={"title": "bench", "severity": "SEV2", "services": ["api"]})
        for n in range(entries - len(api.get("/incidents/INC-1/timeline").json())):
            text = f"entry {n}: checked the load balancer, restarted auth-{n % 7}, no change"
            api.post("/incidents/INC-1/timeline", json={"text": text}).raise_for_status()
        env = {**os.environ, "MUSTER_DATABASE_URL": database_url}
        subprocess.run(
            [*MUSTER, "user", "set-password", "alice", "--password-stdin"],
            input=PASSWORD + "\n",
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        site = str(api.base_url).removesuffix("/api/v1/").removesuffix("/api/v1")
        with httpx.Client(base_url=site, timeout=30) as browser:
            signed = browser.post("/signin", data={"handle": "alice", "password": PASSWORD})
            assert signed.status_code == 303, signed.text
            for _ in range(5):  # warm up: templates compiled, plan parsed, connections open
                browser.get("/incidents/INC-1").raise_for_status()
            for _ in range(requests):
                start = time.perf_counter()
                page = browser.get("/incidents/INC-1")
                results["room: round trip"].append((time.perf_counter() - start) * 1000)
                page.raise_for_status()
                timing = page.headers["server-timing"]  # app;dur=12.3
                results["room: server"].append(float(timing.split("dur=")[1]))
            assert page.text.count('class="entry ') == 200
            print(f"  ({len(page.content) // 1024} KB page, 200 of {entries} entries shown)")
        for _ in range(min(requests, 50)):
            start = time.perf_counter()
            api.get("/incidents/INC-1").raise_for_status()
            results["API show"].append((time.perf_counter() - start) * 1000)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=2000)
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    print(f"The incident room with {args.entries} timeline entries (milliseconds)")
    print(f"{'database':<11} {'measure':<18} {'n':>5} {'p50':>7} {'p99':>7} {'max':>7}")
    with databases() as targets:
        for name, url in targets.items():
            for what, samples in measure(url, args.entries, args.requests).items():
                print(
                    f"{name:<11} {what:<18} {len(samples):>5} {statistics.median(samples):>7.1f} "
                    f"{percentile(samples, 0.99):>7.1f} {max(samples):>7.1f}"
                )


if __name__ == "__main__":
    main()
