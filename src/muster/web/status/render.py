"""The status page and the Atom feed as bytes: rendered when the public record changes, never
per request (see `cache`)."""

from __future__ import annotations

from datetime import UTC, date, datetime, tzinfo
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

from muster.web import feed
from muster.web.status.view import PublicStatus

FEED_PATH = "/status/feed.atom"

_env = Environment(
    loader=FileSystemLoader(Path(__file__).resolve().parent.parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def when(moment: datetime, tz: tzinfo) -> str:
    """`20 Nov 2026, 18:25 CET (17:25 UTC)`: the team's clock for the team's customers, UTC
    for everyone else; the UTC date is added when it is another day."""
    here, utc = moment.astimezone(tz), moment.astimezone(UTC)
    other = "%d %b %H:%M UTC" if utc.date() != here.date() else "%H:%M UTC"
    return f"{here:%d %b %Y, %H:%M %Z} ({utc.strftime(other)})"


def day(value: date) -> str:
    return f"{value:%a %d %b %Y}"


_env.filters["day"] = day


def status_page(view: PublicStatus) -> bytes:
    template = _env.get_template("status.html")
    return template.render(view=view, when=lambda m: when(m, view.tz), feed_path=FEED_PATH).encode()


def atom(view: PublicStatus, base: str) -> bytes:
    """The feed of the same read, its links absolute under `base` (Atom wants full IRIs)."""
    return feed.atom(view.feed_rows, base).encode()
