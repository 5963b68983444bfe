"""Commands for running notification delivery on the server's machine: the worker, a test
message to one destination, and the state of the outbox."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from dataclasses import asdict
from datetime import timedelta
from types import FrameType
from typing import Annotated

import typer

from muster.actions.base import Runtime
from muster.cli.admin import server_runtime
from muster.cli.main import JsonFlag, app, echo_json, fail

notify_app = typer.Typer(no_args_is_help=True, help="Notifications: test a destination, status.")
app.add_typer(notify_app, name="notify")


def default_worker_name(prefix: str = "worker") -> str:
    """`worker-HOST-PID`: unique among running workers, and says where to look."""
    return f"{prefix}-{socket.gethostname()}-{os.getpid()}"[:64]


@app.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="deliver what is due now, then exit (for cron)")
    ] = False,
    name: Annotated[
        str | None, typer.Option("--name", help="this worker's name (default: worker-HOST-PID)")
    ] = None,
    lease: Annotated[
        float,
        typer.Option(
            "--lease", min=1.0, help="seconds a claimed message is reserved for this worker"
        ),
    ] = 120.0,
    batch: Annotated[
        int, typer.Option("--batch", min=1, max=1000, help="messages claimed at a time")
    ] = 50,
    tick: Annotated[
        float, typer.Option("--tick", min=0.05, help="seconds between looks for due work")
    ] = 0.5,
    wake_stdin: Annotated[
        bool, typer.Option("--wake-stdin", hidden=True, help="for `muster serve`'s own worker")
    ] = False,
) -> None:
    """Deliver notifications and run the scheduler (database from $MUSTER_DATABASE_URL).

    `muster serve` starts one of these as its child process (unless --no-worker); run more,
    on this machine or others, as the work grows: on PostgreSQL any number can run at once.
    SIGTERM or Ctrl-C stops a worker after the message in hand; a worker killed outright
    leaves its claimed messages to be taken over when their lease ends.
    """
    from muster.jobs.loop import default_jobs, run, run_once

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    rt = server_runtime()
    who = (name or default_worker_name())[:64]
    stop = threading.Event()
    jobs = default_jobs(batch=batch, lease=timedelta(seconds=lease), stop=stop)

    def _stop(signum: int, _frame: FrameType | None) -> None:
        stop.set()
        rt.wake.set()  # do not wait out the tick

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    if wake_stdin:
        threading.Thread(target=_woken_by_stdin, args=(rt, stop), daemon=True).start()
    try:
        if once:
            done, passes = 0, 0
            # Again while there was work: a backlog is larger than one batch. Failed rows wait
            # at least FIRST_RETRY before they are due again, so this ends.
            while not stop.is_set() and passes < 10_000:
                passes += 1
                step = run_once(rt, worker=who, jobs=jobs, stop=stop)
                done += step
                if not step:
                    break
            typer.echo(f"{who}: {done} done.")
        else:
            run(rt, worker=who, stop=stop, tick=tick, jobs=jobs)
    finally:
        rt.db.dispose()


def _woken_by_stdin(rt: Runtime, stop: threading.Event) -> None:
    """`muster serve` writes a line after each commit that queued work; its end (the server
    stopped, or died) stops this worker."""
    for _line in sys.stdin.buffer:
        rt.wake.set()
    stop.set()
    rt.wake.set()


@notify_app.command("test")
def notify_test(
    destination: Annotated[
        str, typer.Argument(help="an Apprise URL, like mailto://... or json://...")
    ],
) -> None:
    """Send one test message to DESTINATION now, outside the outbox; exit 2 if it fails."""
    import uuid

    from muster.notify.apprise_send import send
    from muster.notify.redact import redact

    key = f"test:{uuid.uuid4().hex}"
    try:
        result = send(
            destination,
            title="Muster test message",
            body="This is a test from `muster notify test`. If you can read it, this "
            "destination works.",
            key=key,
        )
    except Exception as error:  # Apprise itself broke: still an answer, not a traceback
        fail(f"sending to {redact(destination)} raised {type(error).__name__}: {error}")
    if not result.ok:
        hint = (
            "check the URL against the Apprise documentation for its service"
            if result.permanent
            else "the destination did not accept it; check it is up and the credentials"
        )
        fail(result.error, hint)
    typer.echo(f"ok: delivered to {redact(destination)} ({key})")


@notify_app.command("status")
def notify_status(
    days: Annotated[
        int, typer.Option("--days", min=1, help="show messages set aside in the last N days")
    ] = 7,
    as_json: JsonFlag = False,
) -> None:
    """Counts of pending, delivered and failed messages, and the destinations that fail."""
    from muster.storage import outbox

    rt = server_runtime()
    with rt.db.read() as conn:
        counts = outbox.status(conn)
        since = rt.clock() - timedelta(days=days)
        failing = outbox.failing_destinations(conn, since=since)
    rt.db.dispose()
    if as_json:
        rows = [
            {
                **asdict(f),
                "last_attempt_at": f.last_attempt_at.isoformat() if f.last_attempt_at else None,
            }
            for f in failing
        ]
        echo_json({**counts, "failing": rows})
        return
    typer.echo(
        f"pending {counts['pending']} (retrying {counts['retrying']}), "
        f"delivered {counts['delivered']}, failed {counts['failed']}"
    )
    if not failing:
        typer.echo("No destination is failing.")
        return
    typer.secho(f"Failing destinations (messages set aside in the last {days} days):", bold=True)
    for f in failing:
        when = f"{f.last_attempt_at:%Y-%m-%d %H:%M}Z" if f.last_attempt_at else "never"
        typer.secho(
            f"  {f.recipient}  {f.destination}  failed {f.failed}, retrying {f.retrying}, "
            f"last tried {when}",
            fg="red" if f.failed else "yellow",
        )
        if f.last_error:
            typer.echo(f"    {f.last_error}")
