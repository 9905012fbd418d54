"""The settings modals other than the department's: holidays, a digest, reaction names and nudge
thresholds. Each comes with the reader that turns a submission into its section's value (the
config file's shape, bot/domain/workspace_settings.py) and the blocks its fields live in."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.config import LiaisonConfig
from bot.config.models import ACTION_KINDS, Digest, Nudges
from bot.slack.blocks.common import Block, option, plain
from bot.slack.blocks.forms import (
    DAY_NAMES,
    field,
    read_conversation,
    read_option,
    read_options,
    read_text,
    text_input,
    weekday_options,
    zone_select,
)
from bot.slack.ids import SettingsIds

HOLIDAYS = "holidays"
DIGEST_CHANNEL = "digest_channel"
DIGEST_DEPARTMENTS = "digest_departments"
DIGEST_WEEKDAY = "digest_weekday"
DIGEST_TIME = "digest_time"
DIGEST_ZONE = "digest_timezone"
DIGEST_REMOVE = "digest_remove"
DIGEST_FIELDS = {
    "channel": DIGEST_CHANNEL,
    "departments": DIGEST_DEPARTMENTS,
    "weekday": DIGEST_WEEKDAY,
    "time": DIGEST_TIME,
    "timezone": DIGEST_ZONE,
}
REMOVE = "remove"
MAX_HOLIDAYS_TEXT = 3000


def _modal(callback_id: str, title: str, blocks: list[Block], **metadata: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps(metadata),
        "blocks": blocks,
    }


# -- holidays ----------------------------------------------------------------------------------


def holidays_modal(holidays: list[str]) -> dict[str, Any]:
    typed = "\n".join(holidays)
    return _modal(
        SettingsIds.holidays_callback,
        "Holidays",
        [
            field(
                HOLIDAYS,
                "Days off for everyone",
                text_input(typed, multiline=True, max_length=MAX_HOLIDAYS_TEXT),
                optional=True,
                hint='One date a line, like "2026-12-25". No request is due on these days.',
            )
        ],
    )


def read_holidays(view: Mapping[str, Any]) -> list[str]:
    return [day for day in re.split(r"[\s,;]+", read_text(view, HOLIDAYS)) if day]


# -- a digest ----------------------------------------------------------------------------------


def digest_modal(
    digest: Digest | None, config: LiaisonConfig, *, number: int | None
) -> dict[str, Any]:
    """The modal for the digest at `number` in the list (None: a new one)."""
    channel: dict[str, Any] = {
        "type": "conversations_select",
        "filter": {"include": ["public", "private"]},
    }
    departments: dict[str, Any] = {
        "type": "multi_static_select",
        "options": [option(d.name, d.key) for d in config.departments][:100],
    }
    weekday: dict[str, Any] = {"type": "static_select", "options": weekday_options()}
    at: dict[str, Any] = {"type": "timepicker", "initial_time": "09:00"}
    zone = None
    if digest is not None:
        channel["initial_conversation"] = digest.channel
        departments["initial_options"] = [
            option(d.name, d.key) for d in config.departments if d.key in digest.departments
        ]
        weekday["initial_option"] = option(DAY_NAMES[digest.weekday], digest.weekday)
        at["initial_time"] = digest.time
        zone = digest.timezone
    else:
        weekday["initial_option"] = option(DAY_NAMES["mon"], "mon")
    if not departments["options"]:
        departments = {"type": "multi_static_select", "options": [option("(none yet)", "-")]}
    blocks = [
        field(DIGEST_CHANNEL, "Channel", channel),
        field(DIGEST_DEPARTMENTS, "Departments", departments),
        field(DIGEST_WEEKDAY, "Day", weekday),
        field(DIGEST_TIME, "Time", at),
        field(DIGEST_ZONE, "Time zone", zone_select(zone), optional=True),
    ]
    if digest is not None:
        remove = {"type": "checkboxes", "options": [option("Remove this digest", REMOVE)]}
        blocks.append(field(DIGEST_REMOVE, "Remove", remove, optional=True))
    title = "Edit digest" if digest is not None else "Add digest"
    return _modal(SettingsIds.digest_callback, title, blocks, number=number)


def read_digest(view: Mapping[str, Any]) -> dict[str, Any] | None:
    """The digest a submission describes, or None when it asks to remove it."""
    if REMOVE in read_options(view, DIGEST_REMOVE):
        return None
    values = view.get("state", {}).get("values", {})
    at = ((values.get(DIGEST_TIME) or {}).get(SettingsIds.value) or {}).get("selected_time")
    table: dict[str, Any] = {
        "channel": read_conversation(view, DIGEST_CHANNEL) or "",
        "departments": [d for d in read_options(view, DIGEST_DEPARTMENTS) if d != "-"],
        "weekday": read_option(view, DIGEST_WEEKDAY) or "mon",
        "time": at if isinstance(at, str) and at else "09:00",
    }
    zone = read_option(view, DIGEST_ZONE)
    if zone:
        table["timezone"] = zone
    return table


# -- reactions -------------------------------------------------------------------------------

# One field per action, its block id named after it.
REACTION_FIELDS = {kind: f"reactions_{kind}" for kind in ACTION_KINDS}


def reactions_modal(config: LiaisonConfig) -> dict[str, Any]:
    blocks = []
    for kind, block_id in REACTION_FIELDS.items():
        names = " ".join(getattr(config.reactions, kind))
        label = f"Reactions that mean {kind.replace('_', ' ')}"
        blocks.append(
            field(
                block_id,
                label,
                text_input(names, max_length=500),
                hint="Emoji names, like raising_hand",
            )
        )
    return _modal(SettingsIds.reactions_callback, "Reactions", blocks)


def read_reactions(view: Mapping[str, Any], current: Mapping[str, Any]) -> dict[str, Any]:
    """The reactions table: the names typed for each action (colons around a name are
    dropped), and the estimate reactions as they were."""
    table: dict[str, Any] = {}
    for kind, block_id in REACTION_FIELDS.items():
        words = re.split(r"[\s,]+", read_text(view, block_id))
        table[kind] = [w.strip(":") if re.fullmatch(r":[^:]+:", w) else w for w in words if w]
    if "estimate_days" in current:
        table["estimate_days"] = current["estimate_days"]
    return table


# -- nudges ----------------------------------------------------------------------------------

# One field per threshold, its block id named after it.
NUDGE_FIELDS = {name: f"nudges_{name}" for name in Nudges.model_fields}
_NUDGE_LABELS = {
    "unclaimed_after": "Remind when unclaimed after",
    "unestimated_after": "Remind when claimed but not estimated after",
    "needs_info_after": "Remind the requester of a question after",
    "negotiation_after": "Remind of an open negotiation after",
    "due_soon_within": "Warn when due within",
    "cooldown": "At most one reminder each",
}


def nudges_modal(config: LiaisonConfig) -> dict[str, Any]:
    blocks = [
        field(
            block_id,
            _NUDGE_LABELS.get(name, name),
            text_input(str(getattr(config.nudges, name)), max_length=20),
            hint='In business time, like "4h", "1d" or "1d 4h".',
        )
        for name, block_id in NUDGE_FIELDS.items()
    ]
    return _modal(SettingsIds.nudges_callback, "Nudge thresholds", blocks)


def read_nudges(view: Mapping[str, Any]) -> dict[str, str]:
    return {name: read_text(view, block_id) for name, block_id in NUDGE_FIELDS.items()}
