"""Plans and tokens: what the server's operator does."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Connection

from muster.actions.base import Actor, Runtime, digest
from muster.errors import Forbidden, InvalidInput, NotFound, Unauthorized
from muster.plan import lint, parse_plan
from muster.storage import records

TOKEN_PREFIX = "mst_"
MAX_PLAN_BYTES = 256 * 1024


@dataclass(frozen=True)
class Applied:
    version: int
    changed: bool
    warnings: list[str]


def apply_plan(rt: Runtime, actor: Actor, source: str) -> Applied:
    """Store the plan as a new version, unless it is the same as the one in force.

    A plan with errors is refused whole, every error listed; warnings are returned.
    """
    if not actor.admin:
        raise Forbidden(
            f"{actor.handle} cannot apply plans",
            hint="plans are applied with an admin token (`muster token create NAME --admin`)",
        )
    if len(source.encode()) > MAX_PLAN_BYTES:
        raise InvalidInput(
            f"the plan is larger than {MAX_PLAN_BYTES // 1024} KB",
            hint="a plan is one page for people under stress; keep it short",
            field="plan",
        )
    now = rt.clock()
    plan, problems = parse_plan(source)
    if plan is not None:  # rollback dates and the like are judged by the team's calendar
        problems += lint(plan, now.astimezone(ZoneInfo(plan.team.timezone)).date())
    errors = [p for p in problems if p.level == "error"]
    if plan is None or errors:
        raise InvalidInput(
            "the plan has errors:\n" + "\n".join(f"  {p}" for p in errors),
            hint="fix them and apply again; `muster plan check FILE` shows them locally",
            field="plan",
        )
    fingerprint = digest(source)
    warnings = [str(p) for p in problems]
    with rt.db.transaction() as conn:
        records.serialise(conn, "plan")  # two applies of one file must not make two versions
        latest = records.latest_plan(conn)
        if latest is not None and latest.digest == fingerprint:
            return Applied(latest.version, False, warnings)
        version = records.insert_plan(
            conn, source=source, digest=fingerprint, at=now, by=actor.handle
        )
    return Applied(version, True, warnings)


def _people(rt: Runtime, conn: Connection) -> set[str] | None:
    """The handles of the plan in force, or None before any plan is applied."""
    latest = records.latest_plan(conn)
    return None if latest is None else rt.plan(conn, latest.version).handles()


def create_token(rt: Runtime, handle: str, *, admin: bool = False, label: str = "") -> str:
    """A new API token for `handle`; only its digest is stored, so it is shown once."""
    handle = handle.strip().lower()
    if not handle or not handle.replace("-", "").replace("_", "").isalnum():
        raise InvalidInput(
            f"{handle!r} is not a handle", hint="use a plan handle like alice", field="handle"
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with rt.db.transaction() as conn:
        people = _people(rt, conn)
        if not admin and people is not None and handle not in people:
            raise InvalidInput(
                f"{handle!r} is not a person in the plan",
                hint="use one of: " + ", ".join(sorted(people)) + " (or --admin for a service)",
                field="handle",
            )
        records.insert_token(
            conn, handle=handle, digest=digest(token), label=label, admin=admin, at=rt.clock()
        )
    return token


def authenticate(rt: Runtime, token: str | None, act_as: str | None = None) -> Actor:
    """The Actor behind a bearer token. An admin token may act as a plan person (`--as`)."""
    if not token:
        raise Unauthorized(
            "this call needs a token",
            hint="send `Authorization: Bearer TOKEN`; `muster token create HANDLE` makes one",
        )
    with rt.db.read() as conn:
        row = records.token_by_digest(conn, digest(token.strip()))
    if row is None:
        raise Unauthorized(
            "the token is unknown or revoked",
            hint="ask the server's operator for a new one (`muster token create`)",
        )
    if act_as:
        if not row.admin:
            raise Forbidden(
                "only an admin token can act as someone else",
                hint="leave out --as, or use an admin token",
            )
        handle = act_as.strip().lower()
        with rt.db.read() as conn:
            people = _people(rt, conn)
        if people is not None and handle not in people:
            raise InvalidInput(
                f"{handle!r} is not a person in the plan", hint="check --as", field="as"
            )
        return Actor(handle)
    return Actor(row.handle, admin=bool(row.admin))


def revoke_token(rt: Runtime, token_id: int) -> None:
    """Revoke a token at once; requests carrying it are refused from the next one on."""
    with rt.db.transaction() as conn:
        if not records.revoke_token(conn, token_id, rt.clock()):
            raise NotFound(f"no active token {token_id}", hint="`muster token list` shows them")
