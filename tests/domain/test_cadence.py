"""Cadence: the chain of due times, the clock, the reminders, and adherence, on the seed outage.

The seed: a login update ships at 18:10, customers complain by 18:18 and the incident is
declared then; the communicator promises an update every 10 minutes.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from muster.domain.cadence import (
    GRACE,
    Clock,
    Level,
    Posted,
    adherence,
    next_due,
    reminder_points,
    update_clock,
)

TEN = timedelta(minutes=10)


def at(hhmm: str, seconds: int = 0) -> datetime:
    hour, minute = map(int, hhmm.split(":"))
    return datetime(2026, 11, 20, hour, minute, seconds, tzinfo=UTC)


DECLARED = at("18:18")


def test_the_first_update_is_due_one_interval_after_declaring() -> None:
    assert next_due(DECLARED, TEN, []) == at("18:28")


def test_each_update_makes_the_next_due_when_it_said() -> None:
    posted = [Posted(at("18:27"), at("18:37"))]
    assert next_due(DECLARED, TEN, posted) == at("18:37")


def test_the_latest_update_decides_whatever_the_order_given() -> None:
    posted = [Posted(at("18:36"), at("18:50")), Posted(at("18:27"), at("18:37"))]
    assert next_due(DECLARED, TEN, posted) == at("18:50")


def test_a_final_update_ends_the_chain() -> None:
    posted = [Posted(at("18:27"), at("18:37")), Posted(at("18:36"), None)]
    assert next_due(DECLARED, TEN, posted) is None


def test_the_clock_is_upcoming_then_due_then_overdue_at_half_an_interval() -> None:
    due = at("18:28")
    assert update_clock(due, TEN, at("18:24")) == Clock(due, "upcoming", timedelta(minutes=4))
    assert update_clock(due, TEN, at("18:28")) == Clock(due, "due", timedelta(0))
    assert update_clock(due, TEN, at("18:32", 59)) == Clock(
        due, "due", timedelta(minutes=4, seconds=59)
    )
    assert update_clock(due, TEN, at("18:33")) == Clock(due, "overdue", timedelta(minutes=5))
    assert update_clock(due, TEN, at("18:40")) == Clock(due, "overdue", timedelta(minutes=12))


def test_the_seed_reminds_the_communicator_at_18_28_and_escalates_at_18_33() -> None:
    assert reminder_points(at("18:28"), TEN) == [
        (Level.due, at("18:28")),
        (Level.overdue, at("18:33")),
    ]


def test_an_update_before_its_due_time_is_on_time() -> None:
    posted = [Posted(at("18:27"), at("18:37"))]
    assert adherence(DECLARED, TEN, posted, at("18:30"), open=True) == (1, 1)


def test_the_seed_update_at_18_27_is_on_time_and_silence_until_18_48_is_a_miss() -> None:
    posted = [Posted(at("18:27"), at("18:37"))]
    assert adherence(DECLARED, TEN, posted, at("18:48"), open=True) == (1, 2)


def test_a_missed_update_counts_once_however_long_the_silence() -> None:
    posted = [Posted(at("18:27"), at("18:37"))]
    assert adherence(DECLARED, TEN, posted, at("23:00"), open=True) == (1, 2)


def test_an_update_within_a_minute_of_its_due_time_is_on_time() -> None:
    assert timedelta(seconds=60) == GRACE
    on_the_edge = [Posted(at("18:29"), at("18:39"))]
    too_late = [Posted(at("18:29", 1), at("18:39"))]
    assert adherence(DECLARED, TEN, on_the_edge, at("18:30"), open=True) == (1, 1)
    assert adherence(DECLARED, TEN, too_late, at("18:30"), open=True) == (0, 1)


def test_nothing_is_missed_within_the_grace_minute() -> None:
    assert adherence(DECLARED, TEN, [], at("18:29"), open=True) == (0, 0)
    assert adherence(DECLARED, TEN, [], at("18:29", 1), open=True) == (0, 1)


def test_a_late_update_counts_as_due_but_not_on_time() -> None:
    posted = [Posted(at("18:27"), at("18:37")), Posted(at("18:41"), at("18:51"))]
    assert adherence(DECLARED, TEN, posted, at("18:45"), open=True) == (1, 2)


def test_a_closed_incident_counts_no_miss() -> None:
    posted = [Posted(at("18:27"), at("18:37"))]
    assert adherence(DECLARED, TEN, posted, at("18:48"), open=False) == (1, 1)


def test_the_whole_seed_outage_adds_up() -> None:
    posted = [
        Posted(at("18:27"), at("18:37")),  # on time
        Posted(at("18:36"), at("18:46")),  # on time: rollback done
        Posted(at("18:46", 30), None),  # within grace: resolved, the chain ends
    ]
    assert next_due(DECLARED, TEN, posted) is None
    assert adherence(DECLARED, TEN, posted, at("20:00"), open=True) == (3, 3)


def test_an_update_after_the_final_one_was_not_awaited_so_it_is_on_time() -> None:
    posted = [Posted(at("18:27"), None), Posted(at("19:30"), at("19:40"))]
    assert adherence(DECLARED, TEN, posted, at("19:35"), open=True) == (2, 2)
    assert next_due(DECLARED, TEN, posted) == at("19:40")
