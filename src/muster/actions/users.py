"""Web sign-in: passwords (argon2) and server-side sessions.

Only people in the plan in force can sign in. A session ends when it has been idle for
`IDLE` or is older than `LIFETIME`, when its person signs out, or when their password is
set again; because the session lives in the database, ending it takes effect on the very
next request. The cookie carries a random token whose SHA-256 is the only copy stored.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection

from muster.actions.base import Actor, Runtime, digest
from muster.errors import InvalidInput, Unauthorized
from muster.storage import records, sessions

IDLE = timedelta(hours=12)
LIFETIME = timedelta(days=7)
#: `last_seen_at` is written at most this often, so reading pages does not mean writing rows.
TOUCH_EVERY = timedelta(minutes=5)
MIN_PASSWORD = 10
MAX_PASSWORD = 1024  # argon2 hashes anything, but a megabyte "password" is an attack

#: argon2id with the library's defaults (RFC 9106 low-memory: 64 MiB, 3 passes): about
#: 0.15 s a hash on a small server, on purpose. Tests swap in a cheaper one.
HASHER = PasswordHasher()
WRONG = Unauthorized(
    "the handle or the password is wrong",
    hint="check both; the server's operator sets passwords with `muster user set-password HANDLE`",
    field="password",
)


@dataclass(frozen=True)
class WebSession:
    """A signed-in browser: `token` goes in the cookie, `csrf` in every form it posts."""

    token: str
    actor: Actor
    csrf: str
    expires_at: datetime


@cache
def dummy_hash() -> str:
    """A hash to verify against for unknown handles, so a wrong handle costs the same time as
    a wrong password and the answer does not say which people exist."""
    return HASHER.hash(secrets.token_urlsafe(16))


def _verify(hashed: str, password: str) -> bool:
    try:
        return bool(HASHER.verify(hashed, password[:MAX_PASSWORD]))
    except (VerificationError, InvalidHashError):
        return False


def _people(rt: Runtime, conn: Connection) -> set[str]:
    latest = records.latest_plan(conn)
    return set() if latest is None else rt.plan(conn, latest.version).handles()


def set_password(rt: Runtime, handle: str, password: str, *, keep: str | None = None) -> int:
    """Set `handle`'s password (an operator's command) and end their other sessions (all but
    the one whose cookie token is `keep`). Returns how many sessions were ended."""
    handle = handle.strip().lower()
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(
            f"the password is shorter than {MIN_PASSWORD} characters",
            hint="use a longer passphrase, like four random words",
            field="password",
        )
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(
            f"the password is longer than {MAX_PASSWORD} characters",
            hint="use a shorter one",
            field="password",
        )
    hashed = HASHER.hash(password)  # slow on purpose: outside the transaction
    with rt.db.transaction() as conn:
        people = _people(rt, conn)
        if handle not in people:
            raise InvalidInput(
                f"{handle!r} is not a person in the plan in force",
                hint="only plan people sign in; use one of: " + ", ".join(sorted(people)),
                field="handle",
            )
        sessions.set_password_hash(conn, handle, hashed, rt.clock())
        return sessions.delete_sessions_of(
            conn, handle, keep=digest(keep) if keep is not None else None
        )


def sign_in(rt: Runtime, handle: str, password: str) -> WebSession:
    """A new session for `handle`, or `WRONG` (401) for any bad handle or password.

    The same message, and one argon2 verification, whichever part was wrong.
    """
    handle = handle.strip().lower()[:64]
    with rt.db.read() as conn:
        stored = sessions.password_hash(conn, handle)
        known = handle in _people(rt, conn)
    if not (_verify(stored or dummy_hash(), password) and stored and known):
        raise WRONG
    now = rt.clock()
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires_at = now + LIFETIME
    with rt.db.transaction() as conn:
        sessions.delete_expired(conn, now - IDLE, now)
        sessions.insert_session(
            conn, digest=digest(token), handle=handle, csrf=csrf, at=now, expires_at=expires_at
        )
    return WebSession(token, Actor(handle), csrf, expires_at)


def current_session(rt: Runtime, token: str | None) -> WebSession | None:
    """The live session behind a cookie token, or None when there is none or it has ended
    (idle, too old, password changed, person no longer in the plan)."""
    if not token or len(token) > 200:
        return None
    key = digest(token)
    now = rt.clock()
    with rt.db.read() as conn:
        row = sessions.session_by_digest(conn, key)
        if row is None:
            return None
        known = row.handle in _people(rt, conn)
    if not known or now - row.last_seen_at >= IDLE or now >= row.expires_at:
        with rt.db.transaction() as conn:
            sessions.delete_session(conn, key)
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        with rt.db.transaction() as conn:
            sessions.touch_session(conn, row.id, now)
    return WebSession(token, Actor(row.handle), row.csrf, row.expires_at)


def sign_out(rt: Runtime, token: str | None) -> None:
    """End the session behind `token` (nothing to do when there is none)."""
    if token:
        with rt.db.transaction() as conn:
            sessions.delete_session(conn, digest(token))
