"""`muster user`: web sign-in passwords (run on the server machine, like `muster token`)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from muster.cli.admin import server_runtime
from muster.cli.main import app, fail
from muster.errors import MusterError

user_app = typer.Typer(no_args_is_help=True, help="Web sign-in (run on the server machine).")
app.add_typer(user_app, name="user")


@user_app.command("set-password")
def set_password(
    handle: Annotated[str, typer.Argument(help="the person's handle in the plan")],
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="read the password from the first line of stdin"),
    ] = False,
) -> None:
    """Set a person's web password (at least 10 characters) and end their web sessions."""
    from muster.actions.users import set_password as store

    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("New password", hide_input=True)
        if typer.prompt("Again", hide_input=True) != password:
            fail("the two passwords differ", "run the command again and type the same twice")
    rt = server_runtime()
    try:
        ended = store(rt, handle, password)
    except MusterError as error:
        fail(error.message, error.hint)
    sessions = f"; {ended} web session(s) ended" if ended else ""
    typer.echo(f"Password set for {handle.strip().lower()}{sessions}. Sign in at /signin.")
