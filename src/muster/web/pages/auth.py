"""Sign in and sign out; `/` sends people where they belong."""

from __future__ import annotations

import hmac
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import Response

from muster.actions import users
from muster.errors import MusterError
from muster.web.pages.common import (
    COOKIE,
    REASONS,
    Posted,
    SignInRequired,
    render,
    runtime,
    safe_next,
    see_other,
)

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    session = users.current_session(runtime(request), request.cookies.get(COOKIE))
    return see_other("/incidents" if session else "/signin")


@router.get("/signin")
def signin_page(request: Request, next: str = "", reason: str = "") -> Response:
    return render(
        request, "signin.html", me=None, next=safe_next(next), message=REASONS.get(reason, "")
    )


def _cross_site(request: Request) -> bool:
    """A sign-in posted from another site (login CSRF): browsers always send Origin on POST."""
    origin = request.headers.get("origin")
    return bool(origin) and urlsplit(origin).netloc != request.url.netloc


@router.post("/signin")
def signin(request: Request, form: Posted) -> Response:
    handle, target = form.get("handle"), safe_next(form.get("next"))
    if _cross_site(request):
        raise SignInRequired("csrf")
    rt = runtime(request)
    try:
        session = users.sign_in(rt, handle, form.get("password"))
    except MusterError as error:
        return render(request, "signin.html", 401, me=None, next=target, handle=handle, error=error)
    response = see_other(target)
    response.set_cookie(
        COOKIE,
        session.token,
        max_age=int(users.LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/signout")
def signout(request: Request, form: Posted) -> Response:
    """End the session on the server (the cookie alone would outlive a copied token)."""
    rt = runtime(request)
    token = request.cookies.get(COOKIE)
    session = users.current_session(rt, token)
    if session is not None:
        sent = request.headers.get("x-csrf-token") or form.get("csrf")
        if not hmac.compare_digest(sent.encode(), session.csrf.encode()):
            raise SignInRequired("csrf")  # another site may not sign you out
        users.sign_out(rt, token)
    response = see_other("/signin")
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax")
    return response
