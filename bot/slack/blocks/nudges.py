"""Block Kit for reminders: the menu that snoozes one."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.common import option, plain
from bot.slack.ids import Nudges

SNOOZE_LABELS = {1: "Snooze 1 day", 3: "Snooze 3 days", 7: "Snooze 1 week"}


def snooze_menu(item: dict[str, Any]) -> dict[str, Any]:
    """The menu snoozing reminders of `item`'s kind about its request, one choice per length."""
    return {
        "type": "static_select",
        "action_id": Nudges.snooze,
        "placeholder": plain("Snooze"),
        "options": [
            option(SNOOZE_LABELS[n], f"{item['request_id']}:{item['kind']}:{n}")
            for n in Nudges.snooze_days
        ],
    }
