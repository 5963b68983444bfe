"""Durations as people write them in a plan or on a command line: `90s`, `10m`, `1h30m`, `1w`."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PART = re.compile(r"(\d+)\s*([smhdw])")
_WHOLE = re.compile(r"^\s*(\d+\s*[smhdw]\s*)+$")


def parse_duration(text: str) -> timedelta:
    """Parse `10m`, `1h30m`, `2d`... into a timedelta; raise ValueError with the accepted forms."""
    cleaned = text.strip().lower()
    if not _WHOLE.match(cleaned):
        raise ValueError(
            f"{text!r} is not a duration; write a number and a unit, like 90s, 10m, 1h30m, 2d or 1w"
        )
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(cleaned))
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a duration: it must be longer than zero")
    return timedelta(seconds=seconds)


def format_duration(delta: timedelta) -> str:
    """The shortest exact form of a duration: 600s -> `10m`, 5400s -> `1h30m`."""
    seconds = int(delta.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return sign + "".join(parts)
