"""Queueing effects: what a change owes the world outside the database. The domain says *what*
must happen (post the card, tell someone, upload a chart); a sender per effect kind does it
(bot/slack/sending/). Rows are written in the caller's transaction, so an effect exists exactly
when the change that caused it was committed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from bot.db import queued
from bot.db.queued import QueuedRow
from bot.domain.models import HomeVisit, OutboxMessage, Request


class UnknownEffect(ValueError):
    """An effect kind or message template nothing can send: refused when it is queued, not
    found out when it is sent."""


# Effect kinds, each sent by one sender. A new kind is a name here, a builder and a sender.
CARD = "card"  # post the request's card, or update it in place to the request's current state
MESSAGE = "message"  # a message from a template: in a channel, in the card's thread, or a DM
FILE = "file"  # a file from a template, uploaded into a channel
HOME = "home"  # publish one person's Home tab (its `channel` is the person's user id)
# Create the request's issue in its department's tracker (bot/domain/trackers.py). Queued about
# no request (`payload["request_id"]` names it), so a tracker that is down or refusing never holds
# back the request's Slack effects, which are sent in order.
TRACKER = "tracker"
EFFECT_KINDS = frozenset({CARD, MESSAGE, FILE, HOME, TRACKER})

# Message templates; each has a renderer in bot/slack/messages.py.
FILED_CONFIRMATION = "filed_confirmation"
THREAD_NOTE = "thread_note"  # a short entry in the card's thread about a change
DIRECT_NOTE = "direct_note"  # a DM telling someone about a change
NEGOTIATION = "negotiation"  # the desired date is infeasible: accept, cut scope or escalate
LEAD_ALERT = "lead_alert"  # an escalation or an infeasible hard deadline, to a lead
INFO_REQUEST = "info_request"  # a question for the requester
NOT_READY = "not_ready"  # a request sent back: what is missing, in its thread and to the requester
DELIVERED = "delivered"  # delivery news for the requester, asking whether it met the need
DECLINE_PROMPT = "decline_prompt"  # asks the person declining for the reason
NUDGE = "nudge"  # a reminder in the card's thread
NUDGE_DIGEST = "nudge_digest"  # one DM listing every reminder for its recipient in a pass
WEEKLY_DIGEST = "weekly_digest"  # the weekly cross-team digest in a shared channel
DIGEST_CHART = "digest_chart"  # its chart, uploaded as an image right after it
DIGEST_FIGURES = "digest_figures"  # its full figures, a reply in its thread
TRENDS = "trends"  # the monthly twelve-week trends in a digest channel
TRENDS_CHART = "trends_chart"  # one of its charts (`payload["series"]`), uploaded after it
DELIVERY_FAILED = "delivery_failed"  # tells a lead that Slack refused an effect for good
CHANNEL_UNUSABLE = "channel_unusable"  # tells a lead how to let Liaison into a channel
TRACKER_FAILED = "tracker_failed"  # tells a lead the tracker refused an issue, with "Retry"
NOT_FILED = "not_filed"  # tells whoever sent a form that it could not be filed after all

# The effect kind each template is sent as.
TEMPLATES: dict[str, str] = {
    FILED_CONFIRMATION: MESSAGE,
    THREAD_NOTE: MESSAGE,
    DIRECT_NOTE: MESSAGE,
    NEGOTIATION: MESSAGE,
    LEAD_ALERT: MESSAGE,
    INFO_REQUEST: MESSAGE,
    NOT_READY: MESSAGE,
    DELIVERED: MESSAGE,
    DECLINE_PROMPT: MESSAGE,
    NUDGE: MESSAGE,
    NUDGE_DIGEST: MESSAGE,
    WEEKLY_DIGEST: MESSAGE,
    DIGEST_CHART: FILE,
    DIGEST_FIGURES: MESSAGE,
    TRENDS: MESSAGE,
    TRENDS_CHART: FILE,
    DELIVERY_FAILED: MESSAGE,
    CHANNEL_UNUSABLE: MESSAGE,
    TRACKER_FAILED: MESSAGE,
    NOT_FILED: MESSAGE,
}


_OUTBOX = OutboxMessage.__table__


def enqueue(
    session: Session,
    *,
    workspace_id: int,
    kind: str,
    now: datetime,
    template: str | None = None,
    request: Request | None = None,
    channel: str | None = None,
    in_thread: bool = False,
    payload: dict[str, Any] | None = None,
    due: datetime | None = None,
) -> QueuedRow:
    """Queue one effect of `kind`. Effects about one request are sent in the order they were
    queued. It is sent from `due` on (default `now`; a job run "as if" at another instant still
    sends at once). Raises UnknownEffect for a kind or template nothing can send. The row is
    written with the transaction (bot/db/queued.py)."""
    if kind not in EFFECT_KINDS:
        raise UnknownEffect(f"no effect kind {kind!r}")
    if template is not None and TEMPLATES.get(template) != kind:
        raise UnknownEffect(f"no {kind} template {template!r}")
    return queued.queue(
        session,
        _OUTBOX,
        {
            "workspace_id": workspace_id,
            "request_id": request.id if request is not None else None,
            "kind": kind,
            "template": template,
            "channel": channel,
            "in_thread": in_thread,
            "payload": payload or {},
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": due or now,
            "created_at": now,
        },
    )


def enqueue_message(
    session: Session,
    *,
    workspace_id: int,
    template: str,
    now: datetime,
    request: Request | None = None,
    channel: str | None = None,
    in_thread: bool = False,
    payload: dict[str, Any] | None = None,
    due: datetime | None = None,
) -> QueuedRow:
    """Queue a message (or, for the chart, a file) rendered from `template` and `payload`.
    `channel` is a user id (a DM) or a channel id; with `in_thread` the message is a reply in the
    request card's thread."""
    if template not in TEMPLATES:
        raise UnknownEffect(f"no message template {template!r}")
    return enqueue(
        session,
        workspace_id=workspace_id,
        kind=TEMPLATES[template],
        template=template,
        now=now,
        request=request,
        channel=channel,
        in_thread=in_thread,
        payload=payload,
        due=due,
    )


# The payload key of a reply in the thread of a message queued before it (not a card's thread):
# the outbox id of that message, whose ts the reply waits for.
REPLY_TO = "reply_to"


def enqueue_reply(
    session: Session,
    parent: QueuedRow,
    *,
    template: str,
    now: datetime,
    payload: dict[str, Any] | None = None,
    due: datetime | None = None,
) -> QueuedRow:
    """Queue a message rendered from `template` as a reply in the thread of `parent` (a message
    about no request, queued in the same transaction): it is sent once `parent` is, under it."""
    about = parent.values
    if about["request_id"] is not None or TEMPLATES.get(about["template"] or "") != MESSAGE:
        raise UnknownEffect("only a message about no request takes a queued reply")
    queued.write(session)  # the parent's id
    return enqueue_message(
        session,
        workspace_id=about["workspace_id"],
        template=template,
        channel=about["channel"],
        in_thread=True,
        payload={**(payload or {}), REPLY_TO: parent.id},
        now=now,
        due=due,
    )


def parent_failed(session: Session, effect: OutboxMessage) -> bool:
    """True for a reply queued under a message that failed (or is gone)."""
    parent_id = (effect.payload or {}).get(REPLY_TO)
    if parent_id is None:
        return False
    parent = session.get(OutboxMessage, parent_id)
    return parent is None or parent.status == "failed"


def refresh_card(
    session: Session, request: Request, others: Iterable[str] = (), *, now: datetime
) -> None:
    """Queue a post (first time) or an in-place update of the request's card, and a new Home tab
    for the people the request concerns: its requester, its claimer, its estimators and
    `others` (its departments' leads, whoever changed it)."""
    enqueue(session, workspace_id=request.workspace_id, kind=CARD, request=request, now=now)
    concerned = {request.requester_id, *others, *(e.estimator_id for e in request.estimates)}
    if request.claimer_id:
        concerned.add(request.claimer_id)
    refresh_homes(session, workspace_id=request.workspace_id, people=concerned, now=now)


# Run by every change (built once: see bot/slack/sending/loop.py).
_VISITS = HomeVisit.__table__
_VISITORS = select(_VISITS.c.user_id).where(
    _VISITS.c.workspace_id == bindparam("workspace"),
    _VISITS.c.user_id.in_(bindparam("people", expanding=True)),
)


def refresh_homes(
    session: Session, *, workspace_id: int, people: Iterable[str], now: datetime
) -> None:
    """Queue a Home publish for each of `people` who has opened the Home tab before."""
    wanted = sorted(set(people))
    if not wanted:
        return
    # Nothing this transaction changes decides who visited: the changes queued so far are
    # written together later (one flush, and the outbox rows in one INSERT) rather than here.
    with session.no_autoflush:
        visitors = list(session.scalars(_VISITORS, {"workspace": workspace_id, "people": wanted}))
    for user_id in visitors:
        publish_home(session, workspace_id=workspace_id, user_id=user_id, now=now)


def publish_home(
    session: Session, *, workspace_id: int, user_id: str, now: datetime, setup: str | None = None
) -> None:
    """Queue a publish of `user_id`'s Home tab, unless one is already waiting: it is drawn from
    the state when it is sent (the requests, and the sections the person expanded), so one
    waiting publish shows every change queued meanwhile. `setup` names the setup Home they get
    while Liaison is being set up (bot/slack/listeners/setup.py)."""
    payload = {"setup": setup} if setup else {}
    for row in queued.queued(session, _OUTBOX):
        values = row.values
        if values["kind"] == HOME and (values["channel"], values["workspace_id"]) == (
            user_id,
            workspace_id,
        ):
            values["payload"] = {**values["payload"], **payload}
            return
    # What this transaction queued was looked at above; what was written before is in the table.
    with session.no_autoflush:
        waiting = session.scalar(_WAITING_HOME, {"workspace": workspace_id, "user": user_id})
    if waiting is None:
        enqueue(
            session,
            workspace_id=workspace_id,
            kind=HOME,
            channel=user_id,
            now=now,
            payload=payload,
        )
    elif payload:
        row = session.get_one(OutboxMessage, waiting)
        row.payload = {**(row.payload or {}), **payload}


_WAITING_HOME = (
    select(OutboxMessage.id)
    .where(
        OutboxMessage.workspace_id == bindparam("workspace"),
        OutboxMessage.kind == HOME,
        OutboxMessage.channel == bindparam("user"),
        OutboxMessage.status == "pending",
    )
    .limit(1)
)
