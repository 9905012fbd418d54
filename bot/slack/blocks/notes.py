"""Small modals: a notice with an OK button, and the one-field note asked before an action
(a question for the requester, a decline reason)."""

from __future__ import annotations

import json
from typing import Any

from bot.slack.blocks.common import plain, section

MAX_NOTE = 2000


def notice_modal(message: str) -> dict[str, Any]:
    """A modal that only says `message` (mrkdwn we composed) and closes with OK."""
    return {
        "type": "modal",
        "title": plain("Liaison"),
        "close": plain("OK"),
        "blocks": [section(message)],
    }


def note_modal(
    callback_id: str, title: str, intro: str, label: str, block_id: str, metadata: dict[str, Any]
) -> dict[str, Any]:
    """A modal asking for one multi-line note before the action runs."""
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title),
        "submit": plain("Send"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps(metadata),
        "blocks": [
            section(intro),
            {
                "type": "input",
                "block_id": block_id,
                "label": plain(label),
                "element": {
                    "type": "plain_text_input",
                    "action_id": "value",
                    "multiline": True,
                    "max_length": MAX_NOTE,
                },
            },
        ],
    }
