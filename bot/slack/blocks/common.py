"""Small Block Kit pieces shared by the builders."""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import quote

from bot.slack import text
from bot.slack.dates import slack_date

Block = dict[str, Any]

MAX_MESSAGE_BLOCKS = 50
MAX_MODAL_BLOCKS = 100
SECTION_TEXT = 3000
HEADER_TEXT = 150
FIELD_TEXT = 2000
CONTEXT_TEXT = 3000
BUTTON_TEXT = 75
OPTION_TEXT = 75
MODAL_TITLE = 24


def header(value: str) -> Block:
    return {
        "type": "header",
        "text": {"type": "plain_text", "text": text.plain(value, HEADER_TEXT)},
    }


def section(mrkdwn: str) -> Block:
    """A section from mrkdwn that we composed (user parts must already be escaped)."""
    return {
        "type": "section",
        "text": {"type": "mrkdwn", "text": text.cut_mrkdwn(mrkdwn, SECTION_TEXT)},
    }


def fields(*pairs: tuple[str, str]) -> Block:
    """A section of label/value fields; values are mrkdwn we composed."""
    return {
        "type": "section",
        "fields": [
            {"type": "mrkdwn", "text": text.cut_mrkdwn(f"*{label}*\n{value}", FIELD_TEXT)}
            for label, value in pairs[:10]
        ],
    }


def context(*parts: str) -> Block:
    return {
        "type": "context",
        "elements": [
            {"type": "mrkdwn", "text": text.cut_mrkdwn(part, CONTEXT_TEXT)} for part in parts[:10]
        ],
    }


def divider() -> Block:
    return {"type": "divider"}


def option(label: str, value: str) -> dict[str, Any]:
    return {"text": {"type": "plain_text", "text": text.plain(label, OPTION_TEXT)}, "value": value}


def plain(value: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": value}


def user(user_id: str) -> str:
    return f"<@{user_id}>"


def channel(channel_id: str) -> str:
    return f"<#{channel_id}>"


_URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


def link(url: str | None, label: str) -> str:
    """A mrkdwn link; `label` must already be escaped. Without a URL, just the label."""
    if not url:
        return label
    # Percent-encoded as Slack expects: a space, a control character, "|", "<" or ">" in an
    # address (people's text, a tracker's answer) would end the link early or break it.
    return f"<{quote(url, safe=_URL_SAFE)}|{label}>"


def day(value: date | None) -> str:
    """A calendar date for mrkdwn, shown by Slack in each reader's own terms."""
    return slack_date(value)


def quote_section(label: str, user_text: str) -> Block:
    """A labelled section quoting what a person wrote, escaped and cut to the section limit."""
    prefix = f"*{label}*\n"
    return section(prefix + text.quote(user_text, SECTION_TEXT - len(prefix)))


def input_block(
    block_id: str,
    label: str,
    element: dict[str, Any],
    *,
    hint: str | None = None,
    optional: bool = False,
) -> Block:
    """An input block of a modal holding `element` (which carries its own action id)."""
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "optional": optional,
        "element": element,
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def button(label: str, action_id: str, value: str, *, style: str | None = None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": text.plain(label, BUTTON_TEXT)},
        "action_id": action_id,
        "value": value,
    }
    if style:
        element["style"] = style
    return element


def actions(block_id: str, *elements: dict[str, Any]) -> Block:
    return {"type": "actions", "block_id": block_id, "elements": list(elements)}
