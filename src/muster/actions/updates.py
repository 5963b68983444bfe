"""Updates on the two tracks: every one says when the next comes, and customers hear facts.

A customer update is checked by the guard for internal details before it goes out; with
`strict` a finding refuses it. Templates from the plan are filled with the incident's facts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row

from muster.actions.base import (
    Actor,
    Pen,
    PlanInForce,
    Runtime,
    load_incident,
    parse_choice,
    plan_in_force,
    reference,
    require_text,
)
from muster.actions.messages import Outgoing
from muster.domain.guard import Finding, check_customer_text
from muster.domain.hats import wearers
from muster.domain.records import CustomerStatus, EntryKind, Track
from muster.domain.roles import Role
from muster.domain.templates import render
from muster.domain.timeparse import parse_next, spoken
from muster.errors import Conflict, Forbidden, InvalidInput, NotFound
from muster.storage import comms, incidents, timeline


@dataclass(frozen=True)
class Posted:
    """What `post_update` did (or, for a preview, would do)."""

    number: int | None  # None for a preview
    track: Track
    status: CustomerStatus | None
    text: str
    next_update_at: datetime | None
    findings: list[Finding] = field(default_factory=list)
    queued: int = 0


def post_update(
    rt: Runtime,
    actor: Actor,
    ref: str,
    *,
    track: str,
    text: str | None = None,
    template: str | None = None,
    status: str | None = None,
    next_update: str | None = None,
    preview: bool = False,
    strict: bool = False,
) -> Posted:
    """Post (or preview) an update on one track, with the time of the next one.

    The next update defaults to the severity's cadence for the track; only the final
    customer update (status `resolved`) may leave it out.
    """
    lane = parse_choice(Track, track, field="track", what="a track")
    if (text is None) == (template is None):
        raise InvalidInput(
            "give the update's text or a template, not both and not neither",
            hint="muster update INC --customer TEXT, or --template NAME",
            field="text",
        )
    word = (
        None
        if status is None
        else parse_choice(CustomerStatus, status, field="status", what="a status word")
    )
    if word is not None and lane is Track.internal:
        raise InvalidInput(
            "a status word is for the customer track", hint="leave out --status", field="status"
        )
    now = rt.clock()
    with rt.db.transaction() as conn:
        row = load_incident(conn, ref, actor, lock=True)
        pif = plan_in_force(rt, conn, row.plan_version)
        earlier = comms.updates_of(conn, [row.id])[row.id]
        if lane is Track.customer and word is None:
            word = _status_default(pif, template, earlier)
        _require_updatable(row, word)
        if lane is Track.customer:
            _require_speaker(conn, row, actor)
        final = word is CustomerStatus.resolved
        due = _next_time(pif, row, lane, next_update, now, final)
        body = _body(conn, pif, row, lane, text, template, word, due, now)
        findings = _guard(conn, pif, row, body, earlier) if lane is Track.customer else []
        if findings and strict:
            raise InvalidInput(
                "the customer update looks like it leaks internal details:\n"
                + "\n".join(f"  {f.message}" for f in findings),
                hint="rewrite it with facts and impact only, or post without --strict",
                field="text",
            )
        if preview:
            return Posted(None, lane, word, body, due, findings)
        pen = Pen(conn, row.id, actor.handle, now)
        label = f"{lane} update" + (f" ({word})" if word else "")
        next_text = (
            f"\n\nNext update at {_local(due, pif)} ({pif.plan.team.timezone})." if due else ""
        )
        seq = pen.write(
            EntryKind.update,
            f"{label}: {body}",
            data={
                "track": str(lane),
                "status": word and str(word),
                "next_update_at": due.isoformat() if due else None,
                "template": template,
                "guard": [f.message for f in findings],
            },
        )
        number = comms.add_update(
            conn,
            row.id,
            track=str(lane),
            status=word and str(word),
            text=body,
            template=template,
            author=actor.handle,
            posted_at=now,
            next_update_at=due,
            seq=seq,
        )
        out = Outgoing(
            conn, pif.plan, now, row.id, row.number, drill=row.drill, private=row.private
        )
        title = f"{reference(row.number)} {label}"
        out.to_channels(str(lane), "update", str(number), title, body + next_text)
        if lane is Track.customer:
            out.to_subscribers(
                comms.subscriber_emails(conn),
                "update",
                str(number),
                title,
                body + next_text,
                rt.status_mail,
            )
    if out.queued:
        rt.wake.set()
    return Posted(number, lane, word, body, due, findings, out.queued)


def _require_updatable(row: Row[Any], word: CustomerStatus | None) -> None:
    if row.reviewed_at is not None:
        raise Conflict(f"{reference(row.number)} is closed", hint="updates end with the review")
    if row.resolved_at is not None and word is not CustomerStatus.resolved:
        raise Conflict(
            f"{reference(row.number)} is resolved; only the final update can follow",
            hint="post it with --customer --status resolved",
        )


def _require_speaker(conn: Connection, row: Row[Any], actor: Actor) -> None:
    """Customers hear one voice: the communicator (or their backup), or the commander."""
    roles = incidents.roles_of(conn, [row.id])[row.id]
    holders = wearers({role: r.holder for role, r in roles.items()})
    allowed = {holders[Role.communicator], holders[Role.commander], roles[Role.communicator].backup}
    if not actor.admin and actor.handle not in allowed:
        raise Forbidden(
            f"only {holders[Role.communicator]} (communicator) or {holders[Role.commander]} "
            "(commander) posts customer updates",
            hint=f"ask {holders[Role.communicator]} with `muster ask`, or post on --internal",
        )


def _status_default(
    pif: PlanInForce, template: str | None, earlier: list[Row[Any]]
) -> CustomerStatus:
    """The template's status word, else the last customer update's, else `investigating`."""
    chosen = pif.plan.template(template) if template else None
    if chosen is not None and chosen.status:
        return CustomerStatus(chosen.status)
    customer = [u for u in earlier if u.track == Track.customer and u.status]
    return CustomerStatus(customer[-1].status) if customer else CustomerStatus.investigating


def _next_time(
    pif: PlanInForce, row: Row[Any], lane: Track, text: str | None, now: datetime, final: bool
) -> datetime | None:
    if final:
        if text:
            raise InvalidInput(
                "the resolved update is the last one", hint="leave out --next", field="next"
            )
        return None
    if not text:
        severity = pif.plan.severity(row.severity)
        assert severity is not None  # the plan version the incident was declared under
        return now + severity.cadence_for(str(lane))
    try:
        return parse_next(text, now, pif.tz)
    except ValueError as error:
        message, _, hint = str(error).partition("; ")
        raise InvalidInput(message, hint=hint, field="next") from None


def _local(moment: datetime, pif: PlanInForce) -> str:
    return moment.astimezone(pif.tz).strftime("%H:%M")


def _body(
    conn: Connection,
    pif: PlanInForce,
    row: Row[Any],
    lane: Track,
    text: str | None,
    template: str | None,
    word: CustomerStatus | None,
    due: datetime | None,
    now: datetime,
) -> str:
    if text is not None:
        return require_text(text, "text", hint="say what users can and cannot do, and what next")
    assert template is not None
    chosen = pif.plan.template(template)
    if chosen is None:
        names = ", ".join(sorted(pif.plan.templates)) or "none in the plan"
        raise NotFound(
            f"there is no template {template!r}", hint=f"use one of: {names}", field="template"
        )
    if chosen.track != lane:
        raise InvalidInput(
            f"template {template!r} is for the {chosen.track} track",
            hint=f"use --{chosen.track}, or a template for the {lane} track",
            field="template",
        )
    holders = wearers(
        {role: r.holder for role, r in incidents.roles_of(conn, [row.id])[row.id].items()}
    )
    values = {
        "ref": reference(row.number),
        "title": row.title,
        "severity": row.severity,
        "impact": row.impact or "Some users may be affected.",
        "services": _service_names(pif, incidents.services_of(conn, [row.id])[row.id], lane),
        "status": str(word or ""),
        "next_update": _local(due, pif) if due else "",
        "next_update_in": spoken(due - now) if due else "",
        "commander": holders[Role.commander],
        "communicator": holders[Role.communicator],
        "fixer": holders[Role.fixer],
        "team": pif.plan.team.name,
    }
    try:
        return render(chosen.text, values).strip()
    except ValueError as error:
        raise InvalidInput(
            str(error), hint="fix the template in the plan", field="template"
        ) from None


def _service_names(pif: PlanInForce, names: list[str], lane: Track) -> str:
    """Services as the audience knows them: customers see status-page component names."""
    if lane is Track.customer:
        shown = []
        for name in names:
            service = pif.plan.service(name)
            shown.append(service.status_component if service and service.status_component else name)
        names = shown
    return ", ".join(dict.fromkeys(names)) or "our service"


def _guard(
    conn: Connection, pif: PlanInForce, row: Row[Any], body: str, earlier: list[Row[Any]]
) -> list[Finding]:
    """What in a customer update looks internal: the internal track, notes, and for a
    private incident its own title and impact."""
    internal = [u.text for u in earlier if u.track == Track.internal]
    internal += [
        e.text
        for e in timeline.entries(conn, row.id)
        if e.kind in (EntryKind.note, EntryKind.action, EntryKind.decision)
    ]
    if row.private:
        internal += [row.title, row.impact]
    # Nothing of a private incident may reach customers, whichever incident the update is on.
    secret = [p.title for p in incidents.private_open(conn) if p.id != row.id]
    return check_customer_text(
        body, terms=[*pif.plan.guard.terms, *secret], internal_texts=internal
    )
