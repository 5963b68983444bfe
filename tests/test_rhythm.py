"""The seed outage's rhythm: with a 10-minute cadence the communicator is reminded on the
minute an update falls due, the commander hears when it is overdue, and adherence adds up."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from conftest import Clock, Team, local
from muster.jobs.reminders import remind
from muster.storage.tables import outbox

BERLIN = ZoneInfo("Europe/Berlin")


def test_the_seed_rhythm_reminds_on_the_minute_and_escalates_when_overdue(
    team: Team, clock: Clock
) -> None:
    clock.set(local("18:18"))
    team.ok(
        "declare", "Users cannot log in", "--severity", "SEV1", "--service", "auth", who="carol"
    )  # internal cadence 10m, customer 15m; dan commands, carol speaks
    internal = "/api/v1/incidents/INC-1/updates"
    story = {
        "18:20": ("internal", "Login issue after the 18:10 deploy. Do not promise a fix time."),
        "18:21": ("customer", "Some users cannot log in right now. We are working on it."),
        "18:32": ("internal", "Cause found: an auth setting in the deploy. Rolling back."),
        "18:41": ("customer", "We found the cause and are restoring sign-in."),
    }
    fired: list[tuple[str, str]] = []
    minute = local("18:18")
    while minute <= local("18:50"):
        clock.set(minute)
        hhmm = minute.strftime("%H:%M")
        if hhmm in story:
            track, text = story[hhmm]
            assert (
                team.api("carol").post(internal, json={"track": track, "text": text}).status_code
                == 201
            )
        before = len(fired)
        remind(team.rt, "test")
        remind(team.rt, "test")  # a second worker, or a second tick: nothing twice
        entries = team.api().get("/api/v1/incidents/INC-1/timeline").json()
        reminders = [e["text"] for e in entries if e["kind"] == "reminder"]
        fired.extend((hhmm, text) for text in reminders[before:])
        minute += timedelta(minutes=1)

    assert fired == [
        ("18:30", "internal update due (now): reminded carol (communicator)"),
        ("18:36", "customer update due (now): reminded carol (communicator)"),
        ("18:42", "internal update due (now): reminded carol (communicator)"),
        ("18:47", "internal update overdue by 5m: told dan (carol has not posted)"),
    ]  # the late 18:32 and 18:41 updates moved the clock on before their overdue points
    with team.rt.db.read() as conn:
        messages = list(conn.execute(select(outbox).where(outbox.c.event == "reminder")))
    assert sorted((m.recipient, m.title) for m in messages) == [
        ("carol", "INC-1: the customer update is due"),
        ("carol", "INC-1: the internal update is due"),
        ("carol", "INC-1: the internal update is due"),
        ("dan", "INC-1: the internal update is overdue"),  # backup communicator and commander
    ]

    clocks = {c["track"]: c for c in team.api().get("/api/v1/incidents/INC-1").json()["clocks"]}
    # internal: 18:20 on time (first due 18:28), 18:32 late (due 18:30), 18:42 still missing
    assert (clocks["internal"]["on_time"], clocks["internal"]["due"]) == (1, 3)
    assert (clocks["customer"]["on_time"], clocks["customer"]["due"]) == (1, 2)
    assert clocks["internal"]["state"] == "overdue"
