"""`muster status export DIR`: the public status page as static files, for hosting elsewhere.

It fetches the public pages from the server like any visitor (no token needed), makes their
links relative, and writes each file whole (a temporary file renamed into place), so a web
server publishing DIR never serves half a page. Run it from cron to keep a copy up to date.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Annotated

import httpx
import typer

from muster.cli.main import app, fail

status_app = typer.Typer(no_args_is_help=True)
app.add_typer(status_app, name="status", help="The public status page: export it as files.")

FEED = "/status/feed.atom"


@status_app.command("export")
def export(
    ctx: typer.Context,
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="where to write index.html and feed.atom")
    ],
    public_url: Annotated[
        str | None,
        typer.Option(
            help="where DIR will be served, like https://status.example.com; the feed's links "
            "point there (default: at the Muster server)"
        ),
    ] = None,
) -> None:
    """Write the public status page (index.html) and its Atom feed (feed.atom) to DIR."""
    api = ctx.obj.client()
    page = _fetch(api.http, api.url, "/status")
    feed = _fetch(api.http, api.url, FEED)
    page = page.replace(f'href="{FEED}"', 'href="feed.atom"')
    if public_url:
        public = public_url.rstrip("/")
        base = str(api.http.base_url).rstrip("/")
        feed = feed.replace(f"{base}{FEED}", f"{public}/feed.atom")
        feed = feed.replace(f"{base}/status", f"{public}/")
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for name, text in (("index.html", page), ("feed.atom", feed)):
            _write_whole(directory / name, text)
    except OSError as error:
        fail(
            f"cannot write to {directory}: {error.strerror or error}",
            "choose a directory you can write to, or fix its permissions",
        )
    typer.echo(f"Wrote {directory / 'index.html'} and {directory / 'feed.atom'}.")


def _fetch(http: httpx.Client, url: str, path: str) -> str:
    try:
        response = http.get(path)
    except httpx.TransportError as error:
        fail(
            f"cannot reach Muster at {url} ({error.__class__.__name__})",
            "start it with `muster serve`, or point MUSTER_URL (or --url) at it",
            1,
        )
    if response.status_code != 200:
        fail(
            f"{url}{path} answered {response.status_code} {response.reason_phrase}",
            "check that MUSTER_URL points at a Muster server and that it is up to date",
            2 if response.status_code < 500 else 1,
        )
    return response.text


def _write_whole(path: Path, text: str) -> None:
    """Write `path` by renaming a finished temporary file over it (readable by all: it is
    published)."""
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(text)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
