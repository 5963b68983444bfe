"""Storage guarantees, on SQLite and PostgreSQL: append-only timeline, versioned plans,
migrations that run twice and back."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DatabaseError

from conftest import ADMIN, Team
from muster.actions.admin import apply_plan, create_token
from muster.actions.base import Actor
from muster.actions.incidents import declare
from muster.errors import Forbidden, InvalidInput
from muster.plan import example_plan_text
from muster.storage import migrate
from muster.storage.db import Database


def test_the_database_itself_refuses_to_edit_or_delete_timeline_entries(team: Team) -> None:
    declare(team.rt, ADMIN, title="Outage", severity="SEV1")
    for statement in (
        "UPDATE timeline_entries SET text = 'rewritten'",
        "DELETE FROM timeline_entries",
    ):
        with pytest.raises(DatabaseError, match="append-only"), team.rt.db.transaction() as conn:
            conn.execute(text(statement))
    entries = team.api().get("/api/v1/incidents/INC-1/timeline").json()
    assert entries and all(e["text"] != "rewritten" for e in entries)


def test_each_incident_keeps_the_plan_version_it_was_declared_under(team: Team) -> None:
    declare(team.rt, ADMIN, title="Before", severity="SEV1")
    same = apply_plan(team.rt, ADMIN, example_plan_text())
    assert (same.version, same.changed) == (1, False)
    changed = apply_plan(team.rt, ADMIN, example_plan_text().replace("Northwind Labs", "Northwind"))
    assert (changed.version, changed.changed) == (2, True)
    declare(team.rt, ADMIN, title="After", severity="SEV1")
    versions = [team.api().get(f"/api/v1/incidents/INC-{n}").json()["plan_version"] for n in (1, 2)]
    assert versions == [1, 2]


def test_only_admin_tokens_apply_plans_and_tokens_are_for_plan_people(team: Team) -> None:
    with pytest.raises(Forbidden, match="erin cannot apply plans"):
        apply_plan(team.rt, Actor("erin"), example_plan_text())
    with pytest.raises(InvalidInput, match="'zed' is not a person in the plan"):
        create_token(team.rt, "zed")
    response = team.api().get("/api/v1/whoami", headers={"X-Muster-As": "zed"})
    assert response.status_code == 422


def test_incident_numbers_have_no_gaps_after_a_refused_declaration(team: Team) -> None:
    declare(team.rt, ADMIN, title="One", severity="SEV1")
    with pytest.raises(InvalidInput):
        declare(team.rt, ADMIN, title="Two", severity="SEV9")
    assert declare(team.rt, ADMIN, title="Two", severity="SEV2").number == 2


def test_migrations_run_twice_and_downgrade_cleanly(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    migrate.upgrade(db)
    migrate.upgrade(db)
    current, head = migrate.status(db)
    assert current == head and head >= "0002"
    migrate.downgrade(db, "base")
    assert migrate.status(db)[0] is None
    migrate.upgrade(db)
    assert migrate.status(db)[0] == head
