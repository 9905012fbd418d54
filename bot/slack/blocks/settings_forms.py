"""The settings modals other than the department's: holidays. Each comes with the reader that
turns a submission into its section's value (the config file's shape,
bot/domain/workspace_settings.py) and the blocks its fields live in."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.slack.blocks.common import Block, plain
from bot.slack.blocks.forms import (
    field,
    read_text,
    text_input,
)
from bot.slack.ids import SettingsIds

HOLIDAYS = "holidays"
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
