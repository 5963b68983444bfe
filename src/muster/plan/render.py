"""The one-page plan: who holds which role now, severities, services, channels, templates.

One `Sheet` of facts, drawn three ways: Markdown (`muster plan show --format md`), a
standalone HTML document with inline CSS (`--format html`, printable on one sheet), and the
HTML body the web app's /plan page embeds. Channel URLs never appear: they carry secrets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from muster.domain import oncall
from muster.domain.roles import Role
from muster.plan.schema import Plan, RolePlan, Severity

#: who holds each role now, as (primary, backup): the plan's answer, or one with overrides
OnCall = Mapping[Role, tuple[str, str | None]]


@dataclass(frozen=True)
class RoleLine:
    role: Role
    arrangement: str  # "primary carol, backup dan" or "rotation alice, dan: weekly ..."
    now: str
    backup: str | None
    next_handoff: str | None  # local time of the next rotation handoff


@dataclass(frozen=True)
class ServiceLine:
    name: str
    description: str
    owners: list[str]
    runbook: str | None
    last_tested: str | None
    component: str | None
    freezes: bool


@dataclass(frozen=True)
class Sheet:
    team: str
    timezone: str
    at: str  # when "now" is, local
    roles: list[RoleLine]
    severities: list[Severity]
    services: list[ServiceLine]
    channels: list[tuple[str, str]]  # name, tracks
    templates: list[tuple[str, str, str]]  # name, track, status word


def local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%a %Y-%m-%d %H:%M %Z")


def arrangement(plan: RolePlan) -> str:
    if plan.rotation is None:
        return f"primary {plan.primary}, backup {plan.backup or 'none'}"
    rotation = plan.rotation
    every = {1: "daily", 7: "weekly", 14: "every two weeks"}.get(
        rotation.length_days, f"every {rotation.length_days} days"
    )
    day = f"{rotation.handoff.weekday.capitalize()} " if rotation.handoff.weekday else ""
    backup = f", backup {plan.backup}" if plan.backup else ""
    return f"rotation {', '.join(rotation.people)}: {every}, {day}{rotation.handoff.time}{backup}"


def next_handoff(plan: Plan, role: Role, now: datetime) -> datetime | None:
    """When the role's rotation next changes hands (None for a fixed primary)."""
    rotation = plan.role(role).rotation
    if rotation is None or len(rotation.people) < 2:
        return None
    return oncall.next_handoff(rotation.to_rotation(plan.team.timezone), now)


def sheet(plan: Plan, now: datetime, on_call: OnCall | None = None) -> Sheet:
    zone = ZoneInfo(plan.team.timezone)
    roles = []
    for role in Role:
        primary, backup = (on_call or {}).get(role) or plan.on_call(role, now)
        handoff = next_handoff(plan, role, now)
        roles.append(
            RoleLine(
                role=role,
                arrangement=arrangement(plan.role(role)),
                now=primary,
                backup=backup,
                next_handoff=local(handoff, zone) if handoff else None,
            )
        )
    services = [
        ServiceLine(
            name=s.name,
            description=s.description,
            owners=list(s.owners),
            runbook=s.rollback.runbook if s.rollback else None,
            last_tested=(
                s.rollback.last_tested.isoformat()
                if s.rollback and s.rollback.last_tested
                else None
            ),
            component=s.status_component,
            freezes=s.freeze_on_incident,
        )
        for s in plan.services
    ]
    return Sheet(
        team=plan.team.name,
        timezone=plan.team.timezone,
        at=local(now, zone),
        roles=roles,
        severities=list(plan.severities),
        services=services,
        channels=[(c.name, ", ".join(c.tracks)) for c in plan.channels],
        templates=[(n, str(t.track), t.status or "") for n, t in plan.templates.items()],
    )


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def to_markdown(plan: Plan, now: datetime, on_call: OnCall | None = None) -> str:
    s = sheet(plan, now, on_call)
    out = [f"# {s.team}: incident plan", "", f"On call at {s.at} (times in {s.timezone}).", ""]
    out += ["## Roles", "", "| role | on call now | backup | arrangement | next handoff |"]
    out.append("| --- | --- | --- | --- | --- |")
    for r in s.roles:
        cells = [r.role, r.now, r.backup or "none", r.arrangement, r.next_handoff or "-"]
        out.append("| " + " | ".join(_cell(str(c)) for c in cells) + " |")
    out += ["", "## Severities", ""]
    for sev in s.severities:
        out.append(f"### {sev.name}: {sev.description}".rstrip(": "))
        out.append("")
        out += [f"- {c}" for c in sev.criteria]
        out += [
            "",
            f"Updates: internal every {sev.cadence.internal}, "
            f"customer every {sev.cadence.customer}.",
            "",
        ]
    out += ["## Services", "", "| service | owners | rollback runbook | last tested |"]
    out.append("| --- | --- | --- | --- |")
    for svc in s.services:
        cells = [
            svc.name,
            ", ".join(svc.owners) or "-",
            svc.runbook or "none",
            svc.last_tested or "never",
        ]
        out.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    out += ["", "## Channels", ""]
    out += [f"- {name} ({tracks})" for name, tracks in s.channels] or ["- none"]
    out += ["", "## Templates", ""]
    out += [
        f"- {name} ({track}{', ' + status if status else ''})"
        for name, track, status in s.templates
    ] or ["- none"]
    return "\n".join(out) + "\n"


def body_html(plan: Plan, now: datetime, on_call: OnCall | None = None) -> str:
    """The plan's content as an HTML fragment (headings from h2), escaped throughout."""
    s = sheet(plan, now, on_call)
    e = escape
    out = [f'<p class="plan-at">On call at {e(s.at)} (times in {e(s.timezone)}).</p>']
    out.append('<section aria-labelledby="plan-roles"><h2 id="plan-roles">Roles</h2>')
    out.append(
        '<table class="plan-roles"><thead><tr><th scope="col">Role</th>'
        '<th scope="col">On call now</th><th scope="col">Backup</th>'
        '<th scope="col">Arrangement</th><th scope="col">Next handoff</th></tr></thead><tbody>'
    )
    for r in s.roles:
        out.append(
            f'<tr><th scope="row">{e(r.role)}</th>'
            f'<td data-label="On call now"><strong>{e(r.now)}</strong></td>'
            f'<td data-label="Backup">{e(r.backup or "none")}</td>'
            f'<td data-label="Arrangement">{e(r.arrangement)}</td>'
            f'<td data-label="Next handoff">{e(r.next_handoff or "-")}</td></tr>'
        )
    out.append("</tbody></table></section>")
    out.append('<section aria-labelledby="plan-sev"><h2 id="plan-sev">Severities</h2>')
    for sev in s.severities:
        out.append(
            f'<div class="plan-sev"><h3>{e(sev.name)}'
            + (f" <small>{e(sev.description)}</small>" if sev.description else "")
            + "</h3><ul>"
            + "".join(f"<li>{e(c)}</li>" for c in sev.criteria)
            + "</ul>"
        )
        out.append(
            f"<p>Updates: internal every {e(sev.cadence.internal)}, customer every "
            f"{e(sev.cadence.customer)}.</p></div>"
        )
    out.append("</section>")
    out.append('<section aria-labelledby="plan-svc"><h2 id="plan-svc">Services</h2>')
    out.append(
        '<table class="plan-services"><thead><tr><th scope="col">Service</th>'
        '<th scope="col">Owners</th>'
        '<th scope="col">Rollback runbook</th><th scope="col">Last tested</th></tr>'
        "</thead><tbody>"
    )
    for svc in s.services:
        runbook = (
            f'<a href="{e(svc.runbook)}">{e(svc.runbook)}</a>'
            if svc.runbook and svc.runbook.startswith(("https://", "http://"))
            else e(svc.runbook or "none")
        )
        out.append(
            f'<tr><th scope="row">{e(svc.name)}'
            + (f"<br><small>{e(svc.description)}</small>" if svc.description else "")
            + f'</th><td data-label="Owners">{e(", ".join(svc.owners) or "-")}</td>'
            f'<td data-label="Rollback runbook">{runbook}</td>'
            f'<td data-label="Last tested">{e(svc.last_tested or "never")}</td></tr>'
        )
    out.append("</tbody></table></section>")
    out.append(
        '<section aria-labelledby="plan-ch" class="plan-pair"><div>'
        '<h2 id="plan-ch">Channels</h2><ul>'
    )
    out += [f"<li>{e(n)} <small>({e(t)})</small></li>" for n, t in s.channels] or ["<li>none</li>"]
    out.append('</ul></div><div><h2 id="plan-tpl">Templates</h2><ul>')
    out += [
        f"<li>{e(n)} <small>({e(t)}{', ' + e(st) if st else ''})</small></li>"
        for n, t, st in s.templates
    ] or ["<li>none</li>"]
    out.append("</ul></div></section>")
    return "\n".join(out)


STYLE = """
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#111;
max-width:60rem;margin:1rem auto;padding:0 1rem}
h1{font-size:1.4rem;margin:.2rem 0}h2{font-size:1.1rem;margin:1rem 0 .3rem;
border-bottom:1px solid #999}h3{font-size:1rem;margin:.5rem 0 .2rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;
padding:.2rem .4rem;border-bottom:1px solid #ccc}ul{margin:.2rem 0;padding-left:1.2rem}
small{color:#444}a{color:#0645ad}.plan-pair{display:flex;gap:2rem;flex-wrap:wrap}
@media screen and (max-width:40rem){thead{display:none}tr,tbody th,td{display:block}
tr{border-bottom:1px solid #ccc;padding:.3rem 0}tbody th,td{border:0;padding:.1rem 0}
td::before{content:attr(data-label) ": ";color:#444}}
@media print{body{font-size:10pt;margin:0;max-width:none}a{color:#000;text-decoration:none}
@page{margin:1cm}}
"""


def to_html(plan: Plan, now: datetime, on_call: OnCall | None = None) -> str:
    """A complete HTML document: the plan on one page, styled inline, printable."""
    title = escape(f"{plan.team.name}: incident plan")
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title><style>{STYLE}</style></head><body>"
        f"<h1>{title}</h1>\n{body_html(plan, now, on_call)}\n</body></html>\n"
    )
