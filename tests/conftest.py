"""Shared test harness: a real database per test (SQLite, and PostgreSQL when it answers),
a clock the tests move by hand, the example team's plan, and the API and CLI in process.

Personas come from the example plan (`muster init`): alice and dan command, carol
communicates, erin and bob fix.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from typer.testing import CliRunner

from muster.actions.admin import apply_plan, create_token
from muster.actions.base import Actor, Runtime
from muster.cli.client import Api
from muster.cli.main import State, load_commands
from muster.plan import example_plan_text
from muster.storage import migrate
from muster.storage.db import Database
from muster.storage.tables import metadata
from muster.web.app import create_app
from receivers import Mailbox, Receiver, smtp_mailbox, webhook_receiver

ADMIN = Actor("admin", admin=True)
CLI = load_commands()
PEOPLE = ("alice", "bob", "carol", "dan", "erin")
DEFAULT_PG = "postgresql+psycopg://root@127.0.0.1:5432/test"


def _postgres_url() -> str | None:
    """The admin URL for PostgreSQL tests, or None when there is no server to use."""
    explicit = os.environ.get("MUSTER_TEST_POSTGRES_URL")
    if explicit:
        return explicit
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return DEFAULT_PG
    except OSError:
        return None


POSTGRES_URL = _postgres_url()
BACKENDS = ["sqlite", "postgresql"]


def pytest_report_header(config: pytest.Config) -> str:
    if POSTGRES_URL:
        return f"muster: storage tests run on SQLite AND PostgreSQL ({POSTGRES_URL})"
    return "muster: storage tests run on SQLite ONLY (no PostgreSQL answered on 127.0.0.1:5432)"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    line = pytest_report_header(terminalreporter.config)
    terminalreporter.write_sep("=", line, bold=True, yellow=not POSTGRES_URL)


class Clock:
    """A clock the tests move by hand; nothing sleeps."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, moment: datetime) -> None:
        self.now = moment


BERLIN = ZoneInfo("Europe/Berlin")  # the example team's timezone


def local(hhmm: str) -> datetime:
    """A time of the seed outage's evening (Friday 2026-11-20) on the team's clock."""
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2026, 11, 20, hour, minute, tzinfo=BERLIN)


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2026, 11, 20, 17, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file, copied for each test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "muster.db"
    db = Database(f"sqlite:///{path}")
    migrate.upgrade(db)
    db.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database(worker_id: str) -> Iterator[str]:
    """A database of this test worker's own on the PostgreSQL server, migrated once."""
    if POSTGRES_URL is None:
        message = "PostgreSQL is not running on 127.0.0.1:5432 (set MUSTER_TEST_POSTGRES_URL)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI requires PostgreSQL: {message}")
        pytest.skip(f"SKIPPED PostgreSQL: {message}")
    name = f"muster_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
        # A throwaway database need not wait for the disk at each commit (every session on
        # it, `muster serve` and workers included, inherits this); isolation and locking
        # are unchanged, only durability across an OS crash is given up.
        conn.execute(text(f'ALTER DATABASE "{name}" SET synchronous_commit TO off'))
    url = POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}"
    db = Database(url)
    migrate.upgrade(db)
    db.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "muster.db"
        shutil.copy(sqlite_template, path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_database")
    engine = create_engine(url)
    with engine.begin() as conn:
        # DELETE, children first, with the append-only guards paused, and every sequence
        # restarted: what TRUNCATE ... RESTART IDENTITY does, at a quarter of its cost on
        # tables this small (TRUNCATE makes new files for every table, before every test).
        guarded = list(
            conn.scalars(
                text(
                    "SELECT DISTINCT c.relname FROM pg_trigger t "
                    "JOIN pg_class c ON c.oid = t.tgrelid WHERE NOT t.tgisinternal"
                )
            )
        )
        sequences = list(
            conn.scalars(
                text(
                    "SELECT sequence_name FROM information_schema.sequences "
                    "WHERE sequence_schema = current_schema()"
                )
            )
        )
        conn.exec_driver_sql(
            "; ".join(
                [f'ALTER TABLE "{name}" DISABLE TRIGGER USER' for name in guarded]
                + [f'DELETE FROM "{table.name}"' for table in reversed(metadata.sorted_tables)]
                + [f'ALTER TABLE "{name}" ENABLE TRIGGER USER' for name in guarded]
                + [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
            )
        )
        # The migration seeds the lock rows; put them back as a fresh database has them.
        conn.execute(
            text(
                "INSERT INTO counters (name, value) "
                "VALUES ('incident', 0), ('plan', 0), ('freeze', 0)"
            )
        )
    engine.dispose()
    return url


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url, pool_size=5)
    yield database
    database.dispose()


@pytest.fixture
def rt(db: Database, clock: Clock) -> Runtime:
    """A runtime with the example team's plan applied."""
    runtime = Runtime(db, clock)
    apply_plan(runtime, ADMIN, example_plan_text())
    return runtime


@dataclass
class Team:
    """The example team, each with a real token, talking to the API and the CLI in process."""

    rt: Runtime
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def api(self, who: str = "admin") -> TestClient:
        self.client.headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return self.client

    def cli(self, *args: str, who: str = "admin") -> Any:
        """Run `muster ARGS` as `who`; returns click's Result (exit_code, stdout, stderr)."""
        http = TestClient(self.client.app, headers={"Authorization": f"Bearer {self.tokens[who]}"})
        state = State(api=Api(http=http, url="http://testserver"))
        return CliRunner().invoke(CLI, list(args), obj=state)

    def ok(self, *args: str, who: str = "admin") -> str:
        result = self.cli(*args, who=who)
        assert result.exit_code == 0, (
            f"muster {' '.join(args)} -> {result.exit_code}\n{result.output}"
        )
        return str(result.stdout)


@pytest.fixture
def team(rt: Runtime) -> Iterator[Team]:
    with TestClient(create_app(rt)) as client:
        crew = Team(rt, client)
        crew.tokens["admin"] = create_token(rt, "admin", admin=True)
        for handle in PEOPLE:
            crew.tokens[handle] = create_token(rt, handle)
        yield crew


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real local webhook receiver (tests/receivers.py)."""
    with webhook_receiver() as state:
        yield state


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    """A real local SMTP server (tests/receivers.py)."""
    with smtp_mailbox() as box:
        yield box


@pytest.fixture
def outsider(team: Team) -> Team:
    """frank works here but holds no role: the person a private incident must stay hidden from."""
    plan = example_plan_text().replace(
        "people:\n", "people:\n  - handle: frank\n    name: Frank Outsider\n", 1
    )
    apply_plan(team.rt, ADMIN, plan)
    team.tokens["frank"] = create_token(team.rt, "frank")
    return team
