"""The *Settings* section at the end of the Home tab, the settings history modal, and the small
modals that stand in while Liaison checks who is asking or says no.

What a person sees follows `SettingsAccess` (bot/slack/permissions.py): admins everything with
its buttons, leads their own departments with an Edit button each, and settings managed by the
config file are shown without any edit button, under a note naming the file."""

from __future__ import annotations

import json
from typing import Any

from bot.config import LiaisonConfig
from bot.config.models import ACTION_KINDS, Department, Digest, Role
from bot.domain.workspace_settings import AuditEntry, CurrentSettings
from bot.slack import text
from bot.slack.blocks.common import (
    Block,
    actions,
    button,
    channel,
    context,
    day,
    divider,
    header,
    plain,
    section,
    user,
)
from bot.slack.blocks.settings_types import types_summary
from bot.slack.blocks.tracker_settings import tracker_summary
from bot.slack.ids import SettingsIds
from bot.slack.permissions import SettingsAccess

# At most this many departments and digests are listed; the rest are counted.
LISTED = 10
LISTED_DIGESTS = 5
LISTED_PEOPLE = 8
LISTED_HOLIDAYS = 12
# History rows per page of the history modal (each a context block, plus the paging buttons).
HISTORY_PAGE = 20
MAX_SETTINGS_BLOCKS = 30

_LABELS = {
    "organization": "Organization",
    "holidays": "Holidays",
    "departments": "Departments",
    "digests": "Digests",
    "reactions": "Reactions",
    "nudges": "Nudge thresholds",
    "trackers": "Trackers",
    "request_types": "Request types",
}


def settings_section(current: CurrentSettings, access: SettingsAccess) -> list[Block]:
    """The Settings blocks of the Home tab for someone with `access` (none without any)."""
    if not access.any:
        return []
    config = current.config
    editable = not current.read_only
    blocks: list[Block] = [header("Settings")]
    if current.read_only:
        note = (
            f"These settings come from the config file `{text.mrkdwn(current.path or '', 500)}`:"
            " change them there, and Liaison applies them when it starts."
        )
        blocks.append(context(note))
    departments = [d for d in config.departments if access.admin or d.key in access.leads]
    if not departments:
        blocks.append(context("No departments yet."))
    for department in departments[:LISTED]:
        summary = department_summary(department)
        if department.role != Role.REQUESTER:
            summary += "\n" + tracker_summary(config.tracker_for(department.key))
        block = section(summary)
        if editable and access.may_edit_department(department.key):
            block.update(
                block_id=f"{SettingsIds.edit_department}:{department.key}"[:255],
                accessory=button("Edit", SettingsIds.edit_department, department.key),
            )
        blocks.append(block)
    if len(departments) > LISTED:
        blocks.append(context(f"and {len(departments) - LISTED} more departments"))
    trackers = [
        button(f"Tracker: {d.name}", SettingsIds.tracker, d.key)
        for d in departments[:LISTED]
        if d.role != Role.REQUESTER and access.may_edit_department(d.key)
    ]
    if editable and trackers:
        blocks.append(actions(SettingsIds.trackers_block, *trackers))
    blocks += _request_types(config, [d for d in departments[:LISTED] if d.is_fulfiller])
    if not access.admin:
        blocks.append(context("You lead these departments, so you can change their settings."))
        blocks.append(divider())
        return blocks
    blocks += _digests(config, editable=editable)
    blocks.append(section(_others(config)))
    buttons = [button("Settings history", SettingsIds.history, "0")]
    if editable:
        buttons = [
            button("Add department", SettingsIds.add_department, "new"),
            button("Holidays", SettingsIds.holidays, "holidays"),
            button("Add digest", SettingsIds.add_digest, "new"),
            button("Reactions", SettingsIds.reactions, "reactions"),
            button("Nudge thresholds", SettingsIds.nudges, "nudges"),
            *buttons,
        ]
    blocks += [actions(SettingsIds.block, *buttons), divider()]
    assert len(blocks) <= MAX_SETTINGS_BLOCKS
    return blocks


def _request_types(config: LiaisonConfig, departments: list[Department]) -> list[Block]:
    """Each fulfilling department's request types in a line, and one button per department
    opening its page (one actions block for them all)."""
    if not departments:
        return []
    lines = [
        f"*Request types of {text.mrkdwn(d.name, 100)}:* "
        + types_summary(config.request_types_for(d.key, retired=True))
        for d in departments
    ]
    buttons = [
        button(f"{d.name}: request types", SettingsIds.request_types, d.key) for d in departments
    ]
    return [section("\n".join(lines)), actions(SettingsIds.request_types, *buttons)]


def department_summary(department: Department) -> str:
    """One department in a few lines of mrkdwn."""
    lines = [f"*{text.mrkdwn(department.name, 150)}* · {department.role.value}"]
    if department.intake_channel:
        lines.append(f"Intake: {channel(department.intake_channel)}")
    people = _people(department.members)
    if department.usergroup:
        people = f"{people} and user group `{department.usergroup}`" if people else ""
        people = people or f"user group `{department.usergroup}`"
    lines.append(f"Members: {people or 'everyone'}")
    if department.leads:
        lines.append(f"Leads: {_people(department.leads)}")
    days = ", ".join(department.workdays)
    lines.append(f"{department.business_hours} {days} · {department.timezone or 'UTC'}")
    return "\n".join(lines)


def _people(ids: tuple[str, ...]) -> str:
    shown = ", ".join(user(u) for u in ids[:LISTED_PEOPLE])
    more = len(ids) - LISTED_PEOPLE
    return f"{shown} and {more} more" if more > 0 else shown


def digest_summary(digest: Digest, config: LiaisonConfig) -> str:
    names = [
        text.mrkdwn(d.name, 100) for key in digest.departments if (d := config.find_department(key))
    ]
    zone = digest.timezone or config.organization.timezone
    return (
        f"Digest in {channel(digest.channel)} · {', '.join(names)}"
        f" · {digest.weekday} {digest.time} {zone}"
    )


def _digests(config: LiaisonConfig, *, editable: bool) -> list[Block]:
    if not config.digests:
        return [context("No weekly digests.")]
    blocks = []
    for number, digest in enumerate(config.digests[:LISTED_DIGESTS]):
        block = section(digest_summary(digest, config))
        if editable:
            block.update(
                block_id=f"{SettingsIds.edit_digest}:{number}",
                accessory=button("Edit", SettingsIds.edit_digest, str(number)),
            )
        blocks.append(block)
    if len(config.digests) > LISTED_DIGESTS:
        blocks.append(context(f"and {len(config.digests) - LISTED_DIGESTS} more digests"))
    return blocks


def _others(config: LiaisonConfig) -> str:
    holidays = config.organization.holidays
    days = ", ".join(day(h) for h in holidays[:LISTED_HOLIDAYS]) or "none"
    if len(holidays) > LISTED_HOLIDAYS:
        days += f" and {len(holidays) - LISTED_HOLIDAYS} more"
    reactions = config.reactions
    named = " · ".join(
        f"{kind.replace('_', ' ')} " + " ".join(f":{name}:" for name in getattr(reactions, kind))
        for kind in ACTION_KINDS
    )
    nudges = config.nudges
    thresholds = " · ".join(
        f"{name.replace('_', ' ')} {getattr(nudges, name)}" for name in type(nudges).model_fields
    )
    return f"*Holidays:* {days}\n*Reactions:* {named}\n*Nudges:* {thresholds}"


# -- modals ------------------------------------------------------------------------------------


def notice_modal(title: str, message: str) -> dict[str, Any]:
    """A modal that only says something (a refusal, or "checking…" while Liaison asks Slack)."""
    return {
        "type": "modal",
        "title": plain(text.plain(title, 24)),
        "close": plain("Close"),
        "blocks": [section(text.mrkdwn(message))],
    }


def history_modal(entries: list[AuditEntry], *, page: int, more: bool) -> dict[str, Any]:
    """The settings changes, newest first, `HISTORY_PAGE` to a page with buttons to page."""
    blocks: list[Block] = []
    if not entries:
        blocks.append(context("No settings changes yet."))
    for entry in entries:
        blocks.append(context(history_line(entry)))
    paging = []
    if page > 0:
        paging.append(button("Newer", SettingsIds.history_page, str(page - 1)))
    if more:
        paging.append(button("Older", SettingsIds.history_page, str(page + 1)))
    if paging:
        blocks.append(actions(SettingsIds.history_page, *paging))
    return {
        "type": "modal",
        "callback_id": SettingsIds.history_callback,
        "title": plain("Settings history"),
        "close": plain("Close"),
        "private_metadata": json.dumps({"page": page}),
        "blocks": blocks,
    }


def history_line(entry: AuditEntry) -> str:
    """Who changed which section when, and a short account of the change."""
    if entry.changed_by == "file":
        who = "The config file"
    elif entry.changed_by == "cli":
        who = "The command line"
    else:
        who = user(entry.changed_by)
    at = entry.changed_at
    when = f"<!date^{int(at.timestamp())}^{{date_short_pretty}} {{time}}|{at:%Y-%m-%d %H:%M} UTC>"
    label = _LABELS.get(entry.section, entry.section)
    return f"{when} · {who} changed *{label}*: {change_summary(entry)}"


def change_summary(entry: AuditEntry) -> str:
    """What changed in a section, in a line (names escaped; at most a few hundred characters)."""
    before, after = entry.before, entry.after
    if entry.section in ("departments", "digests", "trackers"):
        return text.mrkdwn(_list_change(entry.section, before or [], after or []), 600)
    if entry.section == "holidays":
        added = sorted(set(after or []) - set(before or []))
        removed = sorted(set(before or []) - set(after or []))
        parts = [
            f"added {', '.join(added)}" if added else "",
            f"removed {', '.join(removed)}" if removed else "",
        ]
        return text.mrkdwn("; ".join(p for p in parts if p) or "no change", 600)
    keys = sorted(set(before or {}) | set(after or {}))
    changed = [
        f"{k} {_short((before or {}).get(k))} → {_short((after or {}).get(k))}"
        for k in keys
        if (before or {}).get(k) != (after or {}).get(k)
    ]
    return text.mrkdwn("; ".join(changed) or "no change", 600)


def _list_change(section: str, before: list[Any], after: list[Any]) -> str:
    def name(item: Any) -> str:
        if not isinstance(item, dict):
            return str(item)
        if section == "departments":
            return str(item.get("name") or item.get("key"))
        if section == "trackers":
            return f"{item.get('department')}'s tracker"
        return f"digest in #{item.get('channel')}"

    def ident(item: Any) -> Any:
        if not isinstance(item, dict):
            return None
        return item.get("key") if section == "departments" else item.get("department")

    if section in ("departments", "trackers"):
        old = {ident(d): d for d in before}
        new = {ident(d): d for d in after}
        parts = [f"added {name(new[k])}" for k in new if k not in old]
        parts += [f"removed {name(old[k])}" for k in old if k not in new]
        for key in new:
            if key in old and old[key] != new[key]:
                fields = sorted(
                    f for f in set(old[key]) | set(new[key]) if old[key].get(f) != new[key].get(f)
                )
                parts.append(f"{name(new[key])}: {', '.join(fields)}")
        return "; ".join(parts) or "no change"
    return (
        f"{len(before)} → {len(after)} digests" if len(before) != len(after) else "digests edited"
    )


def _short(value: Any) -> str:
    if value is None:
        return "(default)"
    shown = value if isinstance(value, str) else json.dumps(value)
    return shown if len(shown) <= 60 else shown[:59] + "…"
