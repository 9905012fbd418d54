"""Rendering queued outbox messages into Slack message arguments, one renderer per kind."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.config import LiaisonConfig
from bot.db.models import OutboxMessage, Request
from bot.domain import outbox
from bot.slack import text
from bot.slack.blocks.card import card_message
from bot.slack.blocks.common import channel, day, link, section


@dataclass(frozen=True)
class Rendering:
    message: OutboxMessage
    request: Request | None
    config: LiaisonConfig


Renderer = Callable[[Rendering], dict[str, Any]]
_RENDERERS: dict[str, Renderer] = {}


def renderer(kind: str) -> Callable[[Renderer], Renderer]:
    def register(function: Renderer) -> Renderer:
        _RENDERERS[kind] = function
        return function

    return register


def render(rendering: Rendering) -> dict[str, Any]:
    """`text` and `blocks` for a queued message."""
    return _RENDERERS[rendering.message.kind](rendering)


@renderer(outbox.CARD)
def _card(r: Rendering) -> dict[str, Any]:
    assert r.request is not None
    return card_message(r.request, reactions=r.config.reactions)


@renderer(outbox.FILED_CONFIRMATION)
def _filed(r: Rendering) -> dict[str, Any]:
    request = r.request
    assert request is not None
    title = text.mrkdwn(request.title, 300)
    where = f" and posted in {channel(request.card_channel)}" if request.card_channel else ""
    reference = link(request.card_permalink, request.reference)
    message = (
        f"Your request {reference} “{title}” is filed{where}. "
        f"Desired date: {day(request.desired_date)}. I'll tell you when someone claims it and "
        "how long they think it takes."
    )
    return {"text": message, "blocks": [section(message)]}
