"""The small modals' Block Kit builders, as pure functions."""

from __future__ import annotations

import json

from bot.slack.blocks.common import MODAL_TITLE
from bot.slack.blocks.notes import MAX_NOTE, note_modal, notice_modal


def test_a_notice_only_says_its_message_and_closes() -> None:
    view = notice_modal("Only *Sales* can file requests.")

    assert view["type"] == "modal"
    assert "submit" not in view
    assert view["close"]["text"] == "OK"
    assert len(view["title"]["text"]) <= MODAL_TITLE
    assert view["blocks"] == [
        {"type": "section", "text": {"type": "mrkdwn", "text": "Only *Sales* can file requests."}}
    ]


def test_a_note_modal_asks_for_one_bounded_note_and_keeps_its_metadata() -> None:
    view = note_modal("ask", "Ask the requester", "What do you need?", "Question", "q", {"a": 1})

    assert view["callback_id"] == "ask"
    assert json.loads(view["private_metadata"]) == {"a": 1}
    [_, field] = view["blocks"]
    assert field["block_id"] == "q"
    assert field["element"]["multiline"] is True
    assert field["element"]["max_length"] == MAX_NOTE
