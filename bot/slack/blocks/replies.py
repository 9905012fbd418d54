"""Ephemeral answers to `/request` sub-commands: help, list, status, refusals."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from bot.config import RequestType
from bot.domain.lifecycle import EventKind
from bot.domain.models import Request, RequestEvent
from bot.domain.requests import Page
from bot.slack import text
from bot.slack.blocks.card import card_title, desired_date_line, status_line
from bot.slack.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    SECTION_TEXT,
    Block,
    context,
    day,
    fields,
    header,
    link,
    section,
    user,
)
from bot.slack.blocks.type_summary import Kind, no_type, type_field_summary, type_name
from bot.slack.dates import slack_date
from bot.slack.ids import COMMAND

UTC_ZONE = ZoneInfo("UTC")

HELP = f"""*Liaison* files work for another team and keeps both sides in the loop.
• `{COMMAND}` or `{COMMAND} <title>`: file a new request
• `{COMMAND} list`: your open requests
• `{COMMAND} status REQ-12`: a request and its history
• `{COMMAND} check 2026-12-15 [team]`: is that date realistic for a new request? (files nothing)
• `{COMMAND} help`: this help
You can also turn any message into a request: its ⋯ menu > *Create request*."""


# How many open requests `list` shows, and how many events of a request's history `status` does.
LISTED = 40
HISTORY = 30

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


def _line(request: Request, kind: Kind) -> str:
    title = text.mrkdwn(request.title, 200)
    name = type_name(request, kind(request))
    return (
        f"• {link(request.card_permalink, request.reference)} {title}: "
        f"{f'{name} · ' if name else ''}"
        f"{request.status.label} · desired {day(request.desired_date)}"
    )


def list_reply(page: Page[Request], kind: Kind = no_type) -> dict[str, Any]:
    """The requester's open requests, each with the name of its type (`kind`)."""
    if not page.total:
        return reply(f"You have no open requests. File one with `{COMMAND}`.")
    lines = [_line(r, kind) for r in page.items]
    blocks: list[Block] = [section(f"*Your open requests ({page.total})*")]
    # Several sections, each under the section text limit.
    chunk: list[str] = []
    for line in lines:
        if sum(len(x) + 1 for x in chunk) + len(line) > 2900:
            blocks.append(section("\n".join(chunk)))
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append(section("\n".join(chunk)))
    if page.total > len(page.items):
        blocks.append(context(f"Showing the latest {len(page.items)} of {page.total}."))
    return reply(f"Your open requests: {page.total}", blocks[:MAX_MESSAGE_BLOCKS])


def _event_line(event: RequestEvent, zone: ZoneInfo) -> str:
    when = slack_date(event.at, zone)
    what = EVENT_LABELS.get(event.kind, event.kind.replace("_", " ")) + _event_detail(event)
    move = f" ({event.from_status or '—'} → {event.to_status})" if event.to_status else ""
    via = event.surface.replace("_", " ")
    return f"{when} · {what}{move} by {user(event.actor)} via {via}"


# Every kind has one (a test checks it): the timeline never shows a raw kind.
EVENT_LABELS: dict[EventKind, str] = {
    EventKind.CREATED: "Filed",
    EventKind.CLAIMED: "Claimed",
    EventKind.UNCLAIMED: "Released",
    EventKind.REASSIGNED: "Reassigned",
    EventKind.ESTIMATED: "Estimated",
    EventKind.COMMITTED: "Committed",
    EventKind.AT_RISK: "At risk",
    EventKind.ACCEPTED: "Projected date accepted",
    EventKind.ESCALATED: "Escalated to the leads",
    EventKind.NEEDS_INFO: "Asked the requester",
    EventKind.NOT_READY: "Sent back as not ready",
    EventKind.INFO_PROVIDED: "Requester answered",
    EventKind.INFO_WITHDRAWN: "Question withdrawn",
    EventKind.DELIVERED: "Delivered",
    EventKind.DECLINED: "Declined",
    EventKind.CANCELLED: "Cancelled",
    EventKind.EDITED: "Edited",
    EventKind.FEEDBACK: "Feedback",
    EventKind.SNOOZED: "Snoozed reminders",
    EventKind.DATE_SET: "Committed date set by a lead",
    EventKind.REOPENED: "Reopened by a lead",
    EventKind.CLOSED: "Closed by a lead",
}


def _event_detail(event: RequestEvent) -> str:
    data = event.data or {}
    if event.kind == EventKind.ESTIMATED and data.get("days"):
        return f": {data['days']} d"
    if event.kind in (EventKind.COMMITTED, EventKind.ACCEPTED) and data.get("committed"):
        return f": {_iso_day(data['committed'])}"
    if event.kind == EventKind.AT_RISK and data.get("projected"):
        desired = _iso_day(data["desired"]) if data.get("desired") else "—"
        return f": projected {_iso_day(data['projected'])}, desired {desired}"
    if event.kind == EventKind.DATE_SET and data.get("committed"):
        was = f" (was {_iso_day(data['was'])})" if data.get("was") else ""
        return f": {_iso_day(data['committed'])}{was}{_reason(data)}"
    if event.kind in (EventKind.REOPENED, EventKind.CLOSED):
        return _reason(data)
    if event.kind == EventKind.REASSIGNED and data.get("to"):
        return f" to {user(data['to'])}"
    if event.kind == EventKind.SNOOZED:
        return (
            f" ({str(data.get('nudge', '')).replace('_', ' ')}) until {data.get('until', '')[:10]}"
        )
    if event.kind == EventKind.FEEDBACK:
        return ": met the need" if data.get("helpful") else ": did not fully meet the need"
    return ""


def _reason(data: dict[str, Any]) -> str:
    """A lead's reason for an override, short: the thread has it whole."""
    reason = data.get("reason")
    if not isinstance(reason, str) or not reason.strip():
        return ""
    return f" “{text.mrkdwn(' '.join(reason.split()), REASON_TEXT)}”"  # one line per event


REASON_TEXT = 80


def _first_fitting(lines: list[str], limit: int) -> list[str]:
    """The first of `lines` that fit in `limit` characters together: the section is never cut
    inside a line (a date or mention cut in half shows as markup)."""
    kept: list[str] = []
    size = 0
    for line in lines:
        size += len(line) + 1
        if size > limit:
            break
        kept.append(line)
    return kept


def _iso_day(value: str) -> str:
    return day(date.fromisoformat(value[:10]))


def status_reply(
    request: Request,
    history: Page[RequestEvent],
    zone: ZoneInfo = UTC_ZONE,
    request_type: RequestType | None = None,
    awaited: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The request (with its type's fields) and its latest events, newest first; times read in
    each reader's zone (fallback in `zone`); `awaited` as the card has it (`status_line`)."""
    name = type_name(request, request_type)
    status = status_line(request, awaited)
    blocks: list[Block] = [
        header(card_title(request)),
        fields(
            ("Status", status),
            ("Requested by", user(request.requester_id)),
            ("Desired date", desired_date_line(request)),
            ("Claimed by", user(request.claimer_id) if request.claimer_id else "Nobody yet"),
            *([("Type", name)] if name else []),
        ),
    ]
    if request.card_permalink:
        blocks.append(context(link(request.card_permalink, "Open the card and its thread")))
    lines = _first_fitting([_event_line(e, zone) for e in history.items], SECTION_TEXT - 80)
    shown = f"showing the latest {len(lines)} of {history.total}, newest first"
    if history.total <= len(lines):
        shown = "newest first"
    room = MAX_MESSAGE_BLOCKS - len(blocks) - 1
    blocks += type_field_summary(request_type, request.type_fields, max_blocks=room)
    blocks.append(section(f"*History* ({shown})\n" + "\n".join(lines)))
    return reply(f"{request.reference}: {status}", blocks)
