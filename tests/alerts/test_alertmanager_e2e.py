"""A real Prometheus Alertmanager (Debian's package) posting to a real `muster serve`.

The receiver is the one `muster integrations` prints, pasted as it is. Alerts posted to
Alertmanager's API arrive as one incident; posted again as ended, they resolve in Muster and
the commander is told.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from alertkit import muster_serve

from serving import free_port

ALERTMANAGER = shutil.which("prometheus-alertmanager")


@pytest.fixture
def alertmanager_binary() -> str:
    if ALERTMANAGER is None:
        message = (
            "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI requires Alertmanager: {message}")
        pytest.skip(f"SKIPPED the real Alertmanager test: {message}")
    return ALERTMANAGER


ROUTE = """route:
  receiver: muster
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
"""


@pytest.fixture
def alertmanager(
    alertmanager_binary: str, database_url: str, tmp_path: Path
) -> Iterator[tuple[str, httpx.Client]]:
    with muster_serve(database_url, tmp_path) as (_, muster):
        [integration] = muster.get("/integrations").json()
        assert integration["kind"] == "alertmanager"
        (tmp_path / "am.yml").write_text(ROUTE + integration["setup"])
        port = free_port()
        log = (tmp_path / "am.log").open("w")
        process = subprocess.Popen(
            [
                alertmanager_binary,
                f"--config.file={tmp_path / 'am.yml'}",
                f"--storage.path={tmp_path / 'am-data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--cluster.listen-address=",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _ready(url), "Alertmanager to start", tmp_path / "am.log")
            yield url, muster
        finally:
            process.terminate()
            process.wait(timeout=10)
            log.close()


def _ready(url: str) -> bool:
    try:
        return httpx.get(url + "/-/ready").status_code == 200
    except httpx.TransportError:
        return False


def wait_for(check: Callable[[], Any], what: str, log: Path | None = None) -> Any:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    said = log.read_text()[-2000:] if log and log.exists() else ""
    pytest.fail(f"timed out waiting for {what}\n{said}")


def alerts_at(starts: datetime, ends: datetime | None = None) -> list[dict[str, Any]]:
    """Three instances of one problem on api, as Prometheus would post them."""
    stamp = {"startsAt": starts.isoformat().replace("+00:00", "Z")}
    if ends is not None:
        stamp["endsAt"] = ends.isoformat().replace("+00:00", "Z")
    return [
        {
            "labels": {
                "alertname": "HighErrorRate",
                "service": "api",
                "severity": "critical",
                "instance": f"api-{n}:8080",
            },
            "annotations": {"summary": "5xx above 5% on the API"},
            **stamp,
        }
        for n in range(3)
    ]


def test_alerts_from_a_real_alertmanager_become_one_incident_and_resolve(
    alertmanager: tuple[str, httpx.Client],
) -> None:
    am, muster = alertmanager
    # startsAt older than group_wait: Alertmanager sends at once instead of waiting.
    started = datetime.now(UTC) - timedelta(minutes=2)
    assert httpx.post(am + "/api/v2/alerts", json=alerts_at(started)).status_code == 200

    def grouped() -> Any:
        groups = muster.get("/alerts").json()
        return groups if groups and groups[0]["total"] == 3 else None

    [group] = wait_for(grouped, "three alerts in one group")
    assert group["state"] == "incident" and group["firing"] == 3
    [incident] = muster.get("/incidents").json()
    assert incident["ref"] == group["incident"] == "INC-1"
    assert incident["severity"] == "SEV2" and incident["services"] == ["api"]

    ended = datetime.now(UTC) - timedelta(seconds=1)
    assert httpx.post(am + "/api/v2/alerts", json=alerts_at(started, ended)).status_code == 200

    def settled() -> Any:
        groups = muster.get("/alerts").json()
        return groups if groups and groups[0]["firing"] == 0 else None

    wait_for(settled, "the alerts to resolve in Muster")
    timeline = muster.get("/incidents/INC-1/timeline").json()
    entries = [entry for entry in timeline if entry["kind"] == "alert"]
    # Usually one notification each way ("3 alerts firing: HighErrorRate x3"); a busy
    # Alertmanager may split a group's flush, so count what the entries say.
    assert sum(e["data"].get("firing", 0) for e in entries) == 3
    assert sum(e["data"].get("resolved", 0) for e in entries) == 3
    assert "HighErrorRate" in entries[0]["text"]
    assert entries[-1]["text"].startswith("every alert of INC-1 has resolved")
    assert muster.get("/incidents/INC-1").json()["open"] is True
