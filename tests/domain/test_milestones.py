"""Milestone rules: phases derived from the record, times that never decrease, and durations."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from muster.domain.milestones import (
    Milestone,
    MilestoneRefused,
    Phase,
    check_milestone,
    durations,
    is_open,
    phase_of,
)

BERLIN = ZoneInfo("Europe/Berlin")


def utc(hour: int, minute: int, second: int = 0) -> datetime:
    """A moment on the evening of the seed outage, 2026-11-20, in UTC."""
    return datetime(2026, 11, 20, hour, minute, second, tzinfo=UTC)


NOW = utc(19, 0)

#: The seed outage: a deploy at 18:10 breaks logins; a rollback restores them by 18:36.
SEED_OUTAGE = {
    Milestone.started: utc(18, 10),
    Milestone.detected: utc(18, 18),
    Milestone.identified: utc(18, 28),
    Milestone.mitigated: utc(18, 36),
}


def refusal(
    recorded: dict[Milestone, datetime],
    milestone: Milestone,
    at: datetime,
    now: datetime = NOW,
    tz: tzinfo = UTC,
) -> MilestoneRefused:
    with pytest.raises(MilestoneRefused) as caught:
        check_milestone(recorded, milestone, at, now, tz)
    return caught.value


@pytest.mark.parametrize(
    ("latest", "phase"),
    [
        (Milestone.started, Phase.detection),
        (Milestone.detected, Phase.detection),
        (Milestone.acknowledged, Phase.triage),
        (Milestone.identified, Phase.mitigation),
        (Milestone.mitigated, Phase.resolution),
        (Milestone.resolved, Phase.review),
        (Milestone.reviewed, Phase.closed),
    ],
)
def test_the_phase_is_the_one_the_latest_milestone_opens(latest: Milestone, phase: Phase) -> None:
    order = list(Milestone)
    recorded = {m: utc(18, 10 + i) for i, m in enumerate(order[: order.index(latest) + 1])}
    assert phase_of(recorded) == phase


def test_an_incident_with_no_milestones_is_in_detection() -> None:
    assert phase_of({}) == Phase.detection


def test_an_incident_is_open_until_it_is_resolved() -> None:
    assert is_open(SEED_OUTAGE) is True
    assert is_open({**SEED_OUTAGE, Milestone.resolved: utc(18, 50)}) is False


def test_mitigating_without_identifying_the_cause_is_allowed() -> None:
    recorded = {Milestone.detected: utc(18, 18)}
    check = check_milestone(recorded, Milestone.mitigated, utc(18, 33), NOW)
    assert check.milestone == Milestone.mitigated
    assert check.at == utc(18, 33)
    assert check.phase_before == Phase.detection
    assert check.phase_after == Phase.resolution


def test_recording_a_milestone_does_not_change_the_record_it_was_given() -> None:
    recorded = {Milestone.detected: utc(18, 18)}
    check_milestone(recorded, Milestone.acknowledged, utc(18, 20), NOW)
    assert recorded == {Milestone.detected: utc(18, 18)}


def test_a_milestone_at_the_same_time_as_the_one_before_is_accepted() -> None:
    check = check_milestone(SEED_OUTAGE, Milestone.resolved, utc(18, 36), NOW)
    assert check.phase_after == Phase.review


def test_a_milestone_already_recorded_is_refused() -> None:
    refused = refusal(SEED_OUTAGE, Milestone.detected, utc(18, 20))
    assert str(refused) == "detected is already recorded at 2026-11-20 18:18 UTC"
    assert refused.hint == (
        "milestones are recorded once; add a note with `muster log` to correct the record"
    )


def test_mitigating_before_detection_is_refused_with_the_milestone_to_record_first() -> None:
    refused = refusal({Milestone.started: utc(18, 10)}, Milestone.mitigated, utc(18, 36))
    assert str(refused) == "cannot record mitigated before detected"
    assert refused.hint == "record detected first"


def test_reviewing_before_resolving_is_refused_with_a_hint() -> None:
    refused = refusal(SEED_OUTAGE, Milestone.reviewed, utc(18, 50))
    assert str(refused) == "cannot record reviewed before resolved"
    assert refused.hint == "record resolved first"


def test_back_dating_before_an_earlier_milestone_names_both_times_in_the_team_timezone() -> None:
    # November in Berlin is CET, UTC+1: 17:18 UTC is 18:18 on the team's clocks.
    recorded = {Milestone.detected: datetime(2026, 11, 20, 17, 18, tzinfo=UTC)}
    at = datetime(2026, 11, 20, 17, 15, tzinfo=UTC)
    refused = refusal(recorded, Milestone.identified, at, tz=BERLIN)
    assert str(refused) == (
        "identified at 2026-11-20 18:15 CET would be before detected at 2026-11-20 18:18 CET"
    )
    assert (
        refused.hint == "milestones never go back in time; give --at 2026-11-20 18:18 CET or later"
    )


def test_back_dating_before_several_milestones_hints_a_time_that_would_be_accepted() -> None:
    refused = refusal(SEED_OUTAGE, Milestone.acknowledged, utc(18, 5))
    assert (
        refused.hint == "milestones never go back in time; give --at 2026-11-20 18:18 UTC or later"
    )


def test_a_time_after_a_later_recorded_milestone_is_refused() -> None:
    # Both identified (18:28) and mitigated (18:36) are earlier; the binding one is identified.
    refused = refusal(SEED_OUTAGE, Milestone.acknowledged, utc(18, 40))
    assert str(refused) == (
        "acknowledged at 2026-11-20 18:40 UTC would be after identified at 2026-11-20 18:28 UTC"
    )
    assert refused.hint == "give --at 2026-11-20 18:28 UTC or earlier"


def test_impact_cannot_have_started_after_it_was_detected() -> None:
    refused = refusal({Milestone.detected: utc(18, 18)}, Milestone.started, utc(18, 20))
    assert str(refused) == (
        "started at 2026-11-20 18:20 UTC would be after detected at 2026-11-20 18:18 UTC"
    )


def test_a_time_more_than_a_minute_in_the_future_is_refused() -> None:
    refused = refusal({}, Milestone.detected, NOW + timedelta(minutes=1, seconds=1))
    assert str(refused) == "detected at 2026-11-20 19:01 UTC is in the future"
    assert refused.hint == "give a time that has already happened, or leave out --at for now"


def test_a_time_up_to_a_minute_in_the_future_is_accepted_as_clock_skew() -> None:
    check = check_milestone({}, Milestone.detected, NOW + timedelta(minutes=1), NOW)
    assert check.at == utc(19, 1)
    assert check.phase_after == Phase.detection


def test_the_seed_outage_durations() -> None:
    assert durations(SEED_OUTAGE) == {
        "time_to_detect": timedelta(minutes=8),
        "time_to_identify": timedelta(minutes=10),
        "time_to_contain": timedelta(minutes=18),
        "impact_duration": timedelta(minutes=26),
    }


def test_durations_leave_out_spans_whose_milestones_are_missing() -> None:
    assert durations({Milestone.detected: utc(18, 18)}) == {}
