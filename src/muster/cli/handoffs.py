"""Handing roles over: offer, accept, decline or withdraw. A role changes hands only when
the receiver says yes."""

from __future__ import annotations

from typing import Annotated

import typer

from muster.cli.main import (
    Inc,
    JsonFlag,
    _then_show,
    app,
    call,
    fail,
    role_path,
)


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
        _end_handoff(ctx, incident, name, as_json, "withdrawn")
        return
    if not handle:
        fail("say who should take the role", f"muster role {incident} {name} HANDLE")
    detail = call(
        ctx,
        "POST",
        role_path(incident, name, "handoff"),
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
    detail = call(ctx, "POST", role_path(incident, name, "accept"))
    role = name.strip().lower()
    holders = [r["holder"] for r in detail["roles"] if r["role"] == role]
    message = f"{holders[0]} is now {role}" if holders else f"you accepted {name}"
    _then_show(ctx, detail, as_json, f"{detail['ref']}: {message}.")


@app.command()
def decline(
    ctx: typer.Context,
    incident: Inc,
    name: Annotated[str, typer.Argument(help="the role offered to you")],
    as_json: JsonFlag = False,
) -> None:
    """Say no to a role offered to you; the holder keeps it."""
    _end_handoff(ctx, incident, name, as_json, "declined")


def _end_handoff(ctx: typer.Context, incident: str, name: str, as_json: bool, verb: str) -> None:
    """Decline or withdraw a pending handoff (one endpoint); say which one the server recorded.

    The server decides: the receiver declines, the proposer or commander withdraws, whichever
    command they typed. `verb` is the word used when the timeline does not say.
    """
    detail = call(ctx, "POST", role_path(incident, name, "cancel"))
    role = name.strip().lower()
    ended = [
        e
        for e in detail["timeline"]
        if e["kind"] == "handoff"
        and e["data"].get("role") == role
        and e["data"].get("state") in ("declined", "withdrawn")
    ]
    message = ended[-1]["text"] if ended else f"handoff of {role} {verb}"
    _then_show(ctx, detail, as_json, f"{detail['ref']}: {message}.")
