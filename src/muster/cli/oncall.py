"""On-call, overrides, calendar feeds and deploys from the command line."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer

from muster.cli.client import segment
from muster.cli.main import JsonFlag, app, call, echo_json, fail, no_blank_service


def _local(text: str | None, timezone: str) -> str:
    """An API time in the team's timezone, like `Mon 2026-11-23 09:00`."""
    if text is None:
        return "-"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(ZoneInfo(timezone)).strftime("%a %Y-%m-%d %H:%M")


@app.command("oncall")
def oncall(
    ctx: typer.Context,
    at: Annotated[
        str | None,
        typer.Option("--at", help="another moment: ISO 8601, a date, or a duration ahead (8h)"),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Who is on call for each role now (overrides included), and who takes over next."""
    board = call(ctx, "GET", "/oncall", params={"at": at} if at else None)
    if as_json:
        echo_json(board)
        return
    tz = board["timezone"]
    typer.secho(f"On call at {_local(board['at'], tz)} ({tz})", bold=True)
    for role in board["roles"]:
        line = f"  {role['role']:<13} {role['primary']:<10} backup: {role['backup'] or 'none'}"
        if role["override"]:
            line += f"  (override {role['override']})"
        typer.echo(line)
        if role["until"]:
            typer.echo(f"  {'':<13} next: {role['next']} from {_local(role['until'], tz)}")


def _overrides(ctx: typer.Context, as_json: bool) -> None:
    rows = call(ctx, "GET", "/overrides")
    if as_json:
        echo_json(rows)
        return
    if not rows:
        typer.echo("No overrides in force or to come.")
    for row in rows:
        typer.echo(
            f"  {row['id']:>4}  {row['role']:<13} {row['handle']:<10} "
            f"{row['starts_at'][:16]}Z -> {row['ends_at'][:16]}Z  (by {row['created_by']})"
        )


@app.command("override")
def override(
    ctx: typer.Context,
    role: Annotated[
        str, typer.Argument(help="commander, communicator or fixer; or `list`, or `cancel`")
    ],
    handle: Annotated[
        str | None, typer.Argument(help="who goes on call (for `cancel`: the override's id)")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--from", help="start (default now): ISO 8601, a date, 8h")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="end: ISO 8601, a date, 8h")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Put someone on call for a role for a while: `muster override fixer bob --until 8h`.

    `muster override list` shows overrides in force or to come; `muster override cancel ID`
    cancels one.
    """
    if role == "list":
        _overrides(ctx, as_json)
        return
    if role == "cancel":
        if handle is None or not handle.isdigit():
            fail("say which override to cancel", "muster override cancel ID (see `override list`)")
        row = call(ctx, "DELETE", f"/overrides/{segment(handle)}")
        typer.secho(f"Cancelled override {row['id']}: {row['handle']} as {row['role']}.", bold=True)
        return
    if handle is None or until is None:
        fail("name who goes on call and until when", "muster override ROLE HANDLE --until T")
    body: dict[str, Any] = {"role": role, "handle": handle, "from": since, "until": until}
    row = call(ctx, "POST", "/overrides", body=body)
    if as_json:
        echo_json(row)
        return
    typer.secho(
        f"Override {row['id']}: {row['handle']} is {row['role']} from {row['starts_at'][:16]}Z "
        f"until {row['ends_at'][:16]}Z.",
        bold=True,
    )


@app.command("calendar")
def calendar(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Calendar feed URLs of your shifts and of each role (a new secret; old URLs stop)."""
    made = call(ctx, "POST", "/calendar")
    if as_json:
        echo_json(made)
        return
    typer.secho("Subscribe to these in your calendar app (keep them private):", bold=True)
    for name, url in made["feeds"].items():
        typer.echo(f"  {'you' if name == 'person' else name:<13} {url}")


@app.command("deploy")
def deploy(
    ctx: typer.Context,
    service: Annotated[str, typer.Argument(help="the service shipped, as in the plan")],
    version: Annotated[str, typer.Argument(help="the version shipped, like v1.4.2 or a SHA")],
    by: Annotated[str | None, typer.Option("--by", help="who shipped it (default: you)")] = None,
    at: Annotated[
        str | None, typer.Option("--at", help="when: HH:MM, '10m ago' or ISO 8601")
    ] = None,
    rollback: Annotated[bool, typer.Option("--rollback", help="this deploy is a rollback")] = False,
    url: Annotated[str | None, typer.Option("--url", help="the pipeline run or release")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a deploy (for CI/CD pipelines); it shows on open incidents of the service."""
    no_blank_service(service)
    body = {
        "service": service,
        "version": version,
        "by": by,
        "at": at,
        "rollback": rollback,
        "url": url,
    }
    row = call(ctx, "POST", "/deploys", body=body)
    if as_json:
        echo_json(row)
        return
    what = "rollback" if row["rollback"] else "deploy"
    typer.secho(f"Recorded {what} {row['id']}: {row['service']} {row['version']}.", bold=True)
    if row["frozen"]:
        typer.secho(
            f"! {row['service']} is frozen: this deploy is flagged on its open incidents",
            fg="yellow",
            bold=True,
        )


@app.command("deploys")
def deploys(
    ctx: typer.Context,
    service: Annotated[str | None, typer.Option(help="one service (default: all)")] = None,
    limit: Annotated[int, typer.Option(help="how many, newest first")] = 20,
    as_json: JsonFlag = False,
) -> None:
    """The latest deploys, newest first."""
    no_blank_service(service)
    params: dict[str, Any] = {"limit": limit}
    if service:
        params["service"] = service
    rows = call(ctx, "GET", "/deploys", params=params)
    if as_json:
        echo_json(rows)
        return
    for row in rows:
        flags = "".join(
            f" [{name}]"
            for name, on in (("rollback", row["rollback"]), ("frozen", row["frozen"]))
            if on
        )
        typer.echo(
            f"  {row['at'][:16]}Z  {row['service']:<10} {row['version']:<16} "
            f"{row['by'] or '-'}{flags}"
        )
