"""On-call shifts: the holder at an instant with overrides, the shifts in a window (holders
and backups), and the next change of hands. Pure: a schedule is a function of the instant."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from muster.domain.shifts import Override, Shift, next_change, on_call, shifts

MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
WEEK = timedelta(days=7)


def weekly(at: datetime) -> tuple[str, str | None]:
    """bob holds the role in even weeks from MONDAY, erin in odd ones; the other backs up."""
    odd = (at - MONDAY) // WEEK % 2
    return ("erin", "bob") if odd else ("bob", "erin")


HANDOFFS = [MONDAY + n * WEEK for n in range(-1, 4)]


def test_the_newest_override_wins_and_the_covered_holder_backs_up_only_for_its_person() -> None:
    older = Override(1, "fixer", "dan", MONDAY, MONDAY + WEEK)
    newer = Override(2, "fixer", "erin", MONDAY + timedelta(days=1), MONDAY + timedelta(days=2))
    assert on_call(weekly, [older], MONDAY).primary == "dan"
    assert on_call(weekly, [older], MONDAY).backup == "erin"  # the scheduled backup stays
    during = on_call(weekly, [older, newer], MONDAY + timedelta(days=1, hours=1))
    assert (during.primary, during.backup, during.override) == ("erin", "bob", newer)


def test_shifts_merge_a_persons_stretches_and_list_backups_after_holders() -> None:
    swap = Override(1, "fixer", "erin", MONDAY + timedelta(days=2), MONDAY + timedelta(days=3))
    since, until = MONDAY, MONDAY + 2 * WEEK
    found = shifts("fixer", weekly, [swap], HANDOFFS, since, until, backups=True)
    day = timedelta(days=1)
    assert found == [
        Shift("fixer", "bob", MONDAY, MONDAY + 2 * day, False),
        Shift("fixer", "erin", MONDAY + 2 * day, MONDAY + 3 * day, True),
        Shift("fixer", "bob", MONDAY + 3 * day, MONDAY + WEEK, False),
        Shift("fixer", "erin", MONDAY + WEEK, MONDAY + 2 * WEEK, False),
        # erin covering bob's day makes bob her backup (she was his).
        Shift("fixer", "erin", MONDAY, MONDAY + 2 * day, False, backup=True),
        Shift("fixer", "bob", MONDAY + 2 * day, MONDAY + 3 * day, True, backup=True),
        Shift("fixer", "erin", MONDAY + 3 * day, MONDAY + WEEK, False, backup=True),
        Shift("fixer", "bob", MONDAY + WEEK, MONDAY + 2 * WEEK, False, backup=True),
    ]
    assert [s for s in found if not s.backup] == shifts(
        "fixer", weekly, [swap], HANDOFFS, since, until
    )


def test_the_next_change_is_the_next_handoff_or_the_end_of_an_override() -> None:
    assert next_change(weekly, [], HANDOFFS, MONDAY + timedelta(hours=1)) == (
        MONDAY + WEEK,
        on_call(weekly, [], MONDAY + WEEK),
    )
    cover = Override(1, "fixer", "dan", MONDAY, MONDAY + timedelta(hours=8))
    at, holder = next_change(weekly, [cover], HANDOFFS, MONDAY + timedelta(hours=1)) or (None, None)
    assert at == MONDAY + timedelta(hours=8) and holder is not None and holder.primary == "bob"
    assert next_change(lambda _: ("carol", "dan"), [], [], MONDAY) is None


def test_a_backup_shift_is_marked_as_an_overrides_only_if_the_override_changed_the_backup() -> None:
    cover = Override(1, "fixer", "dan", MONDAY, MONDAY + timedelta(hours=8))  # dan for bob
    found = shifts("fixer", weekly, [cover], HANDOFFS, MONDAY, MONDAY + WEEK, backups=True)
    assert [(s.handle, s.override) for s in found if s.backup] == [("erin", False)]
    assert [(s.handle, s.override) for s in found if not s.backup] == [
        ("dan", True),
        ("bob", False),
    ]
