"""The customer-track guard: internal details are found with a fix; ordinary updates pass."""

from __future__ import annotations

import pytest

from muster.domain.guard import Finding, LeakKind, check_customer_text

TERMS = ("postgres-primary", "k8s", "Grafana")
INTERNAL = (
    "Login issue after the 18:10 deploy. The auth service signs tokens with the wrong secret "
    "since the config change; rolling back now.",
)


def found(text: str, terms: tuple[str, ...] = (), internal: tuple[str, ...] = ()) -> list[str]:
    findings = check_customer_text(text, terms=terms, internal_texts=internal)
    return [f"{f.kind}: {f.excerpt}" for f in findings]


@pytest.mark.parametrize(
    "text",
    [
        "Some users cannot log in right now. We are working on it and will post another "
        "update at 18:40.",
        "INC-42 (SEV1): sign-in is restored for everyone since 18:36.",
        "Version v2.3.1 of the app is live; 99.9% of requests succeed again, up from 40.5%.",
        "See https://status.example.com/incidents/42 or write to support@example.com.",
        "Exports and/or invoices may arrive late, 24/7 support is available on example.com.",
        "We are investigating. The next update comes at 18:10:30, in 15 minutes.",
        "An error occurred for some users: please try again. e.g. refresh the page.",
        "Our API (v2) is degraded on node.js clients; download the report-2024.pdf summary.",
        "We follow ISO-8601 dates, UTF-8 text and SHA-256 checksums; this is SEV-1.",
    ],
)
def test_ordinary_customer_updates_are_not_flagged(text: str) -> None:
    assert found(text, TERMS, INTERNAL) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Errors on db-3.prod since noon.", "hostname: db-3.prod"),
        ("Restarting ip-10-0-1-2 now.", "hostname: ip-10-0-1-2"),
        ("web01.eu-west is slow.", "hostname: web01.eu-west"),
        ("We moved auth.internal.", "hostname: auth.internal"),
        ("Queue at rabbit.default.svc.cluster.local", "hostname: rabbit.default.svc.cluster.local"),
        ("Failover to files.corp done.", "hostname: files.corp"),
        ("See http://grafana-2.lan/d/abc for details.", "hostname: grafana-2.lan"),
    ],
)
def test_internal_hostnames_are_flagged(text: str, expected: str) -> None:
    assert found(text) == [expected]


def test_ip_addresses_are_flagged_in_both_versions() -> None:
    assert found(
        "Traffic from 10.0.1.2 and 192.168.0.0/16, also fe80::1 and 2001:db8::8a2e:370:7334."
    ) == [
        "ip_address: 10.0.1.2",
        "ip_address: 192.168.0.0/16",
        "ip_address: fe80::1",
        "ip_address: 2001:db8::8a2e:370:7334",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Traceback (most recent call last):", "stack_trace: Traceback (most recent call last)"),
        ('  File "app/views.py", line 3, in login', 'stack_trace: File "app/views.py", line 3'),
        ("at com.foo.Bar(Bar.java:12)", "stack_trace: at com.foo.Bar(Bar.java:12)"),
        (
            "java.lang.NullPointerException was thrown",
            "stack_trace: java.lang.NullPointerException",
        ),
        ("KeyError: 'user_id'", "stack_trace: KeyError:"),
        ("at login (/srv/app/auth.js:10:5)", "stack_trace: at login (/srv/app/auth.js:10:5)"),
    ],
)
def test_stack_traces_are_flagged(text: str, expected: str) -> None:
    assert found(text) == [expected]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Disk full on /var/log/nginx.", "file_path: /var/log/nginx"),
        ("We edited /etc/ for the fix", "file_path: /etc/"),
        ("The bug was in ./app/x.py today", "file_path: ./app/x.py"),
        (r"Logs at C:\inetpub\logs are big", r"file_path: C:\inetpub\logs"),
        ("The key in ~/deploy/key leaked", "file_path: ~/deploy/key"),
        ("See app/models/user.py please", "file_path: app/models/user.py"),
    ],
)
def test_file_paths_are_flagged(text: str, expected: str) -> None:
    assert found(text) == [expected]


def test_internal_ticket_ids_are_flagged_but_not_our_incident_nor_a_severity() -> None:
    assert found("INC-42 (SEV1) is tracked as JIRA-123, OPS-42 and #4521.") == [
        "ticket_id: JIRA-123",
        "ticket_id: OPS-42",
        "ticket_id: #4521",
    ]


def test_plan_terms_match_whole_words_ignoring_case() -> None:
    text = "The K8S nodes and Postgres-Primary are fine; grafanas and k8sx are not terms."
    assert found(text, TERMS) == ["internal_term: K8S", "internal_term: Postgres-Primary"]


def test_blank_terms_are_ignored() -> None:
    assert found("All good.", ("", "  ")) == []


def test_eight_words_copied_from_the_internal_track_are_flagged_once_as_one_passage() -> None:
    text = (
        "Update: the AUTH service signs tokens, with the wrong secret since the config "
        "change. We will post again in 10 minutes."
    )
    assert found(text, internal=INTERNAL) == [
        "internal_text: the AUTH service signs tokens, with the wrong secret since the "
        "config change"
    ]


def test_seven_shared_words_in_a_row_are_not_copying() -> None:
    text = "Sadly the auth service signs tokens with the right key."
    assert found(text, internal=INTERNAL) == []


def test_a_detail_written_twice_is_reported_once_as_first_written() -> None:
    assert found("db-3.prod failed, then DB-3.PROD again; db-3.prod is back.") == [
        "hostname: db-3.prod",
    ]


def test_a_path_inside_a_stack_trace_is_left_to_the_trace() -> None:
    assert found('File "/srv/app/auth.py", line 3') == [
        'stack_trace: File "/srv/app/auth.py", line 3'
    ]


def test_each_finding_says_what_it_is_and_the_fix() -> None:
    findings = check_customer_text(
        "Errors on db-3.prod from 10.0.0.7; k8s is fine.", terms=TERMS, internal_texts=()
    )
    assert findings == [
        Finding(
            LeakKind.hostname,
            "db-3.prod",
            "remove the hostname db-3.prod: customers need facts and impact, not our machines",
        ),
        Finding(
            LeakKind.ip_address,
            "10.0.0.7",
            "remove the IP address 10.0.0.7: customers need facts and impact, not our network",
        ),
        Finding(
            LeakKind.internal_term,
            "k8s",
            "remove 'k8s': the plan lists it as an internal word (guard.terms); "
            "describe what users see instead",
        ),
    ]


def test_a_long_copied_passage_is_shortened_in_the_message_but_not_the_excerpt() -> None:
    internal = " ".join(f"word{i}" for i in range(40))
    (finding,) = check_customer_text(internal, terms=(), internal_texts=(internal,))
    assert finding.excerpt == internal
    assert finding.message.startswith(f'rewrite "{internal[:79].rstrip()}…" for customers')
