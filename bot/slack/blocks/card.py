"""The request card: the single live view of a request in the intake channel."""

from __future__ import annotations

from typing import Any

from bot.config import Reactions
from bot.db.models import Request
from bot.slack import text
from bot.slack.blocks.common import Block, context, day, fields, header, link, quote_section, user


def card_title(request: Request) -> str:
    return f"{request.reference} · {request.title}"


def card_text(request: Request) -> str:
    """The plain-text fallback (notifications, screen readers, clients without blocks)."""
    desired = day(request.desired_date)
    return (
        f"{request.reference}: {text.mrkdwn(request.title, 500)} — requested by "
        f"{user(request.requester_id)}, desired {desired}"
        f"{' (hard deadline)' if request.hard_deadline else ''}. Status: {request.status.label}."
    )


def desired_date_line(request: Request) -> str:
    if request.desired_date is None:
        return "No date given"
    kind = "hard deadline" if request.hard_deadline else "soft deadline"
    return f"{day(request.desired_date)} ({kind})"


def how_to_respond(reactions: Reactions) -> str:
    estimate = sorted(reactions.estimate_days.items(), key=lambda item: item[1])
    first, last = estimate[0], estimate[-1]
    return (
        f"React :{reactions.claim[0]}: to claim · :{first[0]}: … :{last[0]}: to estimate in "
        f"working days ({first[1]}–{last[1]}) · :{reactions.needs_info[0]}: to ask the requester "
        f"· :{reactions.deliver[0]}: delivered · :{reactions.decline[0]}: decline"
    )


def request_card(request: Request, *, reactions: Reactions) -> list[Block]:
    """Blocks for the card; the thread under it is the request's conversation."""
    blocks: list[Block] = [
        header(card_title(request)),
        fields(
            ("Requested by", user(request.requester_id)),
            ("Client", text.mrkdwn(request.client, 500) or "—"),
            ("Desired date", desired_date_line(request)),
            (
                "Promised to the client",
                "Yes, already promised" if request.promised_to_client else "No",
            ),
            ("Status", request.status.label),
            ("Claimed by", user(request.claimer_id) if request.claimer_id else "Nobody yet"),
        ),
    ]
    if request.impact:
        blocks.append(quote_section("Business impact", request.impact))
    if request.details:
        blocks.append(quote_section("Details", request.details))
    notes = []
    if request.source_permalink:
        notes.append(link(request.source_permalink, "Started from this conversation"))
    notes.append(how_to_respond(reactions))
    blocks.append(context(*notes))
    return blocks


def card_message(request: Request, *, reactions: Reactions) -> dict[str, Any]:
    return {"text": card_text(request), "blocks": request_card(request, reactions=reactions)}
