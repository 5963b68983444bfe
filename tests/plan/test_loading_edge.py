"""Plans that are odd or hostile YAML: each is one Problem with a fix, never an exception."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

import pytest

from muster.plan import check_plan, example_plan_text, load_plan_file, parse_plan
from muster.plan.loading import MAX_PLAN_BYTES

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("version: 1\n? [a]\n: 1\n", 2),
        ("version: 1\n? {a: 1}\n: 1\n", 2),
        ("version: 1\nteam:\n  ? [name]\n  : Acme\n", 3),
        ("version: 1\n[a, b]: 1\n", 2),
    ],
)
def test_a_key_that_is_not_plain_text_is_a_problem_with_its_line(text: str, line: int) -> None:
    plan, problems = check_plan(text, TODAY)
    assert plan is None
    assert len(problems) == 1
    assert problems[0].level == "error"
    assert str(problems[0]).startswith(f"line {line}: keys must be plain text")


def test_a_list_as_a_key_in_a_plan_file_is_a_problem_too(tmp_path: Path) -> None:
    path = tmp_path / "muster.yaml"
    path.write_text("? [a]\n: 1\n")
    plan, problems = load_plan_file(path, TODAY)
    assert plan is None
    assert [p.path for p in problems] == ["line 1"]


def test_small_anchors_and_aliases_still_work() -> None:
    weekly = 'handoff: { weekday: monday, time: "09:00" }'
    text = example_plan_text()
    assert text.count(weekly) == 2
    text = text.replace(weekly, 'handoff: &weekly { weekday: monday, time: "09:00" }', 1)
    text = text.replace(weekly, "handoff: *weekly", 1)
    plan, problems = check_plan(text, TODAY)
    assert plan is not None, problems
    assert plan == check_plan(example_plan_text(), TODAY)[0]


def bomb(levels: int) -> str:
    rows = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    names = "abcdefghijklmnop"
    for name, previous in zip(names[1 : levels + 1], names[:levels], strict=True):
        rows.append(f"{name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return "\n".join(rows) + "\n"


def test_an_alias_bomb_is_refused_before_it_expands() -> None:
    started = time.monotonic()
    plan, problems = parse_plan(bomb(levels=8))  # 9**9 values once expanded
    assert time.monotonic() - started < 1
    assert plan is None
    assert len(problems) == 1
    assert problems[0].path == "line 6"  # f: the first to pass 100,000 values (9**6)
    assert problems[0].message == (
        "aliases here expand to more than 100,000 values at column 4; "
        "write the values out instead of repeating aliases"
    )


def test_an_alias_that_contains_itself_is_refused() -> None:
    plan, problems = parse_plan("version: 1\nteam: &t {name: Acme, again: *t}\n")
    assert plan is None
    assert [str(p) for p in problems] == [
        "line 2: an alias here refers to the value that contains it at column 7; "
        "write the values out"
    ]


def test_a_plan_nested_too_deeply_is_a_problem_not_a_crash() -> None:
    plan, problems = parse_plan("[" * 5000)
    assert plan is None
    assert [p.path for p in problems] == ["file"]
    assert "nested too deeply" in problems[0].message


def test_a_plan_over_256_kb_is_refused_before_it_is_read() -> None:
    text = example_plan_text() + "#" * MAX_PLAN_BYTES
    plan, problems = check_plan(text, TODAY)
    assert plan is None
    assert [(p.level, p.path) for p in problems] == [("error", "plan")]
    assert "over the limit of 256 KB" in problems[0].message


def test_a_plan_just_under_the_limit_is_read() -> None:
    text = example_plan_text()
    text += "#" * (MAX_PLAN_BYTES - len(text.encode()) - 1) + "\n"
    plan, problems = check_plan(text, TODAY)
    assert plan is not None
    assert not [p for p in problems if p.level == "error"]
