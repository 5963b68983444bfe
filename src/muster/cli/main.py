"""`muster`: admin commands touch the server's database; everything else goes through the API."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Annotated, Any, NoReturn

import typer

from muster.cli import render
from muster.cli.client import Api, ApiError

app = typer.Typer(
    help="Muster: incident response for small teams. The commander decides, the communicator "
    "speaks, the fixer repairs; Muster keeps one timeline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@dataclass
class State:
    """Per-invocation options; `api` is built on first use (tests hand one in)."""

    url: str | None = None
    token: str | None = None
    act_as: str | None = None
    api: Api | None = field(default=None)

    def client(self) -> Api:
        if self.api is None:
            self.api = Api.from_environment(self.url, self.token, self.act_as)
        elif self.act_as:
            self.api.act_as = self.act_as
        return self.api


@app.callback()
def main(
    ctx: typer.Context,
    url: Annotated[
        str | None, typer.Option(help="server URL (default: $MUSTER_URL, then `muster login`)")
    ] = None,
    token: Annotated[
        str | None, typer.Option(help="API token (default: $MUSTER_TOKEN)", envvar=None)
    ] = None,
    act_as: Annotated[
        str | None, typer.Option("--as", help="with an admin token: act as this person")
    ] = None,
) -> None:
    state = ctx.obj if isinstance(ctx.obj, State) else State()
    state.url, state.token = url or state.url, token or state.token
    state.act_as = act_as or state.act_as
    ctx.obj = state


def fail(message: str, hint: str = "", code: int = 2) -> NoReturn:
    typer.secho(f"error: {message}", fg="red", err=True)
    if hint:
        typer.echo(f"  hint: {hint}", err=True)
    raise typer.Exit(code)


def call(ctx: typer.Context, method: str, path: str, **kwargs: Any) -> Any:
    try:
        return ctx.obj.client().call(method, path, **kwargs)
    except ApiError as error:
        fail(error.message, error.hint, error.exit_code)


def say(lines: list[tuple[str, str]]) -> None:
    styles: dict[str, dict[str, Any]] = {
        "bold": {"bold": True},
        "warn": {"fg": "yellow", "bold": True},
        "dim": {"dim": True},
    }
    for text, style in lines:
        typer.secho(text, **styles.get(style, {}))


def show_or_json(detail: Any, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(detail, indent=2))
    else:
        say(render.incident(detail))


JsonFlag = Annotated[bool, typer.Option("--json", help="print JSON instead of text")]
At = Annotated[
    str | None, typer.Option("--at", help="when it happened: HH:MM, '10m ago' or ISO 8601")
]
Inc = Annotated[str, typer.Argument(help="the incident, like INC-42")]


@app.command()
def declare(
    ctx: typer.Context,
    title: Annotated[str, typer.Argument(help="what is broken, in a few words")],
    severity: Annotated[
        str, typer.Option("--severity", "-s", help="a severity from the plan, like SEV1")
    ],
    service: Annotated[
        list[str] | None, typer.Option("--service", help="an affected service (repeatable)")
    ] = None,
    impact: Annotated[str, typer.Option(help="what users can and cannot do")] = "",
    at: At = None,
    drill: Annotated[
        bool, typer.Option("--drill", help="a practice run, kept out of metrics")
    ] = False,
    private: Annotated[
        bool, typer.Option("--private", help="visible to its participants only")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Declare an incident: Muster names the commander, communicator and fixer from the plan."""
    body = {
        "title": title,
        "severity": severity,
        "services": service or [],
        "impact": impact,
        "at": at,
        "drill": drill,
        "private": private,
    }
    detail = call(ctx, "POST", "/incidents", body=body)
    if as_json:
        show_or_json(detail, True)
        return
    typer.secho(f"Declared {detail['ref']}.", bold=True)
    say(render.incident(detail)[: 8 + len(detail["warnings"])])
    typer.echo(f"\nNext: `muster show {detail['ref']}` for the whole record.")


@app.command("list")
def list_(
    ctx: typer.Context,
    open_only: Annotated[
        bool, typer.Option("--open", help="only incidents not yet resolved")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Incidents, open ones first."""
    rows = call(ctx, "GET", "/incidents", params={"open": open_only})
    if as_json:
        typer.echo(json.dumps(rows, indent=2))
    else:
        say(render.listing(rows))


@app.command()
def show(ctx: typer.Context, incident: Inc, as_json: JsonFlag = False) -> None:
    """Who wears which hat, where things stand, and the timeline."""
    show_or_json(call(ctx, "GET", f"/incidents/{incident}"), as_json)


def _then_show(ctx: typer.Context, detail: Any, as_json: bool, message: str) -> None:
    if as_json:
        show_or_json(detail, True)
        return
    typer.secho(message, bold=True)
    for warning in detail["warnings"]:
        typer.secho(f"! {warning}", fg="yellow", bold=True)


@app.command()
def ack(ctx: typer.Context, incident: Inc, at: At = None, as_json: JsonFlag = False) -> None:
    """Acknowledge an incident (records the `acknowledged` milestone)."""
    detail = call(
        ctx,
        "POST",
        f"/incidents/{incident}/milestones",
        body={"milestone": "acknowledged", "at": at},
    )
    _then_show(ctx, detail, as_json, f"{detail['ref']} acknowledged; phase {detail['phase']}.")


@app.command()
def milestone(
    ctx: typer.Context,
    incident: Inc,
    name: Annotated[
        str,
        typer.Argument(help="started, acknowledged, identified, mitigated, resolved or reviewed"),
    ],
    at: At = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a milestone; phases follow from them. Back-date with --at."""
    detail = call(
        ctx, "POST", f"/incidents/{incident}/milestones", body={"milestone": name, "at": at}
    )
    _then_show(ctx, detail, as_json, f"{detail['ref']}: {name} recorded; phase {detail['phase']}.")


@app.command()
def severity(
    ctx: typer.Context,
    incident: Inc,
    level: Annotated[str, typer.Argument(help="the new severity, like SEV2")],
    why: Annotated[str, typer.Option("--why", help="why it changes (required)")],
    as_json: JsonFlag = False,
) -> None:
    """Change the severity; the reason goes on the timeline."""
    detail = call(
        ctx, "POST", f"/incidents/{incident}/severity", body={"severity": level, "why": why}
    )
    _then_show(ctx, detail, as_json, f"{detail['ref']} is now {detail['severity']}.")


@app.command()
def impact(
    ctx: typer.Context,
    incident: Inc,
    text: Annotated[str, typer.Argument(help="what users can and cannot do")],
    at: At = None,
    as_json: JsonFlag = False,
) -> None:
    """Restate the impact: what users can and cannot do right now."""
    detail = call(ctx, "POST", f"/incidents/{incident}/impact", body={"impact": text, "at": at})
    _then_show(ctx, detail, as_json, f"{detail['ref']} impact updated.")


@app.command()
def role(
    ctx: typer.Context,
    incident: Inc,
    name: Annotated[str, typer.Argument(help="commander, communicator or fixer")],
    handle: Annotated[str | None, typer.Argument(help="who should take it")] = None,
    reason: Annotated[str, typer.Option(help="why the handoff")] = "",
    cancel: Annotated[
        bool, typer.Option("--cancel", help="withdraw or decline the pending handoff")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Offer a role to someone. It is theirs once they run `muster accept`."""
    if cancel:
        detail = call(ctx, "POST", f"/incidents/{incident}/roles/{name}/cancel")
        _then_show(ctx, detail, as_json, f"{detail['ref']}: handoff of {name} cancelled.")
        return
    if not handle:
        fail("say who should take the role", f"muster role {incident} {name} HANDLE")
    detail = call(
        ctx,
        "POST",
        f"/incidents/{incident}/roles/{name}/handoff",
        body={"to": handle, "reason": reason},
    )
    _then_show(
        ctx,
        detail,
        as_json,
        f"{detail['ref']}: {name} offered to {handle}; they accept with "
        f"`muster accept {detail['ref']} {name}`.",
    )


@app.command()
def accept(
    ctx: typer.Context,
    incident: Inc,
    name: Annotated[str, typer.Argument(help="the role offered to you")],
    as_json: JsonFlag = False,
) -> None:
    """Take a role that was offered to you."""
    detail = call(ctx, "POST", f"/incidents/{incident}/roles/{name}/accept")
    holder = next(r["holder"] for r in detail["roles"] if r["role"] == name.lower())
    _then_show(ctx, detail, as_json, f"{detail['ref']}: {holder} is now {name.lower()}.")


@app.command()
def decline(
    ctx: typer.Context,
    incident: Inc,
    name: Annotated[str, typer.Argument(help="the role offered to you")],
    as_json: JsonFlag = False,
) -> None:
    """Say no to a role offered to you; the holder keeps it."""
    detail = call(ctx, "POST", f"/incidents/{incident}/roles/{name}/cancel")
    _then_show(ctx, detail, as_json, f"{detail['ref']}: you declined {name}.")


@app.command()
def log(
    ctx: typer.Context,
    incident: Inc,
    text: Annotated[str, typer.Argument(help="what happened")],
    kind: Annotated[str, typer.Option(help="note, action or impact")] = "note",
    at: At = None,
    amends: Annotated[
        int | None, typer.Option(help="the #number of an entry this corrects")
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add to the timeline. Entries are never edited; --amends N records a correction."""
    entry = call(
        ctx,
        "POST",
        f"/incidents/{incident}/timeline",
        body={"text": text, "kind": kind, "at": at, "amends": amends},
    )
    if as_json:
        typer.echo(json.dumps(entry, indent=2))
    else:
        typer.secho(f"{incident.upper()}: logged as #{entry['seq']}.", bold=True)


@app.command()
def decide(
    ctx: typer.Context,
    incident: Inc,
    decision: Annotated[
        str,
        typer.Argument(
            help="rollback, patch-forward, escalate, freeze, monitor, workaround, failover, "
            "data-breach or other"
        ),
    ],
    why: Annotated[str, typer.Option("--why", help="the reason (required)")],
    at: At = None,
    as_json: JsonFlag = False,
) -> None:
    """Record a decision, who made it and why."""
    entry = call(
        ctx,
        "POST",
        f"/incidents/{incident}/decisions",
        body={"decision": decision, "why": why, "at": at},
    )
    if as_json:
        typer.echo(json.dumps(entry, indent=2))
        return
    typer.secho(f"{incident.upper()}: decision #{entry['seq']} recorded: {decision}.", bold=True)
    if "rollback" in entry["data"]:
        for path in entry["data"]["rollback"]:
            typer.echo(
                f"Rollback {path['service']}: {path['runbook'] or 'no runbook in the plan'}"
                f" (last tested {path['last_tested'] or 'never'})"
            )


@app.command()
def task(
    ctx: typer.Context,
    incident: Inc,
    title: Annotated[str, typer.Argument(help="what needs doing")],
    owner: Annotated[str | None, typer.Option(help="who does it")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Add a task with an owner."""
    detail = call(
        ctx, "POST", f"/incidents/{incident}/tasks", body={"title": title, "owner": owner}
    )
    _then_show(
        ctx, detail, as_json, f"{detail['ref']}: task {detail['tasks'][-1]['number']} added."
    )


@app.command()
def done(
    ctx: typer.Context,
    incident: Inc,
    number: Annotated[int, typer.Argument(help="the task's number")],
    as_json: JsonFlag = False,
) -> None:
    """Tick a task off."""
    detail = call(ctx, "POST", f"/incidents/{incident}/tasks/{number}/done")
    _then_show(ctx, detail, as_json, f"{detail['ref']}: task {number} done.")


freeze_app = typer.Typer(invoke_without_command=True, no_args_is_help=False)
app.add_typer(
    freeze_app,
    name="freeze",
    help="Freeze deploys (`muster freeze --why TEXT`), or ask (`muster freeze status`).",
)


@freeze_app.callback()
def freeze(
    ctx: typer.Context,
    service: Annotated[
        str | None, typer.Option(help="one service (default: every service)")
    ] = None,
    why: Annotated[str | None, typer.Option("--why", help="why deploys must wait")] = None,
) -> None:
    """Stop deploys to a service, or to every service."""
    if ctx.invoked_subcommand:
        return
    if not why:
        fail("say why deploys are frozen", "muster freeze [--service S] --why TEXT")
    status = call(ctx, "POST", "/freezes", body={"service": service, "why": why})
    typer.secho(f"Deploys to {status['service'] or 'every service'} are frozen.", bold=True)


@freeze_app.command("status")
def freeze_status(
    ctx: typer.Context,
    service: Annotated[str | None, typer.Option(help="the service about to be deployed")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Exit 0 if a deploy may go out, 3 if it must wait (for CI/CD pipelines)."""
    status = call(ctx, "GET", "/freeze", params={"service": service} if service else None)
    if as_json:
        typer.echo(json.dumps(status, indent=2))
    elif status["frozen"]:
        for f in status["freezes"]:
            where = f["service"] or "every service"
            typer.secho(
                f"FROZEN: {where}: {f['reason']} (since {f['since'][:16]}Z, by {f['by']})",
                fg="red",
                bold=True,
            )
    else:
        typer.echo(f"clear: deploys to {status['service'] or 'every service'} may go out")
    if status["frozen"]:
        raise typer.Exit(3)


@app.command()
def unfreeze(
    ctx: typer.Context,
    service: Annotated[
        str | None, typer.Option(help="one service (default: the every-service freeze)")
    ] = None,
) -> None:
    """Lift a freeze."""
    status = call(ctx, "DELETE", "/freezes", params={"service": service} if service else None)
    typer.secho(f"Lifted the freeze on {status['service'] or 'every service'}.", bold=True)
    for left in status["freezes"]:
        typer.echo(f"Still frozen: {left['service'] or 'every service'}: {left['reason']}")


@app.command()
def whoami(ctx: typer.Context) -> None:
    """Who the server thinks you are."""
    me = call(ctx, "GET", "/whoami")
    typer.echo(me["handle"] + (" (admin)" if me["admin"] else ""))


def run() -> None:
    """Console entry point."""
    from muster.cli import admin  # noqa: F401  (registers the admin commands)

    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
