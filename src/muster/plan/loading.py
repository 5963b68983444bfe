"""Reading a plan: YAML text -> `Plan`, with every problem as a path and a plain-English fix.

Nothing here raises on a bad plan: callers (`muster plan check`, the server at start-up, the
API) get `(plan, problems)` and decide. The plan is None only when it is not well-formed;
a plan that lints with errors is still returned, so a caller can show it next to its problems.
"""

from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from muster.plan.schema import Plan


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a plan: where (`roles.fixer.backup`), what, and how to fix it."""

    level: Literal["error", "warning"]
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


#: A team's plan is a few KB; anything this big is the wrong file or an attack on the server.
MAX_PLAN_BYTES = 256 * 1024
#: How many YAML values a plan may hold once its aliases are expanded. A 256 KB plan written
#: out holds well under this; an alias bomb (`b: [*a, *a, ...]`, `c: [*b, *b, ...]`) exceeds
#: it after a few lines, so it is refused before anything is built from it.
MAX_PLAN_VALUES = 100_000


class _Refused(yaml.MarkedYAMLError):
    """YAML that PyYAML would read but a plan must not use; `fix` ends the Problem's message."""

    def __init__(self, problem: str, mark: Any, fix: str) -> None:  # a Python or C Mark
        super().__init__(problem=problem, problem_mark=mark)
        self.fix = fix


class _PlanLoader(yaml.SafeLoader):
    """`yaml.safe_load`, except that:

    - a key written twice is an error instead of a silent overwrite (two `fixer:` blocks would
      otherwise drop the first without a word);
    - a key must be a scalar: `? [a]: 1` would otherwise raise TypeError, not a Problem;
    - aliases may not expand the document past `MAX_PLAN_VALUES` values, nor refer to the
      value that contains them; both are checked on the composed nodes, before construction.
    """

    def construct_document(self, node: yaml.Node) -> Any:
        _check_expansion(node)
        return super().construct_document(node)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise _Refused(
                    "keys must be plain text", key_node.start_mark, "write the key as a word"
                )
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise _Refused(
                    f"the key {key!r} appears twice", key_node.start_mark, "keep one of them"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: yaml.Node) -> None:
    """Refuse a node graph whose aliases expand past `MAX_PLAN_VALUES`, or loop.

    An alias is the same node object in two places, so sizes are counted once per node and
    summed per use: linear in the text, however large the expansion. Iterative, since a bomb
    is exactly the input that should not decide how deep we recurse.
    """
    sizes: dict[int, int] = {}
    open_: set[int] = set()  # nodes on the path from the root: meeting one again is a loop
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            open_.discard(id(node))
            size = sizes[id(node)] = 1 + sum(sizes[id(child)] for child in _children(node))
            if size > MAX_PLAN_VALUES:
                raise _Refused(
                    f"aliases here expand to more than {MAX_PLAN_VALUES:,} values",
                    node.start_mark,
                    "write the values out instead of repeating aliases",
                )
        elif id(node) in open_:
            raise _Refused(
                "an alias here refers to the value that contains it",
                node.start_mark,
                "write the values out",
            )
        elif id(node) not in sizes:
            open_.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node) if id(child) not in sizes)


def parse_plan(text: str) -> tuple[Plan | None, list[Problem]]:
    """Parse and validate the schema only; problems come in file order."""
    _, plan, problems = _parse(text)
    return plan, problems


def check_plan(text: str, today: date) -> tuple[Plan | None, list[Problem]]:
    """Parse, then lint as of `today`: errors first, then warnings, each in file order."""
    from muster.plan.lint import lint  # here, not at the top: lint imports Problem from us

    data, plan, problems = _parse(text)
    if plan is not None:
        problems = _in_file_order(data, lint(plan, today))
    errors = [p for p in problems if p.level == "error"]
    return plan, errors + [p for p in problems if p.level == "warning"]


def load_plan_file(
    path: str | os.PathLike[str], today: date | None = None
) -> tuple[Plan | None, list[Problem]]:
    """Read and parse the plan at `path`, and lint it too when `today` is given.

    An unreadable file is a problem, not an exception, so the CLI reports it like any other.
    """
    text, problems = read_plan_text(path)
    if text is None:
        return None, problems
    return parse_plan(text) if today is None else check_plan(text, today)


def read_plan_text(path: str | os.PathLike[str]) -> tuple[str | None, list[Problem]]:
    """The text of the plan file at `path`, or None and the one problem that stopped us."""
    where = os.fspath(path)
    try:
        return Path(path).read_text(encoding="utf-8"), []
    except FileNotFoundError:
        return None, [_error(where, "no plan file here; create one with `muster init DIR`")]
    except IsADirectoryError:
        return None, [_error(where, "this is a directory; point at the muster.yaml inside it")]
    except (OSError, UnicodeDecodeError) as error:
        return None, [_error(where, f"cannot read the plan ({error}); check the file")]


def _error(path: str, message: str) -> Problem:
    return Problem("error", path, message)


def _parse(text: str) -> tuple[Any, Plan | None, list[Problem]]:
    data, plan, problems = _parse_cached(text)
    return data, plan, list(problems)


@functools.lru_cache(maxsize=32)
def _parse_cached(text: str) -> tuple[Any, Plan | None, list[Problem]]:
    """Parsing is the slow part (about 20 ms for the example plan with PyYAML) and a server
    parses the same few texts again and again: the plan is frozen, and callers only read the
    raw data, so a parsed text is shared."""
    size = len(text.encode("utf-8", errors="replace"))
    if size > MAX_PLAN_BYTES:
        message = (
            f"the plan is {size // 1024} KB, over the limit of {MAX_PLAN_BYTES // 1024} KB; "
            "a team's plan is a few KB, so check that this is the right file"
        )
        return None, None, [_error("plan", message)]
    try:
        data = yaml.load(text, Loader=_PlanLoader)  # a SafeLoader subclass: safe
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}" if mark is not None else "file"
        column = f" at column {mark.column + 1}" if mark is not None else ""
        what = error.problem or error.context or "unreadable YAML"
        fix = error.fix if isinstance(error, _Refused) else "fix the YAML there"
        return None, None, [_error(where, f"{what}{column}; {fix}")]
    except (yaml.YAMLError, ValueError) as error:
        # PyYAML raises a bare ValueError for impossible dates such as 2026-13-01.
        return None, None, [_error("file", f"cannot read the YAML: {error}; fix that value")]
    except RecursionError:  # PyYAML composes and constructs recursively
        message = "the plan is nested too deeply to read; a plan needs a few levels at most"
        return None, None, [_error("file", message)]
    if data is None:
        return None, None, [_error("file", "the plan is empty; start from `muster init DIR`")]
    if not isinstance(data, dict):
        message = "the plan must be a mapping of keys (version, team, people, roles, ...)"
        return data, None, [_error("file", message + "; start from `muster init DIR`")]
    try:
        plan = Plan.model_validate(data)
    except ValidationError as invalid:
        problems = [_error(_dotted(e["loc"]), _explain(e)) for e in invalid.errors()]
        return data, None, _in_file_order(data, problems)
    return data, plan, []


def _dotted(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "file"


_ROLE_HINT = "with a primary and a backup, or a rotation"
_MISSING_HINTS = {
    "version": "add `version: 1` at the top",
    "team": "add `team: {name: ..., timezone: Europe/Berlin}`",
    "roles": "add roles: commander, communicator and fixer, each " + _ROLE_HINT,
    "commander": "add the commander " + _ROLE_HINT,
    "communicator": "add the communicator " + _ROLE_HINT,
    "fixer": "add the fixer " + _ROLE_HINT,
    "cadence": "add `cadence: {internal: 10m, customer: 15m}`",
    "criteria": "add a list of objective checks that make an incident this severe",
}
_KINDS = {
    "string_type": "text",
    "list_type": "a list",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "model_attributes_type": "a mapping (key: value)",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "int_type": "a whole number",
}


def _explain(error: ErrorDetails) -> str:
    """A pydantic error in the words of someone editing YAML, with the fix."""
    kind, loc, value = error["type"], error["loc"], error.get("input")
    ctx = error.get("ctx") or {}
    name = str(loc[-1]) if loc else "value"
    if kind == "missing":
        return f"{name!r} is missing; " + _MISSING_HINTS.get(name, f"add `{name}: ...`")
    if kind == "extra_forbidden":
        known = ", ".join(_known_keys(loc[:-1]))
        return f"unknown key {name!r}; fix its spelling or remove it (known keys: {known})"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if loc == ("version",):
        return f"version {value!r} is not supported; this Muster reads `version: 1`"
    if kind in ("literal_error", "enum"):
        return f"{value!r} is not allowed; use {ctx.get('expected', 'one of the listed values')}"
    if kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        return f"{value!r} is not a date; write it as YYYY-MM-DD, like 2026-01-05"
    if kind == "too_short":
        return f"{name!r} is empty; add at least one item"
    if kind in _KINDS:
        got = "nothing" if value is None else f"{type(value).__name__} {value!r}"
        hint = "; put it in quotes" if kind == "string_type" and value is not None else ""
        return f"expected {_KINDS[kind]}, got {got}{hint}"
    return f"{error['msg']}; fix this value"


def _known_keys(loc: tuple[int | str, ...]) -> list[str]:
    """Field names of the model found at `loc`, walking the schema from `Plan`."""
    current: Any = Plan
    for part in loc:
        if isinstance(part, str) and _is_model(current) and part in current.model_fields:
            current = current.model_fields[part].annotation
        current = _unwrap(current)
        if isinstance(part, int) and get_origin(current) is list:
            current = _unwrap(get_args(current)[0])
    return list(current.model_fields) if _is_model(current) else []


def _unwrap(annotation: Any) -> Any:
    """`RotationPlan | None` -> `RotationPlan`; other annotations unchanged."""
    if get_origin(annotation) in (Union, UnionType):
        models = [a for a in get_args(annotation) if _is_model(a)]
        return models[0] if models else annotation
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def _in_file_order(data: Any, problems: list[Problem]) -> list[Problem]:
    """Sort problems by where their path points in the YAML (dicts keep the file's key order);
    a path to a missing key sorts after its siblings."""

    def position(problem: Problem) -> tuple[int, ...]:
        node, key = data, []
        for name, index in _PART.findall(problem.path):
            if isinstance(node, dict) and name:
                keys = list(node)
                key.append(keys.index(name) if name in keys else len(keys))
                node = node.get(name)
            elif isinstance(node, list) and index:
                key.append(int(index))
                node = node[int(index)] if int(index) < len(node) else None
            else:
                key.append(-1 if name in ("file",) or name.startswith("line") else 0)
                break
        return tuple(key)

    return sorted(problems, key=position)
