"""The pure rules: reading each format, refusing broken bodies by field, routing, and the
timeline's words. No database."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from alertkit import api_payload, captured

from muster.domain.alerts import (
    Alert,
    AlertStatus,
    Kind,
    PayloadError,
    Router,
    compile_rule,
    parse,
    summary,
    title_for,
)


def test_every_captured_alertmanager_body_parses() -> None:
    bodies = captured()
    batches = [parse(Kind.alertmanager, body) for body in bodies]
    assert sum(len(b.alerts) for b in batches) == sum(len(b["alerts"]) for b in bodies)
    first = batches[0].alerts[0]
    assert first.fingerprint == "5eb9835200b32e67"
    assert first.status is AlertStatus.firing
    assert first.ends_at is None  # Alertmanager's zero time means "not ended"
    assert first.starts_at == datetime(2026, 11, 22, 8, 58, 10, tzinfo=UTC)
    assert batches[0].group_key == '{}:{alertname="TestAlert1", service="checkout"}'
    # A group whose status says firing can hold a resolved alert: each alert counts alone.
    mixed = batches[5]
    assert [a.status for a in mixed.alerts] == [AlertStatus.resolved, AlertStatus.firing]
    assert mixed.alerts[0].ends_at == datetime(2026, 11, 22, 8, 58, 30, tzinfo=UTC)
    # Nanosecond times are read (to the microsecond).
    assert batches[3].alerts[0].starts_at == datetime(2026, 11, 22, 8, 58, 27, 781801, tzinfo=UTC)


def test_a_grafana_body_is_alertmanagers_shape_with_version_1() -> None:
    body = api_payload()
    body.update(version="1", orgId=1, title="[FIRING:1]", state="alerting", message="m")
    body["alerts"][0].update(values={"B": 44.2}, dashboardURL="", panelURL="", silenceURL="")
    batch = parse(Kind.grafana, body)
    assert batch.alerts[0].labels["alertname"] == "PrometheusAlwaysFiring"
    with pytest.raises(PayloadError) as refused:
        parse(Kind.grafana, api_payload())  # version "4" is Alertmanager's, not Grafana's
    assert refused.value.field == "version"


def broken(change: Any) -> dict[str, Any]:
    body = api_payload()
    change(body)
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (broken(lambda b: b.update(version="3")), "version"),
        (broken(lambda b: b.pop("version")), "version"),
        (broken(lambda b: b.pop("groupKey")), "groupKey"),
        (broken(lambda b: b.update(alerts="many")), "alerts"),
        (broken(lambda b: b.pop("alerts")), "alerts"),
        (broken(lambda b: b["alerts"].append(7)), "alerts[1]"),
        (broken(lambda b: b["alerts"][0].update(status="burning")), "alerts[0].status"),
        (broken(lambda b: b["alerts"][0].pop("fingerprint")), "alerts[0].fingerprint"),
        (broken(lambda b: b["alerts"][0].update(fingerprint="")), "alerts[0].fingerprint"),
        (broken(lambda b: b["alerts"][0].update(labels=[])), "alerts[0].labels"),
        (
            broken(lambda b: b["alerts"][0]["labels"].update(severity=3)),
            "alerts[0].labels.severity",
        ),
        (broken(lambda b: b["alerts"][0].update(startsAt="yesterday")), "alerts[0].startsAt"),
        (
            broken(lambda b: b["alerts"][0].update(startsAt="2026-11-22T08:58:10")),
            "alerts[0].startsAt",
        ),
        (broken(lambda b: b["alerts"][0].pop("startsAt")), "alerts[0].startsAt"),
        (broken(lambda b: b["alerts"][0].update(generatorURL=5)), "alerts[0].generatorURL"),
        ([1, 2], "body"),
    ],
)
def test_a_broken_alertmanager_body_is_refused_naming_the_field(body: Any, field: str) -> None:
    with pytest.raises(PayloadError) as refused:
        parse(Kind.alertmanager, body)
    assert refused.value.field == field
    assert refused.value.message


def test_generic_alerts_name_their_service_and_get_a_stable_fingerprint() -> None:
    body = {"alerts": [{"status": "firing", "service": "api", "summary": "5xx above 5%"}]}
    one, again = parse(Kind.generic, body), parse(Kind.generic, copy.deepcopy(body))
    alert = one.alerts[0]
    assert alert.service == "api" and alert.labels == {"service": "api"}
    assert alert.fingerprint == again.alerts[0].fingerprint and len(alert.fingerprint) == 16
    assert one.group_key is None
    for bad, field in [
        ({"alerts": [{"status": "firing", "summary": "x"}]}, "alerts[0].service"),
        ({"alerts": [{"service": "api", "summary": " "}]}, "alerts[0].summary"),
        ({"alerts": [{"service": "api", "summary": "x", "severity": 1}]}, "alerts[0].severity"),
        ({"alert": []}, "alerts"),
    ]:
        with pytest.raises(PayloadError) as refused:
            parse(Kind.generic, bad)
        assert refused.value.field == field


def alert(**labels: str) -> Alert:
    return Alert("f", AlertStatus.firing, labels, {}, None, None)


ROUTER = Router(
    [
        compile_rule({"severity": "critical", "service": "auth"}, {}, None, "SEV1"),
        compile_rule({"severity": "critical"}, {"service": "api|billing"}, None, "SEV2"),
        compile_rule({}, {"alertname": "Disk.*"}, "web", "SEV3"),
    ],
    frozenset({"auth", "api", "billing", "web"}),
    ("SEV1", "SEV2", "SEV3"),
)


def test_the_first_matching_route_wins_and_the_service_label_fills_in() -> None:
    routed = ROUTER.route(alert(severity="critical", service="auth"))
    assert routed is not None and (routed.service, routed.severity) == ("auth", "SEV1")
    routed = ROUTER.route(alert(severity="critical", service="billing"))
    assert routed is not None and (routed.service, routed.severity) == ("billing", "SEV2")
    # A route's own service wins over the label.
    routed = ROUTER.route(alert(alertname="DiskFull", service="db"))
    assert routed is not None and (routed.service, routed.severity) == ("web", "SEV3")


def test_patterns_must_match_the_whole_value_and_unmatched_alerts_are_unrouted() -> None:
    assert ROUTER.route(alert(severity="critical", service="api-gateway")) is None
    assert ROUTER.route(alert(severity="critical")) is None
    assert ROUTER.route(alert(alertname="XDiskFull")) is None


def test_a_route_without_service_leaves_an_unknown_service_label_out() -> None:
    router = Router([compile_rule({}, {}, None, "SEV2")], frozenset({"api"}), ("SEV2",))
    routed = router.route(alert(service="checkout"))
    assert routed is not None and routed.service is None


def test_the_most_severe_is_the_first_in_the_plan() -> None:
    assert ROUTER.most_severe(["SEV3", "SEV1", "SEV2"]) == "SEV1"
    assert ROUTER.most_severe([]) is None


def test_a_request_is_one_summarised_line() -> None:
    firing = ["HighErrorRate"] * 10 + ["DiskFull"] * 2
    assert summary(firing, []) == "12 alerts firing: HighErrorRate x10, DiskFull x2"
    assert summary([], ["DiskFull"] * 3) == "3 alerts resolved: DiskFull x3"
    assert summary(["A"], ["B"]) == "1 alert firing: A; 1 resolved: B"
    many = [f"A{n}" for n in range(8)]
    assert summary(many, []).endswith("A4, and 3 more")


def test_an_incident_title_comes_from_the_first_firing_alert() -> None:
    batch = parse(Kind.alertmanager, api_payload())
    assert title_for(batch.alerts) == "PrometheusAlwaysFiring: Synthetic always-firing alert"
