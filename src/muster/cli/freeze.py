"""Deploy freezes from the command line, and the question a deploy pipeline asks."""

from __future__ import annotations

from typing import Annotated

import typer

from muster.cli.main import JsonFlag, app, call, echo_json, fail, no_blank_service

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
    no_blank_service(service)
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
    no_blank_service(service)
    status = call(ctx, "GET", "/freeze", params={"service": service} if service else None)
    if as_json:
        echo_json(status)
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
    no_blank_service(service)
    status = call(ctx, "DELETE", "/freezes", params={"service": service} if service else None)
    typer.secho(f"Lifted the freeze on {status['service'] or 'every service'}.", bold=True)
    for left in status["freezes"]:
        typer.echo(f"Still frozen: {left['service'] or 'every service'}: {left['reason']}")
