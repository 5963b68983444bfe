"""Plain text for people at 2 a.m.: the hats first, then what is happening, then the record."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from muster.domain.durations import format_duration


def _at(text: str | None, tz: ZoneInfo, *, date: bool = False) -> str:
    if not text:
        return "-"
    moment = datetime.fromisoformat(text).astimezone(tz)
    return moment.strftime("%Y-%m-%d %H:%M" if date else "%H:%M")


def incident(detail: dict[str, Any]) -> list[tuple[str, str]]:
    """Lines with a style tag each ('' plain, 'bold', 'warn', 'dim')."""
    tz = ZoneInfo(detail["timezone"])
    state = "open" if detail["open"] else "resolved"
    flags = [f for f in ("drill", "private") if detail[f]]
    out: list[tuple[str, str]] = [
        (f"{detail['ref']}  {detail['severity']}  {detail['title']}", "bold"),
        (
            f"{state} · phase {detail['phase']}"
            + (f" · {', '.join(flags)}" if flags else "")
            + f" · services: {', '.join(detail['services']) or 'none named'}"
            + f" · times in {detail['timezone']}",
            "",
        ),
        ("", ""),
    ]
    for role in detail["roles"]:
        holder = role["holder"] + ("" if role["named"] else " (as commander)")
        line = f"  {role['role']:<13} {holder:<24} backup: {role['backup'] or '-'}"
        if role["pending_to"]:
            line += f"   -> offered to {role['pending_to']}, waiting for them to accept"
        out.append((line, "bold" if role["role"] == "commander" else ""))
    for warning in detail["warnings"]:
        out.append((f"  ! {warning}", "warn"))
    out.append(("", ""))
    out.append((f"Impact: {detail['impact'] or 'not stated yet (muster impact INC TEXT)'}", ""))
    for freeze in detail["freezes"]:
        out.append(
            (
                f"Freeze: deploys to {freeze['service'] or 'every service'} are frozen "
                f"({freeze['reason']})",
                "warn",
            )
        )
    for path in detail["rollback"]:
        tested = path["last_tested"] or "never tested"
        out.append(
            (
                f"Rollback {path['service']}: {path['runbook'] or 'no runbook'} "
                f"(last tested {tested})",
                "",
            )
        )
    marks = " · ".join(f"{name} {_at(at, tz)}" for name, at in detail["milestones"].items())
    out.append((f"Milestones: {marks}", ""))
    spans = detail["durations"]
    if spans:
        words = {
            "time_to_detect": "to detect",
            "time_to_contain": "detection to containment",
            "time_to_resolve": "to resolve",
            "impact_duration": "impact",
        }
        shown = [
            f"{label} {format_duration(timedelta(seconds=spans[key]))}"
            for key, label in words.items()
            if key in spans
        ]
        if shown:
            out.append(("Times: " + " · ".join(shown), ""))
    if detail["tasks"]:
        out.append(("", ""))
        out.append(("Tasks", "bold"))
        for task in detail["tasks"]:
            box = "[x]" if task["done"] else "[ ]"
            out.append(
                (
                    f"  {box} {task['number']}. {task['title']} ({task['owner'] or 'anyone'})",
                    "dim" if task["done"] else "",
                )
            )
    out.append(("", ""))
    out.append(("Timeline", "bold"))
    first = detail["timeline"][0]["occurred_at"] if detail["timeline"] else None
    for entry in detail["timeline"]:
        same_day = first and entry["occurred_at"][:10] == first[:10]
        when = _at(entry["occurred_at"], tz, date=not same_day)
        note = f" (corrects #{entry['amends']})" if entry["amends"] else ""
        late = ""
        recorded = datetime.fromisoformat(entry["recorded_at"])
        if recorded - datetime.fromisoformat(entry["occurred_at"]) > timedelta(minutes=2):
            late = f", noted {_at(entry['recorded_at'], tz)}"
        out.append(
            (
                f"  {when}  #{entry['seq']:<3} {entry['kind']:<10} {entry['text']}{note}"
                f"  ({entry['author']}{late})",
                "",
            )
        )
    return out


def listing(rows: list[dict[str, Any]]) -> list[tuple[str, str]]:
    if not rows:
        return [("No incidents.", "dim")]
    out = []
    for row in rows:
        state = row["phase"] if row["open"] else "resolved"
        flags = "".join(f" [{f}]" for f in ("drill", "private") if row[f])
        out.append(
            (
                f"{row['ref']:<8} {row['severity']:<6} {state:<11} {row['commander']:<10} "
                f"{row['title']}{flags}",
                "" if row["open"] else "dim",
            )
        )
    return out
