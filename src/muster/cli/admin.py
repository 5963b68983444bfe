"""Commands for the server's machine (init, serve, db, token) and for the plan file."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from muster.actions.base import Runtime
from muster.cli.client import DEFAULT_URL, Api, ApiError, write_config
from muster.cli.main import app, call, fail
from muster.errors import MusterError
from muster.plan import check_plan, example_plan_text, parse_plan
from muster.plan.loading import read_plan_text

db_app = typer.Typer(
    no_args_is_help=True, help="The server's database (run on the server machine)."
)
token_app = typer.Typer(no_args_is_help=True, help="API tokens (run on the server machine).")
plan_app = typer.Typer(no_args_is_help=True, help="The plan file: check it, apply it, read it.")
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(plan_app, name="plan")


def server_runtime() -> Runtime:
    """The server-side runtime for admin commands; errors in settings are shown, not raised."""
    from muster.config import Settings
    from muster.storage import migrate
    from muster.storage.db import Database

    try:
        settings = Settings.from_env()
        db = Database(settings.database_url)
        migrate.upgrade(db)
    except MusterError as error:
        fail(error.message, error.hint)
    return Runtime(db, status_mail=settings.status_mail, public_url=settings.public_url)


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="where to write muster.yaml")] = Path("."),
    force: Annotated[
        bool, typer.Option("--force", help="overwrite an existing muster.yaml")
    ] = False,
) -> None:
    """Write a commented example plan (a 5-person team) to DIR/muster.yaml."""
    target = directory / "muster.yaml"
    if target.exists() and not force:
        fail(f"{target} already exists", "edit it, or pass --force to overwrite it")
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(example_plan_text())
    typer.echo(f"Wrote {target}. Edit the people and services, then:")
    typer.echo(f"  muster plan check {target}")
    typer.echo(f"  muster serve --plan {target}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 8000,
    plan: Annotated[Path | None, typer.Option(help="apply this plan file at start")] = None,
    no_worker: Annotated[
        bool,
        typer.Option("--no-worker", help="deliver nothing here; run `muster worker` instead"),
    ] = False,
    status_port: Annotated[
        int | None,
        typer.Option(help="also serve the public status page, and nothing else, on this port"),
    ] = None,
    access_log: Annotated[
        bool, typer.Option("--access-log", help="log every request (costs throughput)")
    ] = False,
) -> None:
    """Run the server: web app, JSON API and, unless --no-worker, the notification worker
    (database from $MUSTER_DATABASE_URL)."""
    import gc
    import signal
    from types import FrameType

    import uvicorn

    from muster.actions.admin import apply_plan
    from muster.actions.base import Actor
    from muster.web.app import create_app
    from muster.web.status import only_public_on

    rt = server_runtime()
    if plan is not None:
        try:
            applied = apply_plan(rt, Actor("admin", admin=True), _read(plan))
        except MusterError as error:
            fail(f"{plan}: {error.message}", error.hint)
        state = "applied as version" if applied.changed else "unchanged, version"
        typer.echo(f"Plan {plan}: {state} {applied.version}.")
        for warning in applied.warnings:
            typer.secho(f"  warning: {warning}", fg="yellow")
    typer.echo(
        f"Muster serving on http://{host}:{port} (database {rt.db.engine.url.render_as_string()})"
    )
    worker = None if no_worker else _ServerWorker(rt)

    def stop_worker() -> None:
        if worker is not None:
            worker.stop()

    def on_sigterm(signum: int, _frame: FrameType | None) -> None:
        # uvicorn shuts down on SIGTERM, then raises it again for the handler it found
        # (this one): stop the worker, then die of SIGTERM as before.
        stop_worker()
        signal.signal(signum, signal.SIG_DFL)
        signal.raise_signal(signum)

    signal.signal(signal.SIGTERM, on_sigterm)
    try:
        web = create_app(rt)
        # What is loaded by now lives as long as the server: keep it out of the garbage
        # collector's full passes, which otherwise stop every request for ~60 ms every few
        # seconds in an alert storm (bench/alert_ingest.py).
        gc.collect()
        gc.freeze()
        config = uvicorn.Config(
            web if status_port is None else only_public_on(web, status_port),
            host=host,
            port=port,
            log_level="warning",
            access_log=access_log,
            timeout_graceful_shutdown=5,
        )
        sockets = [config.bind_socket()]
        if status_port is not None:  # one server, one cache, a second listening socket
            # (a Config sets up logging as it is made: hand it the same log settings)
            public = uvicorn.Config(
                web, host=host, port=status_port, log_level="warning", access_log=access_log
            )
            sockets.append(public.bind_socket())
            typer.echo(f"Status page alone on http://{host}:{status_port}/")
        uvicorn.Server(config).run(sockets=sockets)
    finally:
        stop_worker()


class _ServerWorker:
    """`muster serve`'s worker: `muster worker` in a child process, so delivery and the
    scheduler never hold this process's GIL while pages are served (in a thread they tripled
    the status page's p99 under load). A line on its stdin after each commit that queued
    work wakes it at once; closing stdin stops it, and so does this process dying."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.stopping = threading.Event()
        name = f"serve-{socket.gethostname()}-{os.getpid()}"[:64]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "muster", "worker", "--name", name, "--wake-stdin"],
            stdin=subprocess.PIPE,
        )
        threading.Thread(target=self._forward_wakes, name="muster-wake", daemon=True).start()

    def _forward_wakes(self) -> None:
        pipe = self.process.stdin
        assert pipe is not None
        while not self.stopping.is_set():
            self.rt.wake.wait()
            self.rt.wake.clear()
            try:
                pipe.write(b"\n")
                pipe.flush()
            except (BrokenPipeError, OSError, ValueError):
                return

    def stop(self) -> None:
        """Let the worker finish the message in hand, then end it."""
        self.stopping.set()
        self.rt.wake.set()
        try:
            if self.process.stdin:
                self.process.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError as error:
        fail(f"cannot read {path}: {error.strerror}", "give the path to muster.yaml")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Bring the database schema up to date (also done by `muster serve` at start)."""
    from muster.storage import migrate

    rt = server_runtime()
    current, head = migrate.status(rt.db)
    typer.echo(f"Database schema at {current} (newest {head}).")


@token_app.command("create")
def token_create(
    handle: Annotated[str, typer.Argument(help="the person's handle in the plan, or `admin`")],
    admin: Annotated[
        bool, typer.Option("--admin", help="may apply plans and act as others (--as)")
    ] = False,
    label: Annotated[str, typer.Option(help="what the token is for")] = "",
) -> None:
    """Create an API token and print it (only its hash is stored; it is shown once)."""
    from muster.actions.admin import create_token

    rt = server_runtime()
    try:
        typer.echo(create_token(rt, handle, admin=admin, label=label))
    except MusterError as error:
        fail(error.message, error.hint)


@token_app.command("list")
def token_list() -> None:
    """Tokens on this server (never their secrets)."""
    from muster.storage import records

    rt = server_runtime()
    with rt.db.read() as conn:
        for row in records.tokens_of(conn):
            state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "active"
            typer.echo(
                f"{row.id:>4}  {row.handle:<12} {'admin' if row.admin else '':<6} "
                f"{state:<18} {row.label}"
            )


@token_app.command("revoke")
def token_revoke(
    token_id: Annotated[int, typer.Argument(help="the id from `muster token list`")],
) -> None:
    """Revoke a token at once."""
    from muster.actions.admin import revoke_token

    rt = server_runtime()
    try:
        revoke_token(rt, token_id)
    except MusterError as error:
        fail(error.message, error.hint)
    typer.echo(f"Token {token_id} revoked.")


@app.command()
def login(
    ctx: typer.Context,
    url: Annotated[str, typer.Option(prompt="Muster URL", help="the server")] = DEFAULT_URL,
    token: Annotated[
        str, typer.Option(prompt="Token", hide_input=True, help="from `muster token create`")
    ] = "",
) -> None:
    """Check a URL and token against the server, then remember them for later commands."""
    api = Api.from_environment(url, token, None)
    try:
        me = api.call("GET", "/whoami")
    except ApiError as error:
        fail(error.message, error.hint, error.exit_code)
    path = write_config(url, token)
    typer.echo(f"Logged in to {url} as {me['handle']}. Saved to {path}.")


@plan_app.command("check")
def plan_check(
    file: Annotated[Path, typer.Argument(help="the plan file")] = Path("muster.yaml"),
) -> None:
    """Print every error and warning with its path; exit 2 on any error.

    Dates (rotation starts, rollback tests) are the team's calendar days, so they are checked
    against today in the plan's team timezone, not in UTC or wherever this runs. Parsed first
    to learn that timezone, then checked (check_plan keeps problems in file order).
    """
    text, problems = read_plan_text(file)
    plan = None
    if text is not None:
        plan, problems = parse_plan(text)
        if plan is not None:
            today = datetime.now(ZoneInfo(plan.team.timezone)).date()
            plan, problems = check_plan(text, today)
    errors = [p for p in problems if p.level == "error"]
    for problem in problems:
        typer.secho(
            f"{file}: {problem.level}: {problem}",
            fg="red" if problem.level == "error" else "yellow",
            err=True,
        )
    if errors or plan is None:
        typer.secho(
            f"{file}: {len(errors)} error(s), {len(problems) - len(errors)} warning(s)", err=True
        )
        raise typer.Exit(2)
    people, services = len(plan.people), len(plan.services)
    typer.echo(f"{file}: OK ({people} people, {services} services, {len(problems)} warning(s))")


@plan_app.command("apply")
def plan_apply(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="the plan file")] = Path("muster.yaml"),
) -> None:
    """Store the plan on the server as a new version (new incidents use it)."""
    result = call(ctx, "POST", "/plan", body={"source": _read(file)})
    if result["changed"]:
        typer.echo(f"Applied {file} as plan version {result['version']}.")
    else:
        typer.echo(f"{file} is the same as plan version {result['version']}; nothing changed.")
    for warning in result["warnings"]:
        typer.secho(f"  warning: {warning}", fg="yellow")


@plan_app.command("show")
def plan_show(
    ctx: typer.Context,
    format: Annotated[
        str,
        typer.Option("--format", help="yaml (the file as applied), md or html (the one-page plan)"),
    ] = "yaml",
) -> None:
    """Print the plan in force on the server: as written, or as the one-page plan with who is
    on call now (html is a standalone page to save, open or print)."""
    from datetime import UTC

    from muster.plan import render

    kind = format.strip().lower()
    if kind not in ("yaml", "md", "html"):
        fail(f"{format!r} is not a format", "use --format yaml, md or html")
    result = call(ctx, "GET", "/plan")
    if kind == "yaml":
        typer.echo(f"# plan version {result['version']}")
        typer.echo(result["source"], nl=False)
        return
    plan, problems = parse_plan(result["source"])
    if plan is None:
        fail(f"the server's plan does not parse here: {problems[0]}", "upgrade this muster")
    draw = render.to_markdown if kind == "md" else render.to_html
    typer.echo(draw(plan, datetime.now(UTC)), nl=False)
