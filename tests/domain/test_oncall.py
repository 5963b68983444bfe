"""Rotation math: who is on call, and when the role changes hands, in local wall-clock time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from muster.domain.oncall import Rotation, first_shared_primary, next_handoff, on_call

BERLIN = ZoneInfo("Europe/Berlin")


def weekly(*people: str, start: date = date(2026, 1, 5), length_days: int = 7) -> Rotation:
    """Mondays at 09:00 Berlin time, from Monday 2026-01-05."""
    return Rotation(tuple(people), time(9, 0), length_days, start, "Europe/Berlin")


def berlin(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=BERLIN)


def test_the_first_person_holds_the_role_before_the_first_handoff() -> None:
    assert on_call(weekly("alice", "bob"), berlin(2025, 12, 1, 12)) == ("alice", "bob")


def test_the_role_changes_hands_exactly_at_the_handoff_time() -> None:
    rotation = weekly("alice", "bob", "carol")
    assert on_call(rotation, berlin(2026, 1, 12, 8, 59)) == ("alice", "bob")
    assert on_call(rotation, berlin(2026, 1, 12, 9, 0)) == ("bob", "carol")


def test_the_backup_is_the_next_person_and_wraps_around() -> None:
    assert on_call(weekly("alice", "bob", "carol"), berlin(2026, 1, 19, 10)) == ("carol", "alice")
    assert on_call(weekly("alice", "bob", "carol"), berlin(2026, 1, 26, 10)) == ("alice", "bob")


def test_a_rotation_of_one_person_backs_itself_up() -> None:
    assert on_call(weekly("alice"), berlin(2026, 6, 1, 10)) == ("alice", "alice")


def test_a_daily_rotation_hands_off_every_day() -> None:
    rotation = weekly("alice", "bob", length_days=1)
    assert on_call(rotation, berlin(2026, 1, 6, 9, 30))[0] == "bob"
    assert on_call(rotation, berlin(2026, 1, 7, 9, 30))[0] == "alice"


def test_a_two_week_rotation_keeps_each_person_for_fourteen_days() -> None:
    rotation = weekly("alice", "bob", length_days=14)
    assert on_call(rotation, berlin(2026, 1, 18, 23))[0] == "alice"
    assert on_call(rotation, berlin(2026, 1, 19, 9))[0] == "bob"


def test_handoff_stays_at_local_nine_across_the_spring_dst_change() -> None:
    # Berlin moves from UTC+1 to UTC+2 on 2026-03-29: Monday 09:00 is 08:00 UTC before, 07:00 after.
    rotation = weekly("alice", "bob")
    assert next_handoff(rotation, berlin(2026, 3, 17, 12)) == datetime(2026, 3, 23, 8, tzinfo=UTC)
    assert next_handoff(rotation, berlin(2026, 3, 24, 12)) == datetime(2026, 3, 30, 7, tzinfo=UTC)
    before = on_call(rotation, datetime(2026, 3, 30, 6, 59, tzinfo=UTC))[0]
    after = on_call(rotation, datetime(2026, 3, 30, 7, 0, tzinfo=UTC))[0]
    assert (before, after) == ("bob", "alice")


def test_handoff_stays_at_local_nine_across_the_autumn_dst_change() -> None:
    rotation = weekly("alice", "bob")
    assert next_handoff(rotation, berlin(2026, 10, 20, 12)) == datetime(2026, 10, 26, 8, tzinfo=UTC)
    assert (
        on_call(rotation, datetime(2026, 10, 26, 7, 59, tzinfo=UTC))[0]
        != on_call(rotation, datetime(2026, 10, 26, 8, 0, tzinfo=UTC))[0]
    )


def test_a_handoff_time_skipped_by_dst_happens_just_after_the_gap() -> None:
    # 02:30 does not exist in Berlin on 2026-03-29; the handoff lands at 03:30 CEST (01:30 UTC).
    rotation = Rotation(("alice", "bob"), time(2, 30), 1, date(2026, 3, 1), "Europe/Berlin")
    assert next_handoff(rotation, berlin(2026, 3, 28, 12)) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )


def test_the_answer_does_not_depend_on_the_timezone_of_the_question() -> None:
    rotation = weekly("alice", "bob")
    at = berlin(2026, 2, 9, 9, 0)
    assert on_call(rotation, at) == on_call(rotation, at.astimezone(ZoneInfo("America/New_York")))


def test_next_handoff_is_in_utc_and_strictly_after_the_given_instant() -> None:
    rotation = weekly("alice", "bob")
    handoff = next_handoff(rotation, berlin(2026, 1, 12, 9, 0))
    assert handoff == datetime(2026, 1, 19, 8, tzinfo=UTC)
    assert handoff.tzinfo is UTC


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="no timezone"):
        on_call(weekly("alice"), datetime(2026, 1, 5, 9))


def test_a_rotation_needs_people_and_a_positive_length() -> None:
    with pytest.raises(ValueError, match="at least one person"):
        weekly()
    with pytest.raises(ValueError, match="at least one day"):
        weekly("alice", length_days=0)


def test_rotations_in_step_over_different_people_never_share_a_primary() -> None:
    since = berlin(2026, 11, 23)
    assert first_shared_primary(weekly("alice", "dan"), weekly("erin", "bob"), since) is None
    assert first_shared_primary(weekly("alice", "bob"), weekly("bob", "alice"), since) is None


def test_a_fixed_primary_inside_a_rotation_is_found_at_its_turn() -> None:
    fixed = Rotation(("bob",), time(0), 1, date(2000, 1, 3), "Europe/Berlin")
    shared = first_shared_primary(fixed, weekly("alice", "bob"), berlin(2026, 1, 1))
    assert shared == (datetime(2026, 1, 12, 8, tzinfo=UTC), "bob")
