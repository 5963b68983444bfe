"""How fast the public status page answers a crowd, against nginx serving the same bytes.

A real `muster serve` (SQLite) with 10 open incidents and 200 customer updates; its /status
page is saved as a static file of the same size, served by nginx (one worker, access log
off); then `wrk -t2 -c50 -d10s --latency` runs against both, alternating, in this one run
(three rounds by default; the median is the verdict).

    .venv/bin/python bench/status_load.py
    .venv/bin/python bench/status_load.py --seconds 20 --connections 100

Prints requests/s, p50 and p99 latency for each, and Muster's share of nginx's throughput
(target: 0.25 or better, with p99 under 15 ms). Needs /usr/sbin/nginx and /usr/bin/wrk
(`apt-get install nginx wrk`). Not part of `make test`.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from harness import WRK, Load, free_port, muster_server, wrk

NGINX = "/usr/sbin/nginx"


def fill(client: httpx.Client, incidents: int, updates: int) -> None:
    """Open `incidents` incidents and spread `updates` customer updates over them."""
    services = ["auth", "api", "billing", "web"]
    for n in range(incidents):
        body = {
            "title": f"bench incident {n}",
            "severity": ("SEV1", "SEV2", "SEV3")[n % 3],
            "services": [services[n % 4]],
        }
        client.post("/incidents", json=body).raise_for_status()
    words = ["investigating", "identified", "monitoring"]
    for n in range(updates):
        ref = f"INC-{n % incidents + 1}"
        text = (
            f"Update {n}: some customers see slow responses or errors when they sign in or load "
            "the dashboard. We have found the cause and are rolling out a fix; next update soon."
        )
        body = {"track": "customer", "text": text, "status": words[n // incidents % 3]}
        client.post(f"/incidents/{ref}/updates", json=body).raise_for_status()


@contextmanager
def nginx_serving(body: bytes) -> Iterator[str]:
    """nginx on a free loopback port serving `body` at /status; yields the URL."""
    work = Path(tempfile.mkdtemp(prefix="muster-nginx-"))
    (work / "www").mkdir()
    (work / "www" / "status").write_bytes(body)
    for path in (work, work / "www", work / "www" / "status"):
        path.chmod(0o755)  # nginx's worker may run as another user
    port = free_port()
    conf = work / "nginx.conf"
    conf.write_text(
        f"""daemon off;
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {work}/body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    default_type text/html;
    sendfile on;
    keepalive_requests 1000000;
    server {{
        listen 127.0.0.1:{port};
        root {work}/www;
        etag on;
    }}
}}
"""
    )
    process = subprocess.Popen(
        [NGINX, "-p", str(work), "-c", str(conf), "-e", str(work / "error.log")],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}/status"
    try:
        for _ in range(100):
            try:
                if httpx.get(url).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        else:
            raise SystemExit(f"nginx did not start: {(work / 'error.log').read_text()}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each")
    parser.add_argument("--incidents", type=int, default=10)
    parser.add_argument("--updates", type=int, default=200)
    args = parser.parse_args()
    for program in (NGINX, WRK):
        if not Path(program).exists():
            sys.exit(f"{program} is missing: apt-get install nginx wrk")
    database = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
    results: list[tuple[Load, Load]] = []
    with muster_server(database) as client:
        fill(client, args.incidents, args.updates)
        base = str(client.base_url).removesuffix("/api/v1/").removesuffix("/api/v1")
        url = base + "/status"
        page = httpx.get(url, headers={"Accept-Encoding": "identity"})
        page.raise_for_status()
        print(
            f"/status: {len(page.content):,} bytes, {args.incidents} open incidents, "
            f"{args.updates} customer updates; ETag {page.headers['etag']}"
        )
        with nginx_serving(page.content) as static:
            assert len(httpx.get(static).content) == len(page.content)
            wrk("warm-up", url, 2, args.connections)
            wrk("warm-up", static, 2, args.connections)
            for _ in range(args.rounds):  # alternate, so both meet the same machine load
                results.append(
                    (
                        wrk("muster /status", url, args.seconds, args.connections),
                        wrk("nginx, same bytes", static, args.seconds, args.connections),
                    )
                )
    print(f"wrk -t2 -c{args.connections} -d{args.seconds}s --latency, on 127.0.0.1")
    print(f"{'round':<6} {'server':<20} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8}  errors")
    for n, pair in enumerate(results, 1):
        for r in pair:
            print(
                f"{n:<6} {r.name:<20} {r.requests_per_second:>10,.0f} {r.p50_ms:>8.2f} "
                f"{r.p99_ms:>8.2f}  {r.errors or 'none'}"
            )
    ratios = [m.requests_per_second / x.requests_per_second for m, x in results]
    ratio = statistics.median(ratios)
    p99 = statistics.median(m.p99_ms for m, _ in results)
    verdict = "met" if ratio >= 0.25 and p99 < 15 else "NOT met"
    print(
        f"median ratio muster/nginx {ratio:.2f}, median muster p99 {p99:.1f} ms "
        f"(target: >= 0.25 and < 15 ms: {verdict})"
    )


if __name__ == "__main__":
    main()
