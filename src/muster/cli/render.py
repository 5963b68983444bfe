"""Plain text for people at 2 a.m.: the hats first, then what is happening, then the record."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from muster.domain.durations import format_duration

Lines = list[tuple[str, str]]


def _local(text: str, tz: ZoneInfo) -> datetime:
    # The API speaks UTC; people read the team's clock, so days begin at local midnight.
    return datetime.fromisoformat(text).astimezone(tz)


def _at(text: str | None, tz: ZoneInfo, *, day: date | None = None) -> str:
    """`HH:MM` in the team's zone, or `Nov 21 00:10` when it is not on local `day`."""
    if not text:
        return "-"
    moment = _local(text, tz)
    return moment.strftime("%H:%M" if moment.date() == day else "%b %d %H:%M")


def team_time(text: str, timezone: str) -> str:
    """`HH:MM` on the team's clock, for one-line messages."""
    return _local(text, ZoneInfo(timezone)).strftime("%H:%M")


def summary(detail: dict[str, Any]) -> Lines:
    """The head of `incident`: title and state, who wears which hat, warnings, impact.

    Lines with a style tag each ('' plain, 'bold', 'warn', 'dim').
    """
    state = "open" if detail["open"] else "resolved"
    flags = [f for f in ("drill", "private") if detail[f]]
    out: Lines = [
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
    out.extend(_clocks(detail))
    out.extend(_paging(detail))
    return out


def _paging(detail: dict[str, Any]) -> Lines:
    """Who was paged, who acknowledged, and, while nobody has, who is paged next and when.
    Times on the day of detection are HH:MM, as in the milestones line."""
    pages = detail.get("paging", {}).get("pages", [])
    if not pages:
        return []  # the commander declared it, so nobody needed paging
    tz = ZoneInfo(detail["timezone"])
    day = _local(detail["milestones"].get("detected") or detail["declared_at"], tz).date()
    out: Lines = []
    sent = [p for p in pages if p["paged_at"]]
    if sent:
        said = [f"{p['person']} ({p['reason']}) {_at(p['paged_at'], tz, day=day)}" for p in sent]
        out.append(("Paged: " + ", ".join(said), ""))
    for page in pages:
        if not page["paged_at"]:
            who = f"{page['person']} ({page['reason']})"
            if page["waits_until"]:
                when = _at(page["waits_until"], tz, day=day)
                out.append((f"Paging {who} waits until {when}", "dim"))
            else:
                out.append((f"Paging {who} now", ""))
    acked = sorted((p for p in pages if p["acknowledged_at"]), key=lambda p: p["acknowledged_at"])
    if acked:
        first = acked[0]
        when = _at(first["acknowledged_at"], tz, day=day)
        out.append((f"Acknowledged by {first['acknowledged_by']} at {when}", ""))
    elif detail["open"]:
        coming = detail["paging"].get("next")
        then = (
            f"; at {_at(coming['at'], tz, day=day)} step {coming['step']} of {coming['of']} "
            f"pages {', '.join(coming['paging'])}"
            if coming
            else ""
        )
        out.append((f"Not acknowledged yet{then} (muster ack {detail['ref']})", "warn"))
    return out


def _clocks(detail: dict[str, Any]) -> Lines:
    """One line per track: when the next update is due (or how late it is), and adherence."""
    out: Lines = []
    for clock in detail.get("clocks", []):
        minutes = round(clock["seconds"] / 60)
        late = format_duration(timedelta(minutes=minutes)) if minutes else "under a minute"
        if clock["state"] == "done":
            when, style = "no more due", "dim"
        elif clock["state"] == "upcoming":
            when, style = f"due {team_time(clock['due_at'], detail['timezone'])} (in {late})", ""
        else:
            word = "OVERDUE" if clock["state"] == "overdue" else "DUE"
            when, style = (
                f"{word} since {team_time(clock['due_at'], detail['timezone'])} ({late})",
                "warn",
            )
        record = f" · on time {clock['on_time']}/{clock['due']}" if clock["due"] else ""
        out.append((f"Next {clock['track']} update: {when}{record}", style))
    waiting = [q for q in detail.get("questions", []) if q["state"] in ("open", "forwarded")]
    if waiting:
        out.append((f"Questions waiting: {len(waiting)} (muster questions {detail['ref']})", ""))
    return out


def incident(detail: dict[str, Any]) -> Lines:
    """The whole record: `summary`, then freezes, rollback, milestones, tasks and timeline."""
    tz = ZoneInfo(detail["timezone"])
    out = summary(detail)
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
                f"(last tested {tested})"
                + (f"; warning: {path['warning']}" if path.get("warning") else ""),
                "warn" if path.get("warning") else "",
            )
        )
    out.append(("Milestones: " + _milestones(detail, tz), ""))
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
    out.extend(_timeline(detail["timeline"], tz))
    return out


def _milestones(detail: dict[str, Any], tz: ZoneInfo) -> str:
    """Times on the day of detection as HH:MM; any other local day gets its date."""
    marks: dict[str, str] = detail["milestones"]
    anchor = marks.get("detected") or detail["declared_at"]
    day = _local(anchor, tz).date()
    return " · ".join(f"{name} {_at(at, tz, day=day)}" for name, at in marks.items())


def _timeline(entries: list[dict[str, Any]], tz: ZoneInfo) -> Lines:
    """One line per entry; the date is shown whenever the local day changes, and on the first
    line when the entries span more than one local day."""
    days = [_local(e["occurred_at"], tz).date() for e in entries]
    dated = len(set(days)) > 1
    previous: date | None = days[0] if days and not dated else None
    out: Lines = []
    for entry, day in zip(entries, days, strict=True):
        when = _at(entry["occurred_at"], tz, day=previous).rjust(12 if dated else 5)
        previous = day
        note = f" (corrects #{entry['amends']})" if entry["amends"] else ""
        late = ""
        recorded = datetime.fromisoformat(entry["recorded_at"])
        if recorded - datetime.fromisoformat(entry["occurred_at"]) > timedelta(minutes=2):
            late = f", noted {_at(entry['recorded_at'], tz, day=day)}"
        out.append(
            (
                f"  {when}  #{entry['seq']:<3} {entry['kind']:<10} {entry['text']}{note}"
                f"  ({entry['author']}{late})",
                "",
            )
        )
    return out


def listing(rows: list[dict[str, Any]]) -> Lines:
    if not rows:
        return [("No incidents.", "dim")]
    out: Lines = []
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
