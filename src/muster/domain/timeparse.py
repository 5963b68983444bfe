"""Times as people type them at 2 a.m.: `18:10`, `10m ago`, `now`, or full ISO 8601.

A bare clock time means its most recent occurrence in the team's timezone: `18:10` typed at
00:20 is yesterday evening, not tonight.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, tzinfo

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
        local_now = now.astimezone(tz)
        moment = local_now.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if moment > local_now + timedelta(minutes=1):
            moment -= timedelta(days=1)
        return moment
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
