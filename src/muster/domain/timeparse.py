"""Times as people type them at 2 a.m.: `18:10`, `10m ago`, `now`, or full ISO 8601.

A bare clock time means its most recent occurrence in the team's timezone: `18:10` typed at
00:20 is yesterday evening, not tonight.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo

from muster.domain.durations import parse_duration

_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})$")
_AGO = re.compile(r"^(.+?)\s*ago$|^-(.+)$")

ACCEPTED = "use HH:MM (team timezone), '10m ago', 'now', or ISO 8601 like 2026-11-20T18:10:00+01:00"


def parse_at(text: str, now: datetime, tz: tzinfo) -> datetime:
    """Turn `text` into an aware datetime; raise ValueError naming the accepted forms."""
    cleaned = text.strip().lower()
    if cleaned in ("", "now"):
        return now
    if match := _CLOCK.match(cleaned):
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(f"{text!r} is not a time of day; {ACCEPTED}")
        return _most_recent(hour, minute, now, tz)
    if match := _AGO.match(cleaned):
        try:
            return now - parse_duration(match.group(1) or match.group(2))
        except ValueError:
            raise ValueError(f"{text!r} is not a time; {ACCEPTED}") from None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a time; {ACCEPTED}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def _most_recent(hour: int, minute: int, now: datetime, tz: tzinfo) -> datetime:
    """The latest instant that showed HH:MM on the team's clocks, not after now (+1 minute).

    Both readings of an hour repeated when clocks go back are candidates (fold 0 and 1), and
    a time skipped when clocks go forward resolves to an instant that has passed.
    """
    today = now.astimezone(tz).date()
    limit = now + timedelta(minutes=1)
    # Compared in UTC: aware datetimes sharing one tzinfo compare by wall clock, ignoring fold.
    candidates = [
        datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz, fold=fold).astimezone(UTC)
        for day in (today, today - timedelta(days=1), today - timedelta(days=2))
        for fold in (0, 1)
    ]
    return max(c for c in candidates if c <= limit)  # in UTC: safe to compare anywhere


def parse_next(text: str, now: datetime, tz: tzinfo) -> datetime:
    """When the next update is promised: `15m` from now, a clock time still ahead today (or
    tomorrow), or ISO 8601. Raise ValueError for anything not after `now`."""
    cleaned = text.strip().lower()
    try:
        return now + parse_duration(cleaned)
    except ValueError:
        pass
    if match := _CLOCK.match(cleaned):
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour > 23 or minute > 59:
            raise ValueError(f"{text!r} is not a time of day; {NEXT_ACCEPTED}")
        day = now.astimezone(tz).date()
        for offset in (0, 1):  # today, or just past midnight
            moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz) + timedelta(
                days=offset
            )
            if now < moment.astimezone(UTC) <= now + NEXT_HORIZON:
                return moment.astimezone(UTC)
        raise ValueError(
            f"{text!r} has already passed today; give a later time or a duration like 15m"
        )
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not a time for the next update; {NEXT_ACCEPTED}") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=tz)
    if moment <= now:
        raise ValueError(f"the next update at {text!r} would be in the past; {NEXT_ACCEPTED}")
    return moment


#: A clock time for the next update means the next 12 hours: `20:00` typed at 20:57 is a
#: typo for a later time, not a promise for tomorrow evening.
NEXT_HORIZON = timedelta(hours=12)
NEXT_ACCEPTED = "use a duration like 15m, a clock time still ahead like 18:45, or ISO 8601"


def spoken(delta: timedelta) -> str:
    """`15 minutes`, `1 hour`, `1 hour 30 minutes`: how long, the way a message says it."""
    minutes = max(0, round(delta.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour" + ("s" if hours != 1 else ""))
    if minutes or not hours:
        parts.append(f"{minutes} minute" + ("s" if minutes != 1 else ""))
    return " ".join(parts)
