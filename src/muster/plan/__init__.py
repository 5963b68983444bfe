"""The plan file `muster.yaml`: its schema, loading with plain-English problems, and lint.

Typical use: `plan, problems = load_plan_file("muster.yaml", today=date.today())`; the plan is
usable when no problem has level "error".
"""

from __future__ import annotations

from importlib.resources import files

from muster.plan.lint import lint
from muster.plan.loading import Problem, check_plan, load_plan_file, parse_plan
from muster.plan.schema import Plan

__all__ = [
    "Plan",
    "Problem",
    "check_plan",
    "example_plan_text",
    "lint",
    "load_plan_file",
    "parse_plan",
]


def example_plan_text() -> str:
    """The commented example plan that `muster init DIR` writes and `make run` serves."""
    return files("muster.plan").joinpath("example.yaml").read_text(encoding="utf-8")
