"""An alert storm against a real `muster serve`: 10,000 alerts from 20 Alertmanager groups,
posted in batches of 100 by several threads at once, become 20 incidents. Every alert is
stored once, the timeline gets one summarised entry per request (not per alert), and each
incident is paged once per escalation step, not once per alert."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from alertkit import muster_serve
from sqlalchemy import create_engine, func, select

from muster.storage import tables
from muster.storage.tables import alerts, incidents, outbox, timeline_entries

GROUPS, PER_GROUP, BATCH = 20, 500, 100


def batch(group: int, part: int) -> dict[str, Any]:
    """One Alertmanager notification: 100 firing alerts of group `group`."""
    started = (datetime.now(UTC) - timedelta(minutes=1)).isoformat().replace("+00:00", "Z")
    name = f"Storm{group}"
    return {
        "receiver": "muster",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": {
                    "alertname": name,
                    "service": "api",
                    "severity": "critical",
                    "instance": f"host-{part * BATCH + n}",
                },
                "annotations": {"summary": f"storm {group}"},
                "startsAt": started,
                "endsAt": "0001-01-01T00:00:00Z",
                "generatorURL": "",
                "fingerprint": f"g{group:02d}-a{part * BATCH + n:04d}",
            }
            for n in range(BATCH)
        ],
        "groupLabels": {"alertname": name},
        "commonLabels": {"alertname": name},
        "commonAnnotations": {},
        "externalURL": "http://am:9093",
        "version": "4",
        "groupKey": f'{{}}:{{alertname="{name}"}}',
        "truncatedAlerts": 0,
    }


def test_a_storm_of_10000_alerts_becomes_20_incidents_paged_once_per_step(
    database_url: str, tmp_path: Path
) -> None:
    with muster_serve(database_url, tmp_path) as (url, muster):
        [integration] = muster.get("/integrations").json()
        headers = {"Authorization": f"Bearer {integration['secret']}"}
        # Interleaved, so the first requests of different groups race each other.
        bodies = [
            json.dumps(batch(g, p)).encode()
            for p in range(PER_GROUP // BATCH)
            for g in range(GROUPS)
        ]

        def send(body: bytes) -> int:
            with httpx.Client(base_url=url, timeout=60) as client:
                return client.post("/hooks/alertmanager", content=body, headers=headers).status_code

        with ThreadPoolExecutor(max_workers=6) as pool:
            statuses = list(pool.map(send, bodies))
        assert statuses == [200] * len(bodies)
        # Alertmanager sends each group again on repeat: nothing may be added.
        assert send(bodies[0]) == 200

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            count = conn.execute(select(func.count()).select_from(alerts)).scalar_one()
            distinct = conn.execute(
                select(func.count(alerts.c.fingerprint.distinct()))
            ).scalar_one()
            assert count == distinct == GROUPS * PER_GROUP
            unattached = conn.execute(
                select(func.count()).where(alerts.c.incident_id.is_(None))
            ).scalar_one()
            assert unattached == 0
            assert conn.execute(select(func.count()).select_from(incidents)).scalar_one() == GROUPS
            per_incident = dict(
                conn.execute(
                    select(timeline_entries.c.incident_id, func.count())
                    .where(timeline_entries.c.kind == "alert")
                    .group_by(timeline_entries.c.incident_id)
                ).all()
            )
            # One summarised entry per request that changed something: 5 per group.
            assert sorted(per_incident.values()) == [PER_GROUP // BATCH] * GROUPS
            _assert_paged_once_per_step(conn)
    finally:
        engine.dispose()


def _assert_paged_once_per_step(conn: Any) -> None:
    pages = getattr(tables, "pages", None)
    if pages is None:  # before paging existed: the commander's declaration message
        declared = conn.execute(
            select(outbox.c.incident_id, func.count())
            .where(outbox.c.event == "declared", outbox.c.recipient.in_(["alice", "dan"]))
            .group_by(outbox.c.incident_id)
        ).all()
        assert len(declared) == GROUPS and {n for _, n in declared} == {1}
        return
    rows = conn.execute(
        select(pages.c.incident_id, pages.c.step, func.count()).group_by(
            pages.c.incident_id, pages.c.step
        )
    ).all()
    assert {incident for incident, _, _ in rows} == set(range(1, GROUPS + 1))
    # Seconds after declaration only the first step has paged, the same people for each.
    assert {step for _, step, _ in rows} == {0}
    people = {n for _, _, n in rows}
    assert len(people) == 1 and people.pop() <= 3  # a step's people, never 500 alerts' worth
