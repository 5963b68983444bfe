"""Templates and the guard in the plan: the shape, lint with paths and fixes, the lookups."""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

from muster.domain.records import Track
from muster.domain.templates import PLACEHOLDERS, render
from muster.plan import Plan, check_plan, example_plan_text, parse_plan

TODAY = date(2026, 11, 23)
NEXT = "We will post another update in {next_update_in}."


def plan_data(templates: dict[str, Any], terms: list[str] | None = None) -> dict[str, Any]:
    """A small plan that checks clean, with the given templates and guard terms."""
    return {
        "version": 1,
        "team": {"name": "Acme", "timezone": "Europe/Berlin"},
        "people": [
            {"handle": h, "name": h.title(), "contacts": [f"mailto://{h}@example.com"]}
            for h in ("alice", "bob", "carol")
        ],
        "roles": {
            "commander": {"primary": "alice", "backup": "bob"},
            "communicator": {"primary": "carol", "backup": "bob"},
            "fixer": {"primary": "bob", "backup": "alice"},
        },
        "severities": [
            {"name": n, "criteria": ["x"], "cadence": {"internal": "10m", "customer": "15m"}}
            for n in ("SEV1", "SEV2")
        ],
        "services": [
            {
                "name": "auth",
                "owners": ["bob"],
                "rollback": {"runbook": "https://wiki.example.com/a", "last_tested": "2026-11-01"},
            }
        ],
        "channels": [{"name": "incidents", "url": "mailto://incidents@example.com"}],
        "templates": templates,
        "guard": {"terms": terms or []},
    }


def check(templates: dict[str, Any], terms: list[str] | None = None) -> list[str]:
    text = yaml.safe_dump(plan_data(templates, terms), sort_keys=False)
    _, problems = check_plan(text, TODAY)
    return [f"{p.level}: {p}" for p in problems]


def plan(templates: dict[str, Any]) -> Plan:
    parsed, problems = parse_plan(yaml.safe_dump(plan_data(templates), sort_keys=False))
    assert parsed is not None, problems
    return parsed


def customer(text: str, **more: Any) -> dict[str, Any]:
    return {"track": "customer", "text": text, **more}


def test_good_templates_check_clean() -> None:
    assert (
        check(
            {
                "holding-customer": customer(f"{{impact}} {NEXT}", status="investigating"),
                "declared-internal": {"track": "internal", "text": "{ref} declared by {commander}"},
                "resolved-customer": customer("{services} work again.", status="resolved"),
            }
        )
        == []
    )


def test_an_unknown_placeholder_is_an_error_naming_the_ones_to_use() -> None:
    known = ", ".join("{" + name + "}" for name in PLACEHOLDERS)
    assert check({"holding-customer": customer(f"Back by {{eta}}. {NEXT}")}) == [
        f"error: templates.holding-customer.text: {{eta}} is not a placeholder; use one of {known}"
    ]


def test_malformed_braces_are_an_error_with_the_fix() -> None:
    assert check({"holding-customer": customer(f"{NEXT} {{title")}) == [
        "error: templates.holding-customer.text: malformed braces (expected '}' before end of "
        "string); write a placeholder as {name} and a literal brace as {{ or }}"
    ]


def test_a_format_spec_is_an_error() -> None:
    assert check({"holding-customer": customer(f"{{title:>5}} {NEXT}")}) == [
        "error: templates.holding-customer.text: {title:>5} is not supported: templates take "
        "no conversions or format specs; write {title}"
    ]


def test_an_internal_template_with_a_status_is_an_error() -> None:
    assert check(
        {"note-internal": {"track": "internal", "text": "{ref}", "status": "monitoring"}}
    ) == [
        "error: templates.note-internal.status: only customer updates carry a public status "
        "word; remove status from this internal template"
    ]


def test_an_unknown_severity_is_an_error_at_its_index() -> None:
    assert check({"big-customer": customer(NEXT, severities=["sev1", "SEV9"])}) == [
        "error: templates.big-customer.severities[1]: 'SEV9' is not a severity in the plan; "
        "use one of SEV1, SEV2, or leave severities empty for all"
    ]


def test_a_template_name_that_is_not_a_slug_is_an_error() -> None:
    assert check({"Holding_Customer": customer(NEXT)}) == [
        "error: templates.Holding_Customer: 'Holding_Customer' is not a template name; use "
        "lowercase letters, digits and -, starting with a letter, like investigating-customer"
    ]


def test_an_unknown_status_or_track_is_a_shape_error() -> None:
    problems = check({"x": {"track": "public", "text": "a", "status": "fixed"}})
    assert [p.split(":")[1].strip() for p in problems] == [
        "templates.x.track",
        "templates.x.status",
    ]


def test_a_customer_template_that_trips_the_guard_is_a_warning() -> None:
    text = f"Errors on db-3.prod and in the K8S cluster. {NEXT}"
    assert check({"leaky-customer": customer(text)}, terms=["k8s"]) == [
        "warning: templates.leaky-customer.text: remove the hostname db-3.prod: customers need "
        "facts and impact, not our machines",
        "warning: templates.leaky-customer.text: remove 'K8S': the plan lists it as an internal "
        "word (guard.terms); describe what users see instead",
    ]


def test_the_guard_does_not_check_internal_templates() -> None:
    assert check({"x-internal": {"track": "internal", "text": "db-3.prod and k8s"}}, ["k8s"]) == []


def test_a_customer_update_that_does_not_say_when_the_next_comes_is_a_warning() -> None:
    assert check({"holding-customer": customer("We are on it.")}) == [
        "warning: templates.holding-customer.text: this update does not say when the next one "
        "comes; add {next_update_in} or {next_update}, like: We will post another update in "
        "{next_update_in}."
    ]


def test_an_empty_guard_term_is_a_shape_error() -> None:
    problems = check({}, terms=["k8s", "  "])
    assert problems == [
        "error: guard.terms[1]: an empty term matches nothing; remove it or write the internal word"
    ]


def test_template_finds_a_template_by_name_ignoring_case() -> None:
    parsed = plan({"holding-customer": customer(NEXT)})
    assert parsed.template("Holding-Customer") == parsed.templates["holding-customer"]
    assert parsed.template("nope") is None


def test_templates_for_offers_the_most_specific_first_in_file_order() -> None:
    parsed = plan(
        {
            "any-internal": {"track": "internal", "text": "{ref}"},
            "generic-customer": customer(NEXT),
            "sev2-customer": customer(NEXT, severities=["SEV2"]),
            "sev1-customer": customer(NEXT, severities=["SEV1"]),
            "login-customer": customer(NEXT, scenario="login"),
            "login-sev1-customer": customer(NEXT, scenario="login", severities=["SEV1"]),
            "billing-customer": customer(NEXT, scenario="billing"),
        }
    )
    names = [name for name, _ in parsed.templates_for(Track.customer, "sev1", "login")]
    assert names == ["login-sev1-customer", "login-customer", "sev1-customer", "generic-customer"]
    names = [name for name, _ in parsed.templates_for("customer", "SEV2")]
    assert names == ["sev2-customer", "generic-customer"]
    assert [name for name, _ in parsed.templates_for("internal", "SEV2")] == ["any-internal"]


def test_the_example_plan_ships_holding_statements_for_both_tracks() -> None:
    parsed, problems = check_plan(example_plan_text(), TODAY)
    assert parsed is not None
    assert problems == []
    tracks = {name: (str(t.track), t.status, t.scenario) for name, t in parsed.templates.items()}
    assert tracks == {
        "declared-internal": ("internal", None, "any"),
        "resolved-internal": ("internal", None, "any"),
        "investigating-customer": ("customer", "investigating", "any"),
        "identified-customer": ("customer", "identified", "any"),
        "monitoring-customer": ("customer", "monitoring", "any"),
        "resolved-customer": ("customer", "resolved", "any"),
        "login-customer": ("customer", "investigating", "login"),
    }
    assert {"postgres-primary", "k8s"} <= set(parsed.guard.terms)


def test_the_seed_outage_first_customer_update_renders_from_the_example() -> None:
    parsed, _ = check_plan(example_plan_text(), TODAY)
    assert parsed is not None
    (first, *_) = parsed.templates_for("customer", "SEV1", "login")
    assert first[0] == "login-customer"
    assert render(first[1].text, {"next_update_in": "10 minutes"}).strip() == (
        "Some users cannot log in right now. We are working on it and will post another update "
        "in 10 minutes."
    )
