"""Times and durations as people type them at 2 a.m., read in the team's timezone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from muster.domain.durations import format_duration, parse_duration
from muster.domain.timeparse import parse_at

BERLIN = ZoneInfo("Europe/Berlin")

# November in Berlin is CET, UTC+1: 17:40 UTC is 18:40 on the team's clocks.
NOW = datetime(2026, 11, 20, 17, 40, tzinfo=UTC)

ACCEPTED = "use HH:MM (team timezone), '10m ago', 'now', or ISO 8601 like 2026-11-20T18:10:00+01:00"

NOT_A_DURATION = "is not a duration; write a number and a unit, like 90s, 10m, 1h30m, 2d or 1w"


def utc(day: int, hour: int, minute: int) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_a_clock_time_is_read_in_the_team_timezone() -> None:
    moment = parse_at("18:10", NOW, BERLIN)
    assert moment == utc(20, 17, 10)


def test_a_clock_time_typed_just_after_midnight_means_yesterday_evening() -> None:
    just_after_midnight = utc(20, 23, 20)  # 00:20 on 2026-11-21 in Berlin
    assert parse_at("18:10", just_after_midnight, BERLIN) == utc(20, 17, 10)


def test_a_clock_time_a_minute_ahead_is_still_today() -> None:
    assert parse_at("18:41", NOW, BERLIN) == utc(20, 17, 41)
    assert parse_at("18:42", NOW, BERLIN) == utc(19, 17, 42)


def test_a_clock_time_in_the_repeated_hour_means_its_most_recent_occurrence() -> None:
    second_pass = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 02:10 CET, after falling back
    assert parse_at("02:40", second_pass, BERLIN) == datetime(2026, 10, 25, 0, 40, tzinfo=UTC)


def test_a_clock_time_skipped_by_the_spring_dst_change_is_never_read_as_the_future() -> None:
    after_the_jump = datetime(2026, 3, 29, 1, 10, tzinfo=UTC)  # 03:10 CEST
    try:
        moment = parse_at("02:30", after_the_jump, BERLIN)
    except ValueError:
        return  # refusing a time that did not happen is also a fix
    assert moment <= after_the_jump


@pytest.mark.parametrize("text", ["10m ago", "10 m ago", "-10m", " 10M AGO "])
def test_a_duration_ago_counts_back_from_now(text: str) -> None:
    assert parse_at(text, NOW, BERLIN) == utc(20, 17, 30)


def test_a_compound_duration_ago_counts_back_from_now() -> None:
    assert parse_at("1h30m ago", NOW, BERLIN) == utc(20, 16, 10)


@pytest.mark.parametrize("text", ["now", " NOW ", ""])
def test_now_is_the_given_now(text: str) -> None:
    assert parse_at(text, NOW, BERLIN) == NOW


def test_iso_with_an_offset_keeps_its_offset() -> None:
    assert parse_at("2026-11-20T18:10:00+01:00", NOW, BERLIN) == utc(20, 17, 10)
    assert parse_at("2026-11-20T18:10:00-05:00", NOW, BERLIN) == utc(20, 23, 10)


def test_iso_without_an_offset_is_taken_in_the_team_timezone() -> None:
    moment = parse_at("2026-11-20T18:10:00", NOW, BERLIN)
    assert moment == utc(20, 17, 10)
    assert moment.tzinfo is BERLIN


def test_iso_with_a_z_suffix_is_utc() -> None:
    assert parse_at("2026-11-20T18:10:00Z", NOW, BERLIN) == utc(20, 18, 10)


@pytest.mark.parametrize("text", ["soon", "yesterday", "ten minutes ago", "18h10"])
def test_garbage_is_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_at(text, NOW, BERLIN)
    assert str(caught.value) == f"{text!r} is not a time; {ACCEPTED}"


@pytest.mark.parametrize("text", ["25:00", "24:00", "18:60"])
def test_a_clock_time_that_does_not_exist_is_refused(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_at(text, NOW, BERLIN)
    assert str(caught.value) == f"{text!r} is not a time of day; {ACCEPTED}"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        ("10m", timedelta(minutes=10)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1h 30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("1w", timedelta(days=7)),
        (" 15M ", timedelta(minutes=15)),
    ],
)
def test_durations_are_a_number_and_a_unit(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


def test_a_zero_duration_is_refused() -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration("0m")
    assert str(caught.value) == "'0m' is not a duration: it must be longer than zero"


@pytest.mark.parametrize("text", ["10", "ten minutes", "", "10x", "-10m"])
def test_a_duration_without_a_unit_is_refused_with_the_accepted_forms(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_duration(text)
    assert str(caught.value) == f"{text!r} {NOT_A_DURATION}"


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=600), "10m"),
        (timedelta(seconds=5400), "1h30m"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(days=7), "7d"),
        (timedelta(days=1, seconds=1), "1d1s"),
        (timedelta(0), "0s"),
        (timedelta(minutes=-10), "-10m"),
    ],
)
def test_a_duration_is_formatted_in_its_shortest_exact_form(delta: timedelta, text: str) -> None:
    assert format_duration(delta) == text


@pytest.mark.parametrize("text", ["90s", "10m", "1h30m", "2d", "1w", "1d2h3m4s"])
def test_a_formatted_duration_parses_back_to_the_same_duration(text: str) -> None:
    duration = parse_duration(text)
    assert parse_duration(format_duration(duration)) == duration
