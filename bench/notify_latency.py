"""From an update posted through the API to the webhook receiver having it: a real `muster
serve` (the worker it starts delivers) on SQLite and on PostgreSQL.

    .venv/bin/python bench/notify_latency.py              # 200 updates per database
    .venv/bin/python bench/notify_latency.py --updates 500

The plan is `muster init`'s, with one channel (`json://127.0.0.1:PORT/hook`, internal track)
pointing at a receiver in this process, and no personal contacts (example.com mail would only
measure DNS timeouts). Updates go one at a time: each clock runs from just before the POST to
the receiver reading the message whose body carries the update's text. Prints p50 and p99 in
milliseconds. Not part of `make test`.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import yaml
from harness import databases, muster_server, percentile


class Receiver:
    """A webhook endpoint noting when each body arrives (perf_counter)."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, str]] = []
        self.arrived = threading.Condition()
        state = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                now = time.perf_counter()
                with state.arrived:
                    state.arrivals.append((now, body.decode("utf-8", "replace")))
                    state.arrived.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, marker: str, timeout: float = 30.0) -> float:
        """When a body holding `marker` arrived."""
        deadline = time.monotonic() + timeout
        with self.arrived:
            while True:
                for moment, body in self.arrivals:
                    if marker in body:
                        return moment
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{marker!r} never reached the receiver")
                self.arrived.wait(left)


def bench_plan(plan_path: Path, hook: str) -> Path:
    plan = yaml.safe_load(plan_path.read_text())
    # Every channel to the receiver (the escalation policy names channels, so keep them).
    for channel in plan.get("channels", []):
        channel["url"] = hook
    for person in plan.get("people", []):
        if isinstance(person, dict):
            person["contacts"] = []
    plan_path.write_text(yaml.safe_dump(plan, sort_keys=False))
    return plan_path


def measure(database_url: str, updates: int, receiver: Receiver) -> list[float]:
    hook = f"json://127.0.0.1:{receiver.port}/hook"
    samples: list[float] = []
    with muster_server(database_url, lambda path: bench_plan(path, hook)) as client:
        declared = client.post(
            "/incidents", json={"title": "bench", "severity": "SEV2", "services": ["api"]}
        )
        declared.raise_for_status()
        ref = declared.json()["ref"]
        run = uuid.uuid4().hex[:8]
        for n in range(updates):
            marker = f"bench-{run}-{n}"
            start = time.perf_counter()
            response = client.post(
                f"/incidents/{ref}/updates",
                json={"track": "internal", "text": f"Still looking ({marker}).", "next": "15m"},
            )
            response.raise_for_status()
            samples.append((receiver.wait_for(marker) - start) * 1000)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--updates", type=int, default=200)
    args = parser.parse_args()
    receiver = Receiver()
    print("update posted -> webhook received (the worker `muster serve` starts)")
    print(f"{'database':<11} {'n':>5} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    try:
        with databases() as targets:
            for name, url in targets.items():
                samples = measure(url, args.updates, receiver)
                print(
                    f"{name:<11} {len(samples):>5} {statistics.median(samples):>8.1f} "
                    f"{percentile(samples, 0.99):>8.1f} {max(samples):>8.1f}"
                )
    finally:
        receiver.server.shutdown()


if __name__ == "__main__":
    main()
