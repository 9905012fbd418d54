"""The search modal of the Home tab: what to look for, and what was found under it."""

from __future__ import annotations

from typing import Any

from bot.domain.models import Request
from bot.domain.requests import Page
from bot.slack import text
from bot.slack.blocks.common import Block, context, divider, link, plain, section, user
from bot.slack.blocks.type_summary import Kind, no_type, type_name
from bot.slack.ids import HomeSearch

TITLE_TEXT = 200
WORDS_LENGTH = 200


def search_modal(
    *,
    words: str = "",
    person: str | None = None,
    found: Page[Request] | None = None,
    kind: Kind = no_type,
) -> dict[str, Any]:
    """The modal, with what was typed kept, and `found` listed when a search was made (each
    with the name of its type: `kind`)."""
    words_element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": HomeSearch.value,
        "max_length": WORDS_LENGTH,
        "placeholder": plain("REQ-12, words of the title or details, a client"),
    }
    if words:
        words_element["initial_value"] = words[:WORDS_LENGTH]
    person_element: dict[str, Any] = {"type": "users_select", "action_id": HomeSearch.value}
    if person:
        person_element["initial_user"] = person
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": HomeSearch.words,
            "optional": True,
            "label": plain("Number or words"),
            "element": words_element,
        },
        {
            "type": "input",
            "block_id": HomeSearch.person,
            "optional": True,
            "label": plain("Filed or claimed by"),
            "element": person_element,
        },
    ]
    if found is not None:
        blocks += [divider(), *_results(found, kind)]
    return {
        "type": "modal",
        "callback_id": HomeSearch.callback,
        "title": plain("Search requests"),
        "submit": plain("Search"),
        "close": plain("Close"),
        "blocks": blocks,
    }


def _results(found: Page[Request], kind: Kind) -> list[Block]:
    if not found.items:
        return [context("No request you can see matches.")]
    blocks = [section(_line(request, kind)) for request in found.items]
    more = found.total - len(found.items)
    if more > 0:
        blocks.append(context(f"and {more} more: add words to narrow the search"))
    return blocks


def _line(request: Request, kind: Kind) -> str:
    reference = link(request.card_permalink, f"*{request.reference}*")
    name = type_name(request, kind(request))
    parts = [
        *([name] if name else []),
        request.status.label.split(":")[0],
        f"filed by {user(request.requester_id)}",
    ]
    if request.claimer_id:
        parts.append(f"claimed by {user(request.claimer_id)}")
    if request.client:
        parts.append(f"for {text.mrkdwn(request.client, 100)}")
    return f"{reference} {text.mrkdwn(request.title, TITLE_TEXT)}\n" + " · ".join(parts)
