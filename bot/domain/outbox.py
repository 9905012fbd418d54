"""Queueing messages for Slack. The domain says *what* must be told to *whom*; the Slack layer
renders and delivers it (bot/slack/delivery.py). Rows are written in the caller's transaction, so
a message exists exactly when the change that caused it was committed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.domain.models import OutboxMessage, Request

# Message kinds; each has a renderer in bot/slack/messages.py.
CARD = "card"
FILED_CONFIRMATION = "filed_confirmation"
THREAD_NOTE = "thread_note"  # a short entry in the card's thread about a change
DIRECT_NOTE = "direct_note"  # a DM telling someone about a change
NEGOTIATION = "negotiation"  # the desired date is infeasible: accept, cut scope or escalate
LEAD_ALERT = "lead_alert"  # an escalation or an infeasible hard deadline, to a lead
INFO_REQUEST = "info_request"  # a question for the requester
DELIVERED = "delivered"  # delivery news for the requester, asking whether it met the need
DECLINE_PROMPT = "decline_prompt"  # asks the person declining for the reason
NUDGE = "nudge"  # a reminder in the card's thread
NUDGE_DIGEST = "nudge_digest"  # one DM listing every reminder for its recipient in a pass
WEEKLY_DIGEST = "weekly_digest"  # the weekly cross-team digest in a shared channel
DIGEST_CHART = "digest_chart"  # its chart, uploaded as an image right after it
DELIVERY_FAILED = "delivery_failed"  # tells a lead that Slack refused a message for good
CHANNEL_UNUSABLE = "channel_unusable"  # tells a lead how to let Liaison into a channel


def enqueue(
    session: Session,
    *,
    workspace_id: int,
    kind: str,
    now: datetime,
    request: Request | None = None,
    channel: str | None = None,
    in_thread: bool = False,
    payload: dict[str, Any] | None = None,
    due: datetime | None = None,
) -> OutboxMessage:
    """Queue one message. `channel` is a user id (a DM) or a channel id; with `in_thread` the
    message is a reply in the request card's thread. It is sent from `due` on (default `now`;
    a job run "as if" at another instant still sends at once)."""
    message = OutboxMessage(
        workspace_id=workspace_id,
        request_id=request.id if request is not None else None,
        kind=kind,
        channel=channel,
        in_thread=in_thread,
        payload=payload or {},
        status="pending",
        attempts=0,
        next_attempt_at=due or now,
        created_at=now,
    )
    session.add(message)
    return message


def refresh_card(session: Session, request: Request, *, now: datetime) -> None:
    """Queue a post (first time) or an in-place update of the request's card."""
    enqueue(session, workspace_id=request.workspace_id, kind=CARD, request=request, now=now)
