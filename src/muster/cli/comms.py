"""Commands for the communicator: updates on two tracks, and the question buffer."""

from __future__ import annotations

from typing import Annotated

import typer

from muster.cli.client import incident_ref
from muster.cli.main import Inc, JsonFlag, app, call, echo_json, fail, incident_path, say
from muster.cli.render import team_time


@app.command()
def update(
    ctx: typer.Context,
    incident: Inc,
    text: Annotated[str | None, typer.Argument(help="the update (or use --template)")] = None,
    internal: Annotated[bool, typer.Option("--internal", help="for the team")] = False,
    customer: Annotated[bool, typer.Option("--customer", help="for customers")] = False,
    template: Annotated[str | None, typer.Option(help="a template from the plan")] = None,
    status: Annotated[
        str | None, typer.Option(help="customer: investigating, identified, monitoring, resolved")
    ] = None,
    next_update: Annotated[
        str | None, typer.Option("--next", help="next update in 15m, at 18:45 (default: cadence)")
    ] = None,
    preview: Annotated[bool, typer.Option("--preview", help="show it, post nothing")] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="refuse a customer update that leaks internals")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Post an update on the internal or customer track; it says when the next one comes."""
    if internal == customer:
        fail("choose one track", "add --internal (the team) or --customer (the public)")
    body = {
        "track": "internal" if internal else "customer",
        "text": text,
        "template": template,
        "status": status,
        "next": next_update,
        "preview": preview,
        "strict": strict,
    }
    posted = call(ctx, "POST", incident_path(incident, "updates"), body=body)
    if as_json:
        echo_json(posted)
        return
    ref = incident_ref(incident)
    word = f" ({posted['status']})" if posted["status"] else ""
    if preview:
        typer.secho(f"Preview of the {posted['track']} update{word} (nothing posted):", bold=True)
        typer.echo(posted["text"])
    else:
        typer.secho(f"{ref}: {posted['track']} update #{posted['number']} posted{word}.", bold=True)
    if posted["next_update_at"]:
        detail = call(ctx, "GET", incident_path(incident))
        typer.echo(f"Next update due {team_time(posted['next_update_at'], detail['timezone'])}.")
    if not preview and posted["queued"]:
        typer.echo(f"{posted['queued']} message(s) queued for delivery.")
    for finding in posted["findings"]:
        typer.secho(f"! {finding['message']}", fg="yellow", bold=True)
    if posted["findings"] and not preview:
        typer.echo("  (posted anyway; --strict refuses such an update)")


@app.command()
def ask(
    ctx: typer.Context,
    incident: Inc,
    text: Annotated[str, typer.Argument(help="your question")],
    as_json: JsonFlag = False,
) -> None:
    """Ask a question; it waits in the communicator's queue instead of interrupting the fixer."""
    asked = call(ctx, "POST", incident_path(incident, "questions"), body={"text": text})
    if as_json:
        echo_json(asked)
        return
    typer.secho(f"{incident_ref(incident)}: question {asked['number']} is in the queue.", bold=True)
    if asked["likely_duplicates"]:
        numbers = ", ".join(str(n) for n in asked["likely_duplicates"])
        typer.echo(f"It looks like question {numbers}; the communicator may merge them.")


@app.command()
def questions(ctx: typer.Context, incident: Inc, as_json: JsonFlag = False) -> None:
    """The question queue (as the fixer: only what was forwarded to you)."""
    rows = call(ctx, "GET", incident_path(incident, "questions"))
    if as_json:
        echo_json(rows)
        return
    if not rows:
        say([("No questions.", "dim")])
        return
    for q in rows:
        state = q["state"]
        if state == "forwarded":
            state = f"with {q['forwarded_to']}"
        elif state == "merged":
            state = f"merged into {q['merged_into']}"
        say(
            [
                (
                    f"{q['number']:>3}. [{state}] {q['text']}  ({q['asked_by']})",
                    "dim" if q["state"] in ("answered", "merged") else "",
                )
            ]
        )
        if q["answer"]:
            say([(f"     answer ({q['answered_by']}): {q['answer']}", "dim")])
        if q["likely_duplicates"]:
            alike = ", ".join(str(n) for n in q["likely_duplicates"])
            into = q["likely_duplicates"][0]
            hint = f"`muster merge {incident_ref(incident)} {q['number']} --into {into}`"
            say([(f"     looks like {alike}: {hint}", "warn")])


Number = Annotated[int, typer.Argument(help="the question's number", min=1)]


@app.command()
def answer(
    ctx: typer.Context,
    incident: Inc,
    number: Number,
    text: Annotated[str, typer.Argument(help="the answer")],
) -> None:
    """Answer a question from the queue."""
    call(
        ctx,
        "POST",
        incident_path(incident, "questions", str(number), "answer"),
        body={"text": text},
    )
    typer.secho(f"{incident_ref(incident)}: question {number} answered.", bold=True)


@app.command()
def merge(
    ctx: typer.Context,
    incident: Inc,
    number: Number,
    into: Annotated[int, typer.Option("--into", help="the earlier question", min=1)],
) -> None:
    """Fold a duplicate question into an earlier one."""
    call(
        ctx, "POST", incident_path(incident, "questions", str(number), "merge"), body={"into": into}
    )
    typer.secho(f"{incident_ref(incident)}: question {number} merged into {into}.", bold=True)


@app.command()
def forward(ctx: typer.Context, incident: Inc, number: Number) -> None:
    """Pass a question to the fixer (only when only the fixer can answer it)."""
    rows = call(ctx, "POST", incident_path(incident, "questions", str(number), "forward"))
    to = next((q["forwarded_to"] for q in rows if q["number"] == number), "the fixer")
    typer.secho(f"{incident_ref(incident)}: question {number} forwarded to {to}.", bold=True)


@app.command()
def subscribe(ctx: typer.Context, email: Annotated[str, typer.Argument(help="an address")]) -> None:
    """Send every customer update to this address by email."""
    result = call(ctx, "POST", "/subscribers", body={"email": email})
    typer.echo(f"{email}: " + ("subscribed." if result["subscribed"] else "already subscribed."))


@app.command()
def unsubscribe(
    ctx: typer.Context, email: Annotated[str, typer.Argument(help="an address")]
) -> None:
    """Stop sending customer updates to this address."""
    result = call(ctx, "DELETE", "/subscribers", params={"email": email})
    typer.echo(
        f"{email}: " + ("unsubscribed." if result["unsubscribed"] else "was not subscribed.")
    )
