"""Private incidents stay with their participants, and racing writers never double up."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from conftest import ADMIN, Team
from muster.actions.admin import apply_plan
from muster.actions.freeze import freeze
from muster.actions.incidents import declare
from muster.errors import MusterError
from muster.plan import example_plan_text


def test_a_private_incident_is_invisible_to_outsiders_everywhere(outsider: Team) -> None:
    team = outsider
    team.ok(
        "declare",
        "Customer data exposed",
        "--severity",
        "SEV1",
        "--service",
        "auth",
        "--private",
        who="alice",
    )
    team.ok("declare", "Slow logins", "--severity", "SEV3", "--service", "auth", who="alice")
    frank = team.api("frank")
    assert [i["ref"] for i in frank.get("/api/v1/incidents").json()] == ["INC-2"]
    assert frank.get("/api/v1/incidents/INC-1").status_code == 404
    assert frank.get("/api/v1/incidents/INC-1/timeline").status_code == 404
    assert frank.post("/api/v1/incidents/INC-1/timeline", json={"text": "hi"}).status_code == 404
    for body in (
        frank.get("/api/v1/freeze?service=auth").json(),
        {"freezes": frank.get("/api/v1/incidents/INC-2").json()["freezes"]},
    ):
        private = [f for f in body["freezes"] if f["incident"] != "INC-2"]
        assert private and all(f["incident"] is None for f in private)
        assert all("Customer data" not in f["reason"] for f in body["freezes"])
    erin = team.api("erin")  # the fixer sees it, and which incident froze auth
    assert erin.get("/api/v1/incidents/INC-1").status_code == 200
    assert {f["incident"] for f in erin.get("/api/v1/freeze?service=auth").json()["freezes"]} == {
        "INC-1",
        "INC-2",
    }


def test_someone_who_declines_an_offer_on_a_private_incident_still_sees_it(outsider: Team) -> None:
    team = outsider
    team.ok("declare", "Breach", "--severity", "SEV1", "--private", who="alice")
    team.ok("role", "INC-1", "fixer", "frank", who="dan")  # dan commands this week
    assert "declined" in team.ok("decline", "INC-1", "fixer", who="frank")
    assert team.api("frank").get("/api/v1/incidents/INC-1").status_code == 200


def race(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Run `work(i)` in `count` threads released together; collect results or errors."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = work(i)
        except MusterError as error:
            results[i] = error

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_racing_first_declarations_each_get_their_own_number(team: Team) -> None:
    results = race(8, lambda i: declare(team.rt, ADMIN, title=f"race {i}", severity="SEV2"))
    assert sorted(r.number for r in results) == list(range(1, 9))


def test_racing_applies_of_one_plan_make_one_version(team: Team) -> None:
    changed = example_plan_text().replace("Northwind Labs", "Northwind")
    results = race(4, lambda _: apply_plan(team.rt, ADMIN, changed))
    assert sorted((r.version, r.changed) for r in results) == [(2, False)] * 3 + [(2, True)]


def test_racing_freezes_of_one_service_leave_one_freeze(team: Team) -> None:
    results = race(4, lambda i: freeze(team.rt, ADMIN, service="api", why=f"release {i}"))
    assert sum(isinstance(r, int) for r in results) == 1
    assert len(team.api().get("/api/v1/freeze?service=api").json()["freezes"]) == 1
