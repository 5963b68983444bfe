"""Message templates: the pre-approved holding statements of a plan, with `{placeholders}`.

A template is written during a calm week and filled in during an outage, so every mistake in
one must surface at `muster plan check` time, never in front of customers. That is why the
syntax is deliberately smaller than `str.format`: only `{name}` with a name from
`PLACEHOLDERS`, and `{{` / `}}` for literal braces. Attribute access (`{title.upper}`),
indexing, conversions (`{title!r}`) and format specs (`{title:>5}`) are refused: they can do
nothing useful in prose, and `str.format` would evaluate them against our values.

    >>> render("{ref}: {title}. Next update at {next_update}.",
    ...        {"ref": "INC-42", "title": "Login fails", "next_update": "18:40"})
    'INC-42: Login fails. Next update at 18:40.'
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping

#: Every placeholder a template may use, and what it is filled with.
PLACEHOLDERS: dict[str, str] = {
    "ref": "the incident's reference, like INC-42",
    "title": "the incident's title",
    "severity": "the severity's name, like SEV1",
    "impact": "what users can and cannot do, as recorded on the incident",
    "services": "the affected services, comma-separated",
    "status": "the public status word: investigating, identified, monitoring or resolved",
    "next_update": "the time of the next update, HH:MM in the team's timezone",
    "next_update_in": "how long until the next update, like 15 minutes",
    "commander": "who holds the commander role",
    "communicator": "who holds the communicator role",
    "fixer": "who holds the fixer role",
    "team": "the team's name from the plan",
}

_FORMATTER = string.Formatter()


def _fields(text: str) -> Iterator[tuple[str, str | None]]:
    """(literal text, placeholder name or None) in order; ValueError on anything but `{name}`.

    `Formatter.parse` already turns `{{` and `}}` into single braces in the literal parts and
    raises ValueError on an unmatched brace; we add the refusals described in the module doc.
    """
    try:
        parts = list(_FORMATTER.parse(text))
    except ValueError as error:
        raise ValueError(
            f"malformed braces ({error}); write a placeholder as {{name}} "
            "and a literal brace as {{ or }}"
        ) from None
    for literal, name, spec, conversion in parts:
        if name is None:
            yield literal, None
            continue
        if name == "":
            raise ValueError(
                "empty braces {} are not a placeholder; write {name}, like {title}, "
                "or {{}} for literal braces"
            )
        if conversion is not None or spec:
            written = (
                "{"
                + name
                + (f"!{conversion}" if conversion else "")
                + (f":{spec}" if spec else "")
                + "}"
            )
            raise ValueError(
                f"{written} is not supported: templates take no conversions or format specs; "
                f"write {{{name}}}"
            )
        yield literal, name


def placeholders(text: str) -> list[str]:
    """The placeholder names `text` uses, each once, in order of first use.

    Names are returned as written, known or not (see `unknown_placeholders`). Raises
    ValueError, with the fix, on malformed braces, empty braces, conversions or format specs.
    """
    seen: dict[str, None] = {}
    for _, name in _fields(text):
        if name is not None:
            seen.setdefault(name, None)
    return list(seen)


def unknown_placeholders(text: str) -> list[str]:
    """The names `text` uses that are not in `PLACEHOLDERS`, in order of first use.

    Raises ValueError like `placeholders` when the text is malformed.
    """
    return [name for name in placeholders(text) if name not in PLACEHOLDERS]


def unknown_message(name: str) -> str:
    """How to report the unknown placeholder `name`: what is wrong and the names to use."""
    known = ", ".join("{" + known + "}" for known in PLACEHOLDERS)
    return f"{{{name}}} is not a placeholder; use one of {known}"


def render(text: str, values: Mapping[str, str]) -> str:
    """`text` with each `{name}` replaced by `values[name]`, and `{{`/`}}` by single braces.

    Values are inserted verbatim, never parsed again, so braces inside an incident's title are
    safe. Raises ValueError naming the problem when the text is malformed, uses an unknown
    placeholder, or uses a known one that `values` does not fill (a caller's bug, but one to
    report plainly rather than post a message with a hole in it).
    """
    pieces: list[str] = []
    for literal, name in _fields(text):
        pieces.append(literal)
        if name is None:
            continue
        if name not in PLACEHOLDERS:
            raise ValueError(unknown_message(name))
        if name not in values:
            raise ValueError(f"{{{name}}} has no value to fill it with")
        pieces.append(values[name])
    return "".join(pieces)
