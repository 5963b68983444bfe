"""Alert test helpers: real captured Alertmanager bodies, counting stored alerts, and a real
`muster serve`.

The JSON files beside this one are copies of ../shared/reference's captures: bodies a real
Alertmanager 0.25 sent. (No conftest.py in this folder: it would shadow tests/conftest.py
for the modules that `from conftest import`.)
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

import serving
from muster.storage.tables import alerts
from serving import MUSTER

HERE = Path(__file__).parent


def captured() -> list[dict[str, Any]]:
    """Every body of the captured Alertmanager session, in the order it sent them."""
    records = json.loads((HERE / "alertmanager-webhook-v4-captured.json").read_text())
    return [record["payload"] for record in records]


def api_payload() -> dict[str, Any]:
    """The single captured body: `PrometheusAlwaysFiring`, service api, severity critical."""
    data: dict[str, Any] = json.loads((HERE / "alertmanager-webhook-v4.json").read_text())
    return copy.deepcopy(data)


def resolved(payload: dict[str, Any], at: str = "2026-11-20T17:30:00Z") -> dict[str, Any]:
    """The same group as Alertmanager sends it once every alert has resolved."""
    done = copy.deepcopy(payload)
    done["status"] = "resolved"
    for alert in done["alerts"]:
        alert["status"] = "resolved"
        alert["endsAt"] = at
    return done


def alert_rows(team: Any) -> int:
    with team.rt.db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(alerts)).scalar_one())


@contextmanager
def muster_serve(database_url: str, work: Path) -> Iterator[tuple[str, httpx.Client]]:
    """`muster init`, an admin token and a real `muster serve` process; yields its URL and an
    admin API client (base /api/v1)."""
    env = {**os.environ, "MUSTER_DATABASE_URL": database_url}
    subprocess.run([*MUSTER, "init", str(work)], env=env, check=True, capture_output=True)
    token = subprocess.run(
        [*MUSTER, "token", "create", "admin", "--admin"],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with (
        serving.muster_serve(["--plan", str(work / "muster.yaml")], env=env, cwd=work) as (url, _),
        httpx.Client(
            base_url=url + "/api/v1", headers={"Authorization": f"Bearer {token}"}, timeout=30
        ) as client,
    ):
        yield url, client
