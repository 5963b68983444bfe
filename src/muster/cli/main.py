"""`muster`: admin commands touch the server's database; everything else goes through the API."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Annotated, Any, NoReturn

import typer

from muster.cli import render
from muster.cli.client import Api, ApiError, incident_ref, segment

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
    """Call the API; a refusal ends the command with its message, hint and exit code.

    Build `path` with `incident_path(...)` from anything the user typed.
    """
    try:
        return ctx.obj.client().call(method, path, **kwargs)
    except ApiError as error:
        fail(error.message, error.hint, error.exit_code)


def incident_path(incident: str, *rest: str) -> str:
    """`/incidents/INC/REST...`, each part escaped so that it stays one path segment.

    A slash is refused here: servers decode %2F before routing (ASGI hands routes the decoded
    path), so `INC-2/milestones` would reach another route however it is escaped.
    """
    if "/" in incident:
        fail(f"{incident!r} is not an incident reference", "write it like INC-42")
    return "/incidents/" + "/".join(segment(part) for part in (incident, *rest))


def role_path(incident: str, role: str, step: str) -> str:
    """`/incidents/INC/roles/ROLE/STEP`; a slash in the role is refused as in `incident_path`."""
    if "/" in role:
        fail(f"{role!r} is not a role", "use commander, communicator or fixer")
    return incident_path(incident, "roles", role, step)


def no_blank_service(service: str | None) -> None:
    """An empty --service (say, an unset $SERVICE in a pipeline) must not mean every service."""
    if service is not None and not service.strip():
        fail("--service is empty", "name a service, or leave out --service to mean every service")


def say(lines: list[tuple[str, str]]) -> None:
    styles: dict[str, dict[str, Any]] = {
        "bold": {"bold": True},
        "warn": {"fg": "yellow", "bold": True},
        "dim": {"dim": True},
    }
    for text, style in lines:
        typer.secho(text, **styles.get(style, {}))


def echo_json(value: Any) -> None:
    """What `--json` prints: the API's answer, indented."""
    typer.echo(json.dumps(value, indent=2))


def show_or_json(detail: Any, as_json: bool) -> None:
    if as_json:
        echo_json(detail)
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
    say(render.summary(detail))
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
        echo_json(rows)
    else:
        say(render.listing(rows))


@app.command()
def show(ctx: typer.Context, incident: Inc, as_json: JsonFlag = False) -> None:
    """Who wears which hat, where things stand, and the timeline."""
    show_or_json(call(ctx, "GET", incident_path(incident)), as_json)


def _then_show(ctx: typer.Context, detail: Any, as_json: bool, message: str) -> None:
    if as_json:
        show_or_json(detail, True)
        return
    typer.secho(message, bold=True)
    for warning in detail["warnings"]:
        typer.secho(f"! {warning}", fg="yellow", bold=True)


@app.command()
def ack(ctx: typer.Context, incident: Inc, at: At = None, as_json: JsonFlag = False) -> None:
    """Acknowledge an incident: the `acknowledged` milestone, and its pages stop escalating.

    Acknowledging twice is not a failure: two people paged at 2 a.m. may both run this.
    """
    body = {"at": at}
    answer = call(ctx, "POST", incident_path(incident, "ack"), body=body)
    detail = answer["incident"]
    if as_json:
        show_or_json(detail, True)
    elif answer["already"]:
        acked = render.team_time(detail["milestones"]["acknowledged"], detail["timezone"])
        typer.echo(f"{detail['ref']} was already acknowledged at {acked} (team time).")
    else:
        _then_show(ctx, detail, False, f"{detail['ref']} acknowledged; phase {detail['phase']}.")


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
        ctx, "POST", incident_path(incident, "milestones"), body={"milestone": name, "at": at}
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
        ctx, "POST", incident_path(incident, "severity"), body={"severity": level, "why": why}
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
    detail = call(ctx, "POST", incident_path(incident, "impact"), body={"impact": text, "at": at})
    _then_show(ctx, detail, as_json, f"{detail['ref']} impact updated.")


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
        incident_path(incident, "timeline"),
        body={"text": text, "kind": kind, "at": at, "amends": amends},
    )
    if as_json:
        echo_json(entry)
    else:
        # The answer is the entry alone (no ref), so name the incident as the user meant it.
        typer.secho(f"{incident_ref(incident)}: logged as #{entry['seq']}.", bold=True)


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
        incident_path(incident, "decisions"),
        body={"decision": decision, "why": why, "at": at},
    )
    if as_json:
        echo_json(entry)
        return
    ref = incident_ref(incident)
    typer.secho(f"{ref}: decision #{entry['seq']} recorded: {decision}.", bold=True)
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
        ctx, "POST", incident_path(incident, "tasks"), body={"title": title, "owner": owner}
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
    detail = call(ctx, "POST", incident_path(incident, "tasks", str(number), "done"))
    _then_show(ctx, detail, as_json, f"{detail['ref']}: task {number} done.")


@app.command()
def whoami(ctx: typer.Context) -> None:
    """Who the server thinks you are."""
    me = call(ctx, "GET", "/whoami")
    typer.echo(me["handle"] + (" (admin)" if me["admin"] else ""))


def load_commands() -> typer.Typer:
    """The complete `muster` app: the modules beside this one add their commands on import."""
    import muster.cli.oncall  # noqa: F401
    from muster.cli import admin, alerts, comms, freeze, handoffs, ops, status, users  # noqa: F401

    return app


def run() -> None:
    """Console entry point."""
    load_commands()
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
