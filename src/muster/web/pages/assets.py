"""/static/NAME: the vendored htmx, muster.js and muster.css, served from memory.

URLs made by `static()` carry the content hash (`?v=`), so they are cached for a year as
immutable; a new release changes the hash and therefore the URL. Without the current hash
(an old or hand-typed URL) the answer may be cached for five minutes only. Either way the
ETag lets a browser revalidate with a 304.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from muster.errors import NotFound
from muster.web.pages.common import ASSETS

router = APIRouter(include_in_schema=False)
FOREVER = "public, max-age=31536000, immutable"
SHORT = "public, max-age=300"


@router.get("/static/{name}")
def asset(request: Request, name: str, v: str = "") -> Response:
    found = ASSETS.get(name)
    if found is None:
        raise NotFound(f"there is no static file {name!r}", hint="reload the page")
    etag = f'"{found.etag}"'
    headers = {"ETag": etag, "Cache-Control": FOREVER if v == found.etag else SHORT}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(found.body, media_type=found.media_type, headers=headers)
