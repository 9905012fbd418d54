"""Block Kit for the decisions a requester takes from the bot's DM: the Answer button and its
modal, and a prompt whose buttons give way to the outcome once it is decided."""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import Any

from bot.slack import text
from bot.slack.blocks.common import (
    MODAL_TITLE,
    SECTION_TEXT,
    Block,
    actions,
    button,
    context,
    plain,
    section,
)
from bot.slack.ids import Answer, Negotiation, Nudges, Requester

# Slack's plain_text_input takes at most 3000 characters.
MAX_ANSWER = 3000
# What is kept of the prompt a modal was opened from, to show it again once it is decided: small
# enough, JSON-encoded, for private_metadata (3000 characters) beside the rest of the metadata.
ORIGIN_JSON = 2000


def answer_actions(request_id: int) -> Block:
    """The Answer button under a question in the requester's DM."""
    return actions(Answer.block, button("Answer", Answer.button, str(request_id), style="primary"))


def decision_actions(item: dict[str, Any]) -> Block | None:
    """Under a reminder to the requester, the buttons that take the decision it waits for."""
    value = str(item.get("request_id", ""))
    block_id = f"{Nudges.decision}:{value}:{item.get('kind')}"
    buttons = decision_buttons(str(item.get("kind")), value)
    return actions(block_id, *buttons) if buttons else None


# The decisions a requester takes, by what waits on them: a question, a date the team cannot
# make (a negotiation), a delivery to judge.
NEEDS_INFO, NEGOTIATION, FEEDBACK = "needs_info", "negotiation", "feedback"


def decision_buttons(kind: str, value: str) -> list[dict[str, Any]]:
    """The buttons that take the decision of `kind` about the request whose id is `value`,
    wherever they are shown (a DM, a reminder, the Home tab): each click reaches one handler."""
    if kind == NEEDS_INFO:
        return [button("Answer", Answer.button, value, style="primary")]
    if kind == NEGOTIATION:
        return [
            button("Accept the projected date", Negotiation.accept, value, style="primary"),
            button("Cut scope", Negotiation.cut_scope, value),
            button("Escalate", Negotiation.escalate, value, style="danger"),
        ]
    if kind == FEEDBACK:
        return [
            button(":+1: Yes", Requester.helpful, value),
            button(":-1: Not quite", Requester.not_helpful, value),
        ]
    return []


def answer_modal(
    *, reference: str, asker: str | None, question: str | None, metadata: dict[str, Any]
) -> dict[str, Any]:
    """The modal in which the requester answers a question about `reference`."""
    who = f"<@{asker}>" if asker else "The team"
    if question:
        shown = f"{who} asked:\n{text.quote(question, SECTION_TEXT - 40)}"
    else:  # asked with a reaction, in no words
        shown = f"{who} needs more information about {reference}."
    to = f" and <@{asker}> is told" if asker else ""
    return {
        "type": "modal",
        "callback_id": Answer.callback,
        "title": plain(text.plain(f"Answer {reference}", MODAL_TITLE)),
        "submit": plain("Send"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps(metadata),
        "blocks": [
            section(shown),
            {
                "type": "input",
                "block_id": Answer.answer,
                "label": plain("Your answer"),
                "element": {
                    "type": "plain_text_input",
                    "action_id": Answer.value,
                    "multiline": True,
                    "max_length": MAX_ANSWER,
                },
            },
            context(f"Your answer goes into the thread of {reference}'s card{to}."),
        ],
    }


def origin(channel: str, ts: str, message_text: str | None) -> dict[str, str]:
    """The prompt (a DM message) a modal was opened from, for its private_metadata. Its text is
    our own mrkdwn, cut so that the metadata stays within Slack's limit."""
    kept = message_text or ""
    while len(json.dumps(kept)) > ORIGIN_JSON:  # escapes make non-ASCII text longer
        kept = text.cut_mrkdwn(kept, len(kept) * 2 // 3)
    return {"channel": channel, "ts": ts, "text": kept}


def outcome_line(outcome: str) -> Block:
    return context(f":white_check_mark: {outcome}")


def settled(
    blocks: list[Block], *, block_id: str, outcome: str, keep: Collection[str] = ()
) -> list[Block]:
    """The prompt's `blocks` once decided: the buttons in `block_id` give way to the outcome
    (those in `keep` stay), everything else is left as it was."""
    result: list[Block] = []
    found = False
    for block in blocks:
        if block.get("type") != "actions" or block.get("block_id") != block_id:
            result.append(block)
            continue
        found = True
        result.append(outcome_line(outcome))
        remaining = [e for e in block.get("elements") or [] if e.get("action_id") in keep]
        if remaining:
            result.append({**block, "elements": remaining})
    if not found:
        result.append(outcome_line(outcome))
    return result


def settled_prompt(prompt_text: str, outcome: str) -> list[Block]:
    """A prompt decided through a modal: its text, then the outcome instead of its buttons."""
    return [section(prompt_text), outcome_line(outcome)] if prompt_text else [outcome_line(outcome)]
