"""What every page shares: templates, the signed-in person, CSRF, forms and static assets.

    render(request, "x.html", **ctx)   an HTML answer with `me`, `csrf_token`, `team`, `static`
    SignedIn                           the session's Actor; no session -> sign in first
    Csrf                               a POST dependency: the form's or header's token must match
    read_form(request)                 the posted fields as strings (files are refused)

A missing or ended session raises `SignInRequired`, answered by `signin_required` below: a
GET is redirected to /signin?next=PATH; a POST gets the sign-in page (401, or 403 for a bad
CSRF token), while the browser keeps what was typed (static/muster.js saves drafts).
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.datastructures import UploadFile

from muster import reads
from muster.actions import users
from muster.actions.base import Actor, Runtime
from muster.errors import InvalidInput

WEB = Path(__file__).resolve().parent.parent
COOKIE = "muster_session"
MAX_FIELDS = 200
MAX_FIELD_BYTES = 64 * 1024

env = Environment(
    loader=FileSystemLoader(WEB / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,  # the templates ship with the package: no stat of each file per render
)


@dataclass(frozen=True)
class Asset:
    body: bytes
    etag: str  # a hash of the content: the cache-busting `v` in its URL
    media_type: str


def _load_assets(folder: Path) -> dict[str, Asset]:
    """Every file in static/, read once: they are small and never change while running."""
    found = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and not path.name.endswith(".md"):
            body = path.read_bytes()
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if media_type.startswith("text/") or media_type.endswith("javascript"):
                media_type += "; charset=utf-8"
            found[path.name] = Asset(body, hashlib.sha256(body).hexdigest()[:16], media_type)
    return found


ASSETS = _load_assets(WEB / "static")


def static(name: str) -> str:
    """The URL of a static asset, with its content hash so it can be cached forever."""
    return f"/static/{name}?v={ASSETS[name].etag}"


def age(since: datetime, now: datetime) -> str:
    """How long ago, in the two largest units: `under 1m`, `3m`, `2h 05m`, `4d 7h`."""
    seconds = max(int((now - since).total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, minutes = rest // 3600, rest % 3600 // 60
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m" if minutes else "under 1m"


def when(moment: datetime, tz: str, now: datetime) -> str:
    """A time on the team's clock: `18:37` today, `Fri 20 Nov 18:37` on another day."""
    zone = ZoneInfo(tz)
    local = moment.astimezone(zone)
    same_day = local.date() == now.astimezone(zone).date()
    return local.strftime("%H:%M" if same_day else "%a %d %b %H:%M")


env.globals.update(static=static, age=age, when=when)


def runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


def team_name(rt: Runtime) -> str:
    plan = reads.plan_now(rt)
    return plan.team.name if plan is not None else "Muster"


#: Templates that are pieces of a page (htmx swaps), without the page's header.
FRAGMENTS = ("room_part", "_")


def render(request: Request, name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
    """Render a template with what every page needs; pages are personal, so never cached."""
    session: users.WebSession | None = getattr(request.state, "session", None)
    ctx.setdefault("me", session.actor if session else None)
    ctx.setdefault("csrf_token", session.csrf if session else "")
    if "team" not in ctx and not name.startswith(FRAGMENTS):  # a read of the plan: only if shown
        ctx["team"] = team_name(runtime(request))
    ctx.setdefault("path", request.url.path)
    html = env.get_template(name).render(request=request, **ctx)
    return HTMLResponse(html, status_code=status_code, headers={"Cache-Control": "no-store"})


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def see_other(url: str) -> RedirectResponse:
    """Post/redirect/get: after a form, the browser asks for the page anew."""
    return RedirectResponse(url, status_code=303)


def safe_next(target: str | None, default: str = "/incidents") -> str:
    """A path on this site to return to after signing in; anything else is the default
    (an open redirect would let a phishing link bounce through us)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    if any(ord(c) < 32 for c in target):
        return default
    return target


# Sign-in and CSRF ---------------------------------------------------------------------------


class SignInRequired(Exception):
    """No live session (`reason` "signin" or "expired"), or a CSRF token that does not match
    ("csrf"). Answered by `signin_required`, never a 500."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


REASONS = {
    "signin": "Sign in to continue.",
    "expired": "Your session has ended (signed out, idle for 12 hours, or a password change). "
    "Sign in again; what you typed is kept in this browser and comes back on the page.",
    "csrf": "That form was sent without a valid security token (an old tab, or another site). "
    "Nothing was changed. Sign in again; what you typed is kept in this browser.",
}


def page_session(request: Request) -> users.WebSession:
    """The live session behind the cookie, kept on `request.state` for `render`."""
    session = users.current_session(runtime(request), request.cookies.get(COOKIE))
    if session is None:
        raise SignInRequired("expired" if COOKIE in request.cookies else "signin")
    request.state.session = session
    return session


def page_actor(session: Annotated[users.WebSession, Depends(page_session)]) -> Actor:
    return session.actor


SignedIn = Annotated[Actor, Depends(page_actor)]


@dataclass
class Form:
    """Posted fields as strings, each name with all its values in order."""

    fields: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def getlist(self, name: str) -> list[str]:
        return list(self.fields.get(name, []))

    def checked(self, name: str) -> bool:
        return self.get(name).lower() in ("on", "true", "1", "yes")


def _require_storable(name: str, value: str) -> None:
    """NUL characters and lone surrogates: no browser sends them, no database stores them."""
    if "\x00" in value:
        raise InvalidInput(f"the {name} contains a NUL character", hint="remove it", field=name)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidInput(
            f"the {name} is not valid Unicode text", hint="send the form as UTF-8", field=name
        ) from None


async def read_form(request: Request) -> Form:
    """The posted form, read once per request; junk (files, huge or broken bodies) is a 422."""
    cached: Form | None = getattr(request.state, "form", None)
    if cached is not None:
        return cached
    try:
        data = await request.form(max_files=0, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
    except Exception as error:  # malformed multipart or encoding: the body is the problem
        raise InvalidInput(
            f"the form could not be read: {str(error)[:200] or type(error).__name__}",
            hint="send the page's form as it is",
        ) from None
    form = Form()
    for name, value in data.multi_items():
        if isinstance(value, UploadFile):
            raise InvalidInput("files are not accepted here", field=name)
        _require_storable(name, value)
        form.fields.setdefault(name, []).append(value)
    request.state.form = form
    return form


Posted = Annotated[Form, Depends(read_form)]


async def check_csrf(
    request: Request, session: Annotated[users.WebSession, Depends(page_session)]
) -> None:
    """Every state-changing POST carries the session's token: in the `csrf` field of a form,
    or in the X-CSRF-Token header that htmx sends (set on <body> in base.html)."""
    sent = request.headers.get("x-csrf-token") or (await read_form(request)).get("csrf")
    if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
        raise SignInRequired("csrf")


Csrf = Depends(check_csrf)


def back_path(request: Request) -> str:
    """The page to come back to after signing in: this one for a page load, the page a form
    or fragment was posted from otherwise (same site only)."""
    if request.method in ("GET", "HEAD") and not is_htmx(request):
        back = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        came_from = request.headers.get("hx-current-url") or request.headers.get("referer")
        parts = urlsplit(came_from or "")
        same_site = parts.netloc in ("", request.url.netloc)
        back = (parts.path + (f"?{parts.query}" if parts.query else "")) if same_site else ""
    return safe_next(back)


def signin_url(back: str, reason: str) -> str:
    query = f"next={quote(back, safe='/')}"
    return f"/signin?{query}" + (f"&reason={reason}" if reason != "signin" else "")


async def signin_required(request: Request, error: Exception) -> Response:
    reason = error.reason if isinstance(error, SignInRequired) else "signin"
    back = back_path(request)
    status = 403 if reason == "csrf" else 401
    if is_htmx(request):  # htmx does not swap a 4xx: tell it to load the sign-in page
        return Response(status_code=status, headers={"HX-Redirect": signin_url(back, reason)})
    if request.method in ("GET", "HEAD"):
        return RedirectResponse(signin_url(back, reason), status_code=303)
    return render(request, "signin.html", status, me=None, message=REASONS[reason], next=back)
