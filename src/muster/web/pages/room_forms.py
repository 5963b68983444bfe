"""The room's forms: each one parses what was posted and calls the same action the API calls.

Without JavaScript a form answers 303 back to the room (or the focus view); with htmx it
answers the piece of the room it replaces. A refusal (any MusterError) re-renders the form
with the message next to the field it names and everything typed kept, with the error's
status (422, 403, 409); a 404 for the incident itself is the error page. Every POST carries
the session's CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from muster.actions import incidents, paging, questions, record, roles, updates
from muster.errors import InvalidInput, MusterError, NotFound
from muster.web.pages.common import (
    Csrf,
    Form,
    Posted,
    SignedIn,
    is_htmx,
    runtime,
    see_other,
)
from muster.web.pages.room_view import FormState, failed, show_part, show_room

router = APIRouter(include_in_schema=False, dependencies=[Csrf])

#: The longest value each field takes, as the API's schemas allow.
LIMITS = {"text": 10_000, "why": 10_000, "reason": 10_000, "answer": 4000}
SHORT = 64


def fields_of(form: Form, names: tuple[str, ...]) -> dict[str, str]:
    """The named fields as typed; NUL characters and oversized values are refused up front
    (the database cannot store a NUL), naming the field."""
    values = {name: form.get(name) for name in names}
    for name, value in values.items():
        if "\x00" in value:
            raise InvalidInput(f"the {name} contains a NUL character", hint="remove it", field=name)
        limit = LIMITS.get(name, SHORT)
        if len(value) > limit:
            raise InvalidInput(
                f"the {name} is longer than {limit:,} characters", hint="shorten it", field=name
            )
    return values


def _answer(
    request: Request,
    who: SignedIn,
    ref: str,
    form: Form,
    name: str,
    names: tuple[str, ...],
    act: Callable[[dict[str, str]], object],
    part: str = "",
    aliases: dict[str, str] | None = None,
) -> Response:
    """Run `act` with the form's values and answer as the browser needs: the fresh piece
    (htmx) or a redirect (plain form); on a refusal, the form again with the error."""
    focus = form.get("back") == "focus"
    values = {name: form.get(name) for name in names}
    try:
        values = fields_of(form, names)
        act(values)
    except MusterError as error:
        state = failed(values, error, names, aliases)
        forms = {name: state}
        # A question's form is gone once it is answered or merged: say it above the queue.
        extra: dict[str, Any] = {"queue_error": state.error("")} if part == "questions" else {}
        if is_htmx(request):
            return show_part(
                request,
                who,
                ref,
                part or name,
                forms=forms,
                status_code=error.status,
                focus=focus,
                **extra,
            )
        return show_room(
            request, who, ref, forms=forms, status_code=error.status, focus=focus, **extra
        )
    if is_htmx(request):
        return show_part(request, who, ref, part or name, focus=focus)
    return see_other(f"/incidents/{quote(ref)}{'/focus' if focus else ''}#timeline")


def _at(value: str) -> str | None:
    return value.strip() or None


@router.post("/incidents/{ref}/log")
def log(ref: str, request: Request, who: SignedIn, form: Posted) -> Response:
    rt = runtime(request)
    return _answer(
        request,
        who,
        ref,
        form,
        "log",
        ("text", "kind", "at"),
        lambda v: record.log_entry(
            rt, who, ref, v["text"], kind=v["kind"] or "note", at=_at(v["at"])
        ),
    )


@router.post("/incidents/{ref}/decide")
def decide(ref: str, request: Request, who: SignedIn, form: Posted) -> Response:
    rt = runtime(request)
    return _answer(
        request,
        who,
        ref,
        form,
        "decide",
        ("decision", "why", "at"),
        lambda v: record.record_decision(
            rt, who, ref, v["decision"], why=v["why"], at=_at(v["at"])
        ),
    )


@router.post("/incidents/{ref}/milestone")
def milestone(ref: str, request: Request, who: SignedIn, form: Posted) -> Response:
    rt = runtime(request)
    return _answer(
        request,
        who,
        ref,
        form,
        "milestone",
        ("milestone", "at"),
        lambda v: incidents.record_milestone(rt, who, ref, v["milestone"], at=_at(v["at"])),
    )


@router.post("/incidents/{ref}/handoff")
def handoff(ref: str, request: Request, who: SignedIn, form: Posted) -> Response:
    rt = runtime(request)

    def offer(v: dict[str, str]) -> None:
        if not v["to"].strip():
            raise InvalidInput("choose who receives the role", hint="pick a person", field="to")
        roles.propose_handoff(rt, who, ref, v["role"], v["to"].strip(), reason=v["reason"])

    return _answer(request, who, ref, form, "handoff", ("role", "to", "reason"), offer)


@router.post("/incidents/{ref}/roles/{role}/accept")
def accept(ref: str, role: str, request: Request, who: SignedIn, form: Posted) -> Response:
    rt = runtime(request)
    return _role_change(
        request, who, ref, form, lambda: roles.accept_handoff(rt, who, ref, role[:SHORT])
    )


@router.post("/incidents/{ref}/roles/{role}/cancel")
def cancel(ref: str, role: str, request: Request, who: SignedIn, form: Posted) -> Response:
    rt = runtime(request)
    return _role_change(
        request, who, ref, form, lambda: roles.cancel_handoff(rt, who, ref, role[:SHORT])
    )


@router.post("/incidents/{ref}/ack")
def ack(ref: str, request: Request, who: SignedIn, form: Posted) -> Response:
    """Acknowledge: the escalation stops paging (a second click changes nothing)."""
    rt = runtime(request)
    return _role_change(request, who, ref, form, lambda: paging.acknowledge(rt, who, ref))


def _role_change(
    request: Request, who: SignedIn, ref: str, form: Form, act: Callable[[], object]
) -> Response:
    """Accept, cancel and acknowledge are buttons in the top of the room: a refusal is shown
    there."""
    try:
        act()
    except MusterError as error:
        message = error.message + (f" ({error.hint})" if error.hint else "")
        if is_htmx(request):
            return show_part(
                request, who, ref, "state", status_code=error.status, state_error=message
            )
        forms = {"handoff": FormState(errors={"": message})}
        return show_room(request, who, ref, forms=forms, status_code=error.status)
    if is_htmx(request):
        return show_part(request, who, ref, "state")
    return see_other(f"/incidents/{quote(ref)}")


@router.post("/incidents/{ref}/update")
def update(ref: str, request: Request, who: SignedIn, form: Posted) -> Response:
    """Preview first (`do=preview`: the rendered text and the guard's findings, nothing
    posted), then post (`do=post`, with `strict` refusing what the guard flags)."""
    rt = runtime(request)
    names = ("track", "template", "text", "status", "next", "strict")
    preview = form.get("do") == "preview"
    shown: FormState | None = None

    def post(v: dict[str, str]) -> None:
        nonlocal shown
        posted = updates.post_update(
            rt,
            who,
            ref,
            track=v["track"] or "customer",
            text=v["text"] if v["text"].strip() else None,
            template=v["template"].strip() or None,
            status=v["status"].strip() or None,
            next_update=_at(v["next"]),
            preview=preview,
            strict=form.checked("strict"),
        )
        if preview:
            shown = FormState(values=v, preview=posted)

    answer = _answer(request, who, ref, form, "update", names, post)
    if shown is None:
        return answer
    forms = {"update": shown}
    if is_htmx(request):
        return show_part(request, who, ref, "update", forms=forms)
    return show_room(request, who, ref, forms=forms)


def _number(value: str) -> int:
    text = value.strip()
    if not text.isdigit() or len(text) > 9:
        raise InvalidInput(
            f"{value[:40]!r} is not a question number", hint="give a number", field="into"
        )
    return int(text)


def _question(number: str) -> int:
    """The path's question number; junk names no question."""
    if not number.isdigit() or len(number) > 9:
        raise NotFound(f"there is no question {number[:40]!r}", hint="pick one from the list")
    return int(number)


@router.post("/incidents/{ref}/questions/{number}/answer")
def answer(ref: str, number: str, request: Request, who: SignedIn, form: Posted) -> Response:
    rt = runtime(request)
    n = _question(number)
    return _answer(
        request,
        who,
        ref,
        form,
        f"answer-{n}",
        ("text",),
        lambda v: questions.answer(rt, who, ref, n, v["text"]),
        aliases={"answer": "text"},
        part="questions",
    )


@router.post("/incidents/{ref}/questions/{number}/merge")
def merge(ref: str, number: str, request: Request, who: SignedIn, form: Posted) -> Response:
    rt = runtime(request)
    n = _question(number)
    return _answer(
        request,
        who,
        ref,
        form,
        f"merge-{n}",
        ("into",),
        lambda v: questions.merge(rt, who, ref, n, _number(v["into"])),
        part="questions",
    )


@router.post("/incidents/{ref}/questions/{number}/forward")
def forward(ref: str, number: str, request: Request, who: SignedIn, form: Posted) -> Response:
    rt = runtime(request)
    n = _question(number)
    return _answer(
        request,
        who,
        ref,
        form,
        f"forward-{n}",
        (),
        lambda v: questions.forward(rt, who, ref, n),
        part="questions",
    )
