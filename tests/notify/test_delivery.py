"""Delivery from the outbox to real receivers: a webhook endpoint (http.server) and a mail
server (aiosmtpd), both started here on 127.0.0.1, on SQLite and PostgreSQL. The clock is the
test's; only the receivers are real time."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from typer.testing import CliRunner

from muster.actions.base import Runtime
from muster.cli.main import app
from muster.jobs.deliver import deliver_due
from muster.jobs.loop import default_jobs, run
from muster.notify.apprise_send import DELIVERY_HEADER, Delivery, send
from muster.notify.redact import redact
from muster.storage import outbox
from muster.storage.tables import delivery_attempts
from muster.storage.tables import outbox as outbox_table
from receivers import Mailbox, Receiver


def queue(rt: Runtime, key: str, destination: str, *, recipient: str = "carol") -> bool:
    with rt.db.transaction() as conn:
        return outbox.enqueue(
            conn,
            key=key,
            event="update",
            recipient=recipient,
            destination=destination,
            title=f"INC-1 update ({key})",
            body="Checkout fails for some card payments. Next update in 15 minutes.",
            now=rt.clock(),
        )


def row(rt: Runtime, key: str) -> Any:
    with rt.db.read() as conn:
        return conn.execute(select(outbox_table).where(outbox_table.c.key == key)).one()


def attempts_of(rt: Runtime, key: str) -> list[Any]:
    with rt.db.read() as conn:
        query = (
            select(delivery_attempts)
            .join(outbox_table, outbox_table.c.id == delivery_attempts.c.outbox_id)
            .where(outbox_table.c.key == key)
            .order_by(delivery_attempts.c.id)
        )
        return list(conn.execute(query))


def test_a_message_is_queued_once_however_often_its_key_is_queued(rt: Runtime) -> None:
    assert queue(rt, "update:INC-1:1:#incidents:0", "json://127.0.0.1:9/hook")
    assert not queue(rt, "update:INC-1:1:#incidents:0", "json://127.0.0.1:9/other")
    with rt.db.read() as conn:
        assert outbox.status(conn) == {"pending": 1, "retrying": 0, "delivered": 0, "failed": 0}
    assert row(rt, "update:INC-1:1:#incidents:0").destination == "json://127.0.0.1:9/hook"


def test_due_messages_reach_a_webhook_and_a_mailbox_with_their_key(
    rt: Runtime, receiver: Receiver, mailbox: Mailbox
) -> None:
    queue(rt, "update:INC-1:1:#incidents:0", receiver.url())
    queue(rt, "update:INC-1:1:carol:0", mailbox.url())

    assert deliver_due(rt, "w1") == 2

    assert receiver.received() == ["update:INC-1:1:#incidents:0"]
    hit = receiver.hits[0]
    assert hit.body["title"] == "INC-1 update (update:INC-1:1:#incidents:0)"
    assert hit.body["message"].startswith("Checkout fails")
    [mail] = mailbox.messages
    assert mail["Subject"] == "INC-1 update (update:INC-1:1:carol:0)"
    assert mail["To"] == "carol@example.com"
    assert mail[DELIVERY_HEADER] == "update:INC-1:1:carol:0"
    for key in ("update:INC-1:1:#incidents:0", "update:INC-1:1:carol:0"):
        delivered = row(rt, key)
        assert delivered.delivered_at == rt.clock()
        assert delivered.attempts == 1
        [attempt] = attempts_of(rt, key)
        assert (attempt.ok, attempt.worker, attempt.error) == (True, "w1", None)
    assert deliver_due(rt, "w1") == 0  # nothing is sent twice
    assert len(receiver.hits) == 1 and len(mailbox.messages) == 1


def test_a_failing_receiver_is_retried_later_each_time_until_it_answers(
    rt: Runtime, receiver: Receiver, clock: Any
) -> None:
    receiver.failing.add("down")
    key = "update:INC-1:1:#incidents:0"
    queue(rt, key, receiver.url("down"))
    waits = []
    for _ in range(4):
        assert deliver_due(rt, "w1") == 1
        failed = row(rt, key)
        waits.append(failed.next_attempt_at - clock.now)
        assert deliver_due(rt, "w1") == 0  # not due again before its time
        clock.advance(seconds=waits[-1].total_seconds())
    assert waits == [timedelta(seconds=s) for s in (10, 20, 40, 80)]
    tries = attempts_of(rt, key)
    assert [t.ok for t in tries] == [False] * 4
    assert "500" in tries[0].error
    assert row(rt, key).attempts == 4

    receiver.failing.clear()
    assert deliver_due(rt, "w1") == 1
    assert row(rt, key).delivered_at == clock.now
    assert receiver.received() == [key] * 5  # the same key each time: a receiver can tell


def test_the_wait_between_attempts_doubles_up_to_an_hour() -> None:
    assert [outbox.retry_delay(n).total_seconds() for n in (1, 2, 3, 9, 10, 11)] == [
        10,
        20,
        40,
        2560,
        3600,
        3600,
    ]


def test_a_destination_apprise_cannot_use_fails_for_good_at_once(rt: Runtime, clock: Any) -> None:
    queue(rt, "bad", "nonsense://secret-token@nowhere", recipient="#incidents")

    assert deliver_due(rt, "w1") == 1

    failed = row(rt, "bad")
    assert failed.failed_at == clock.now and failed.attempts == 1
    assert "Apprise cannot use this destination" in failed.last_error
    assert "secret-token" not in failed.last_error
    clock.advance(hours=2)
    assert deliver_due(rt, "w1") == 0
    with rt.db.read() as conn:
        assert outbox.status(conn)["failed"] == 1
        [shown] = outbox.failing_destinations(conn)
    assert (shown.recipient, shown.failed, shown.retrying) == ("#incidents", 1, 0)
    assert shown.destination == "nonsense://***@***"


def test_a_failing_destination_does_not_hold_up_the_others(rt: Runtime, receiver: Receiver) -> None:
    receiver.failing.add("down")
    queue(rt, "first", receiver.url())
    queue(rt, "stuck", receiver.url("down"), recipient="#leadership")
    queue(rt, "third", receiver.url())

    assert deliver_due(rt, "w1") == 3

    assert sorted(k for k in receiver.received() if k != "stuck") == ["first", "third"]
    with rt.db.read() as conn:
        assert outbox.status(conn) == {"pending": 1, "retrying": 1, "delivered": 2, "failed": 0}
        [shown] = outbox.failing_destinations(conn)
    assert (shown.recipient, shown.retrying) == ("#leadership", 1)
    assert "500" in shown.last_error


def test_a_send_that_raises_is_that_message_s_failure_and_is_set_aside_after_the_limit(
    rt: Runtime, receiver: Receiver, clock: Any
) -> None:
    def poisoned(destination: str, *, title: str, body: str, key: str) -> Delivery:
        if key == "poison":
            raise RuntimeError("the plugin crashed")
        return send(destination, title=title, body=body, key=key)

    queue(rt, "poison", receiver.url("poison"))
    queue(rt, "fine", receiver.url())

    assert deliver_due(rt, "w1", sender=poisoned) == 2
    assert receiver.received() == ["fine"]
    for _ in range(outbox.MAX_ATTEMPTS - 1):
        clock.advance(hours=1)
        assert deliver_due(rt, "w1", sender=poisoned) == 1

    poison = row(rt, "poison")
    assert poison.attempts == outbox.MAX_ATTEMPTS and poison.failed_at == clock.now
    assert poison.last_error == "RuntimeError: the plugin crashed"
    clock.advance(hours=1)
    assert deliver_due(rt, "w1", sender=poisoned) == 0  # set aside, not a crash loop


def test_a_dead_workers_claim_runs_out_and_another_worker_delivers(
    rt: Runtime, receiver: Receiver, clock: Any
) -> None:
    queue(rt, "orphan", receiver.url())
    with rt.db.transaction() as conn:
        [claimed] = outbox.claim(
            conn, worker="dead", now=clock.now, limit=10, lease=timedelta(minutes=2)
        )
    assert deliver_due(rt, "alive") == 0  # held by the dead worker's lease

    clock.advance(minutes=2, seconds=1)
    assert deliver_due(rt, "alive") == 1

    assert receiver.received() == ["orphan"]
    with rt.db.transaction() as conn:  # the dead worker wakes up late: its result is ignored
        late = outbox.record_failure(
            conn, claimed.id, worker="dead", now=clock.now, error="late", permanent=True
        )
    assert not late
    delivered = row(rt, "orphan")
    assert delivered.delivered_at is not None and delivered.failed_at is None
    assert [a.worker for a in attempts_of(rt, "orphan")] == ["alive", "dead"]


def test_two_claims_at_once_never_share_a_row(rt: Runtime) -> None:
    for n in range(30):
        queue(rt, f"m{n}", "json://127.0.0.1:9/hook")
    lease = timedelta(minutes=2)
    with rt.db.transaction() as conn:
        first = outbox.claim(conn, worker="a", now=rt.clock(), limit=20, lease=lease)
    with rt.db.transaction() as conn:
        second = outbox.claim(conn, worker="b", now=rt.clock(), limit=20, lease=lease)
    assert [r.key for r in first] == [f"m{n}" for n in range(20)]  # oldest first
    assert [r.key for r in second] == [f"m{n}" for n in range(20, 30)]


def test_a_worker_whose_lease_runs_short_gives_back_the_rest_of_its_batch(
    rt: Runtime, receiver: Receiver, clock: Any
) -> None:
    def slow(destination: str, *, title: str, body: str, key: str) -> Delivery:
        clock.advance(seconds=40)  # each send takes 40 s on the test's clock
        return send(destination, title=title, body=body, key=key)

    for n in range(5):
        queue(rt, f"m{n}", receiver.url())

    # Lease 2 min, sends may take 20 s: the last one may start at 100 s (sends at 0, 40, 80).
    assert deliver_due(rt, "w1", lease=timedelta(minutes=2), sender=slow) == 3

    assert receiver.received() == ["m0", "m1", "m2"]
    given_back = row(rt, "m3")
    assert (given_back.claimed_by, given_back.claimed_until) == (None, None)
    assert deliver_due(rt, "w2") == 2  # due again at once, not when the lease would end


def test_the_loop_survives_a_failing_job_and_stops_when_told(
    rt: Runtime, receiver: Receiver
) -> None:
    calls: list[str] = []
    stop = threading.Event()

    def broken(rt: Runtime, worker: str) -> int:
        calls.append("broken")
        raise RuntimeError("a bug in one job")

    def deliver_then_stop(rt: Runtime, worker: str) -> int:
        calls.append("deliver")
        done = deliver_due(rt, worker)
        if receiver.received():
            stop.set()
        return done

    queue(rt, "m", receiver.url())
    thread = threading.Thread(
        target=run,
        kwargs={
            "rt": rt,
            "worker": "w1",
            "stop": stop,
            "tick": 0.01,
            "jobs": [broken, deliver_then_stop],
        },
    )
    thread.start()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert receiver.received() == ["m"]
    assert calls[:2] == ["broken", "deliver"]


def test_the_default_jobs_are_delivery_reminders_and_escalation() -> None:
    jobs = default_jobs()
    assert jobs[0] is deliver_due
    assert [getattr(job, "__name__", "") for job in jobs[1:]] == ["remind", "escalate"]


def test_redacting_a_destination_hides_its_secrets() -> None:
    secrets = {
        "mailto://bob:hunter2@mail.example.com:587?to=ops@example.com": "hunter2",
        "slack://T0SECRET/B0SECRET/XXSECRET/#incidents": "SECRET",
        "discord://1234567/SECRETTOKEN": "SECRET",
        "json://hooks.example.com/SECRET/path?token=SECRET": "SECRET",
        "pover://SECRETUSER@SECRETTOKEN": "SECRET",
        "SECRET-with-no-scheme": "SECRET",
    }
    for url, secret in secrets.items():
        assert secret not in redact(url), url
    assert redact("json://127.0.0.1:8080/hook") == "json://127.0.0.1:8080/***"


def test_notify_test_sends_one_message_now_and_says_how_it_went(receiver: Receiver) -> None:
    runner = CliRunner()
    sent = runner.invoke(app, ["notify", "test", receiver.url()])
    assert sent.exit_code == 0, sent.output
    assert sent.stdout.startswith(f"ok: delivered to json://127.0.0.1:{receiver.port}/***")
    assert receiver.hits[0].body["title"] == "Muster test message"
    assert (receiver.hits[0].key or "").startswith("test:")

    receiver.failing.add("down")
    refused = runner.invoke(app, ["notify", "test", receiver.url("down")])
    assert refused.exit_code == 2
    assert "500" in refused.stderr
    unusable = runner.invoke(app, ["notify", "test", "nonsense://x"])
    assert unusable.exit_code == 2
    assert "Apprise cannot use this destination" in unusable.stderr


def test_notify_status_shows_counts_and_the_failing_destinations(
    rt: Runtime, receiver: Receiver, database_url: str
) -> None:
    receiver.failing.add("down")
    queue(rt, "ok", receiver.url())
    queue(rt, "stuck", receiver.url("down"), recipient="#incidents")
    queue(rt, "bad", "nonsense://token@x", recipient="dan")
    deliver_due(rt, "w1")

    env = {"MUSTER_DATABASE_URL": database_url}
    result = CliRunner().invoke(app, ["notify", "status", "--json", "--days", "3650"], env=env)
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert {k: shown[k] for k in ("pending", "retrying", "delivered", "failed")} == {
        "pending": 1,
        "retrying": 1,
        "delivered": 1,
        "failed": 1,
    }
    assert [(f["recipient"], f["failed"], f["retrying"]) for f in shown["failing"]] == [
        ("dan", 1, 0),
        ("#incidents", 0, 1),
    ]
    text = CliRunner().invoke(app, ["notify", "status", "--days", "3650"], env=env)
    assert "pending 1 (retrying 1), delivered 1, failed 1" in text.stdout
    assert "token" not in text.stdout
