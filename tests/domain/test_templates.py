"""Templates: `{name}` placeholders from a fixed list, refused early when anything else."""

from __future__ import annotations

import pytest

from muster.domain.templates import (
    PLACEHOLDERS,
    placeholders,
    render,
    unknown_message,
    unknown_placeholders,
)

VALUES = {
    "ref": "INC-42",
    "title": "Users cannot log in",
    "severity": "SEV1",
    "impact": "Some users cannot log in.",
    "services": "Login",
    "status": "investigating",
    "next_update": "18:40",
    "next_update_in": "10 minutes",
    "commander": "dan",
    "communicator": "carol",
    "fixer": "erin",
    "team": "Northwind Labs",
}


def test_the_placeholders_are_the_documented_twelve() -> None:
    assert list(PLACEHOLDERS) == list(VALUES)
    assert all(PLACEHOLDERS.values())


def test_placeholders_lists_each_name_once_in_order_of_first_use() -> None:
    text = "{ref}: {title}. {ref} again, next at {next_update}."
    assert placeholders(text) == ["ref", "title", "next_update"]


def test_doubled_braces_are_literal_and_not_placeholders() -> None:
    assert placeholders("{{ref}} and {{}}") == []
    assert render("{{ref}} is {ref}", VALUES) == "{ref} is INC-42"


def test_unknown_placeholders_are_listed_and_known_ones_are_not() -> None:
    assert unknown_placeholders("{title} by {eta}, {title.upper} {0}") == [
        "eta",
        "title.upper",
        "0",
    ]
    assert unknown_placeholders("{title}") == []


def test_render_fills_every_placeholder_verbatim() -> None:
    text = "{ref} ({severity}): {impact} Next update in {next_update_in}."
    assert render(text, VALUES) == (
        "INC-42 (SEV1): Some users cannot log in. Next update in 10 minutes."
    )


def test_braces_inside_a_value_are_not_parsed_again() -> None:
    assert render("{title}", {"title": "{impact} {{x}}"}) == "{impact} {{x}}"


def test_render_names_an_unknown_placeholder_and_the_ones_to_use() -> None:
    with pytest.raises(ValueError) as raised:
        render("Back by {eta}", VALUES)
    assert str(raised.value) == unknown_message("eta")
    assert str(raised.value).startswith("{eta} is not a placeholder; use one of {ref}, {title}, ")


def test_render_refuses_a_known_placeholder_without_a_value() -> None:
    with pytest.raises(ValueError, match=r"^\{fixer\} has no value to fill it with$"):
        render("{fixer}", {"ref": "INC-1"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Next at {next_update", "malformed braces (expected '}' before end of string)"),
        ("a } b", "malformed braces (Single '}' encountered in format string)"),
        ("{}", "empty braces {} are not a placeholder"),
        ("{title!r}", "{title!r} is not supported: templates take no conversions"),
        ("{title:>5}", "{title:>5} is not supported: templates take no conversions"),
    ],
)
def test_malformed_text_is_refused_at_check_time_with_the_fix(text: str, message: str) -> None:
    for check in (placeholders, unknown_placeholders):
        with pytest.raises(ValueError) as raised:
            check(text)
        assert str(raised.value).startswith(message)
    with pytest.raises(ValueError):
        render(text, VALUES)
