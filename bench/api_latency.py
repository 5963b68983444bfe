"""How fast the core API answers: declare, a timeline write, and reading an incident with a long
timeline, through a real `muster serve` on SQLite and on PostgreSQL.

    .venv/bin/python bench/api_latency.py            # both databases when PostgreSQL answers
    .venv/bin/python bench/api_latency.py --entries 2000

Prints the median and p99 of each call in milliseconds. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import statistics
import time

from harness import databases, muster_server, percentile


def measure(database_url: str, entries: int) -> dict[str, list[float]]:
    results: dict[str, list[float]] = {
        "declare": [],
        "log entry": [],
        f"show ({entries} entries)": [],
    }
    with muster_server(database_url) as client:

        def clock(name: str, method: str, path: str, **kwargs: object) -> None:
            start = time.perf_counter()
            response = client.request(method, path, **kwargs)  # type: ignore[arg-type]
            results[name].append((time.perf_counter() - start) * 1000)
            response.raise_for_status()

        for n in range(50):
            body = {"title": f"bench {n}", "severity": "SEV2", "services": ["api"]}
            clock("declare", "POST", "/incidents", json=body)
        for n in range(entries):
            clock("log entry", "POST", "/incidents/INC-1/timeline", json={"text": f"entry {n}"})
        for _ in range(30):
            clock(f"show ({entries} entries)", "GET", "/incidents/INC-1")
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--entries", type=int, default=500)
    args = parser.parse_args()
    print(f"{'database':<11} {'call':<22} {'n':>5} {'p50 ms':>8} {'p99 ms':>8}")
    with databases() as targets:
        for name, url in targets.items():
            for call, samples in measure(url, args.entries).items():
                print(
                    f"{name:<11} {call:<22} {len(samples):>5} {statistics.median(samples):>8.1f} "
                    f"{percentile(samples, 0.99):>8.1f}"
                )


if __name__ == "__main__":
    main()
