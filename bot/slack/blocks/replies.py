"""Ephemeral answers to `/request` sub-commands: help, list, status, refusals."""

from __future__ import annotations

from typing import Any

from bot.db.models import Request, RequestEvent
from bot.slack import text
from bot.slack.blocks.card import card_title, desired_date_line
from bot.slack.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    Block,
    context,
    day,
    fields,
    header,
    link,
    section,
    user,
)
from bot.slack.ids import COMMAND

HELP = f"""*Liaison* files work for another team and keeps both sides in the loop.
• `{COMMAND}` or `{COMMAND} <title>`: file a new request
• `{COMMAND} list`: your open requests
• `{COMMAND} status REQ-12`: a request and its history
• `{COMMAND} help`: this help
You can also turn any message into a request: its ⋯ menu > *Create request*."""


UNAVAILABLE = (
    "Liaison can't reach its database right now, so nothing was changed. "
    "Please try again in a minute."
)


def reply(message: str, blocks: list[Block] | None = None) -> dict[str, Any]:
    """Arguments for an ephemeral answer: fallback text and blocks."""
    return {"text": message, "blocks": blocks or [section(message)], "response_type": "ephemeral"}


def help_reply(prefix: str | None = None) -> dict[str, Any]:
    message = f"{prefix}\n\n{HELP}" if prefix else HELP
    return reply(message)


def _line(request: Request) -> str:
    title = text.mrkdwn(request.title, 200)
    return (
        f"• {link(request.card_permalink, request.reference)} {title}: "
        f"{request.status.label} · desired {day(request.desired_date)}"
    )


def list_reply(requests: list[Request]) -> dict[str, Any]:
    if not requests:
        return reply(f"You have no open requests. File one with `{COMMAND}`.")
    shown = requests[:40]
    lines = [_line(r) for r in shown]
    blocks: list[Block] = [section(f"*Your open requests ({len(requests)})*")]
    # Several sections, each under the section text limit.
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > 2900:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if len(requests) > len(shown):
        blocks.append(context(f"…and {len(requests) - len(shown)} older ones."))
    return reply(f"Your open requests: {len(requests)}", blocks[:MAX_MESSAGE_BLOCKS])


def _event_line(event: RequestEvent) -> str:
    when = event.at.strftime("%Y-%m-%d %H:%M UTC")
    what = EVENT_LABELS.get(event.kind, event.kind.replace("_", " ")) + _event_detail(event)
    move = f" ({event.from_status or '—'} → {event.to_status})" if event.to_status else ""
    via = event.surface.replace("_", " ")
    return f"`{when}` {what}{move} by {user(event.actor)} via {via}"


EVENT_LABELS = {
    "created": "Filed",
    "claimed": "Claimed",
    "unclaimed": "Released",
    "reassigned": "Reassigned",
    "estimated": "Estimated",
    "committed": "Committed",
    "at_risk": "At risk",
    "accepted": "Projected date accepted",
    "escalated": "Escalated to the leads",
    "needs_info": "Asked the requester",
    "info_provided": "Requester answered",
    "info_withdrawn": "Question withdrawn",
    "delivered": "Delivered",
    "declined": "Declined",
    "cancelled": "Cancelled",
    "edited": "Edited",
    "feedback": "Feedback",
    "snoozed": "Snoozed reminders",
}


def _event_detail(event: RequestEvent) -> str:
    data = event.data or {}
    if event.kind == "estimated" and data.get("days"):
        return f": {data['days']} d"
    if event.kind in ("committed", "accepted") and data.get("committed"):
        return f": {data['committed']}"
    if event.kind == "at_risk" and data.get("projected"):
        return f": projected {data['projected']}, desired {data.get('desired') or '—'}"
    if event.kind == "reassigned" and data.get("to"):
        return f" to {user(data['to'])}"
    if event.kind == "snoozed":
        return (
            f" ({str(data.get('nudge', '')).replace('_', ' ')}) until {data.get('until', '')[:10]}"
        )
    if event.kind == "feedback":
        return ": met the need" if data.get("helpful") else ": did not fully meet the need"
    return ""


def status_reply(request: Request, events: list[RequestEvent]) -> dict[str, Any]:
    blocks: list[Block] = [
        header(card_title(request)),
        fields(
            ("Status", request.status.label),
            ("Requested by", user(request.requester_id)),
            ("Desired date", desired_date_line(request)),
            ("Claimed by", user(request.claimer_id) if request.claimer_id else "Nobody yet"),
        ),
    ]
    if request.card_permalink:
        blocks.append(context(link(request.card_permalink, "Open the card and its thread")))
    lines = [_event_line(e) for e in events]
    body = "*History*\n" + "\n".join(lines[-30:])
    if len(lines) > 30:
        body = f"*History* (last 30 of {len(lines)})\n" + "\n".join(lines[-30:])
    blocks.append(section(body))
    return reply(f"{request.reference}: {request.status.label}", blocks)
