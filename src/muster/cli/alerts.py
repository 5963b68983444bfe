"""Alerts from the command line: wiring monitoring in (`muster integrations`), and the
alert groups waiting for a person (`muster alerts`, `muster declare-alerts GROUP`)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from muster.cli.client import segment
from muster.cli.main import JsonFlag, app, call, echo_json, say
from muster.cli.render import summary

integrations_app = typer.Typer(invoke_without_command=True, no_args_is_help=False)
app.add_typer(
    integrations_app,
    name="integrations",
    help="Where monitoring posts alerts: each integration's URL, header and secret (admin).",
)


@integrations_app.callback()
def integrations(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """Each integration of the plan with the exact URL and header to configure."""
    if ctx.invoked_subcommand:
        return
    found = call(ctx, "GET", "/integrations")
    if as_json:
        echo_json(found)
        return
    if not found:
        typer.echo("The plan has no integrations; add one under `integrations:` in muster.yaml.")
        return
    for item in found:
        _show(item)


def _show(item: dict[str, Any]) -> None:
    typer.secho(f"{item['name']} ({item['kind']})", bold=True)
    typer.echo(f"  URL     {item['url']}")
    if item["header"]:
        typer.echo(f"  header  {item['header']}")
    label = "Alertmanager receiver" if item["kind"] == "alertmanager" else "Setup"
    typer.echo(f"  {label}:")
    for line in item["setup"].splitlines():
        typer.echo(f"    {line}")
    typer.echo("")


@integrations_app.command("rotate")
def rotate(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="the integration, like alertmanager")],
    as_json: JsonFlag = False,
) -> None:
    """Make a new secret; the old one stops working at once, so update the tool."""
    item = call(ctx, "POST", f"/integrations/{segment(name)}/rotate")
    if as_json:
        echo_json(item)
        return
    typer.secho(f"New secret for {item['name']}; the old one no longer works.", bold=True)
    _show(item)


_STATE = {
    "incident": "",
    "waiting": "waiting for a person",
    "unrouted": "unrouted",
    "closed": "over",
}


@app.command("alerts")
def alerts(
    ctx: typer.Context,
    all_groups: Annotated[bool, typer.Option("--all", help="also groups that are over")] = False,
    as_json: JsonFlag = False,
) -> None:
    """Alert groups, open ones first: the incident each joined, or waiting for a person."""
    groups = call(ctx, "GET", "/alerts", params={"open": not all_groups})
    if as_json:
        echo_json(groups)
        return
    if not groups:
        typer.echo("No alert groups" + ("." if all_groups else " open."))
        return
    for group in groups:
        where = group["incident"] or _STATE[group["state"]]
        severity = group["severity"] or "-"
        counts = f"{group['firing']}/{group['total']} firing"
        line = f"{group['id']:>5}  {severity:<6} {where:<22} {counts:<16} {group['title']}"
        say([(line, "warn" if group["state"] in ("waiting", "unrouted") else "")])
    if any(g["state"] in ("waiting", "unrouted") for g in groups):
        typer.echo("\nDeclare from a group: `muster declare-alerts GROUP [--severity S]`.")


@app.command("declare-alerts")
def declare_alerts(
    ctx: typer.Context,
    group: Annotated[int, typer.Argument(help="the group's number from `muster alerts`")],
    severity: Annotated[
        str | None, typer.Option("--severity", "-s", help="default: the group's")
    ] = None,
    title: Annotated[str | None, typer.Option(help="default: the group's")] = None,
    service: Annotated[
        list[str] | None, typer.Option("--service", help="default: the group's (repeatable)")
    ] = None,
    impact: Annotated[str, typer.Option(help="what users can and cannot do")] = "",
    as_json: JsonFlag = False,
) -> None:
    """Declare an incident from a waiting alert group; its alerts join the incident."""
    body = {
        "severity": severity,
        "title": title,
        "services": service,
        "impact": impact,
    }
    detail = call(ctx, "POST", f"/alert-groups/{group}/declare", body=body)
    if as_json:
        echo_json(detail)
        return
    typer.secho(f"Declared {detail['ref']} from alert group {group}.", bold=True)
    say(summary(detail))
