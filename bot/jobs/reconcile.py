"""The `reconcile-cards` job and `liaison reconcile`: compares what Slack has on the cards of open
requests changed in the last 48 hours with what was recorded, and applies what was missed
through the workflow (see bot/domain/reconcile.py).

Slack is read first, outside any transaction; then each card's changes are applied in one
transaction that locks the request and decides again from its current state, so several
schedulers running this at once apply each missed reaction once. A card with an event still
waiting in the inbox is left to that event.

Rate limits: `reactions.get` and `conversations.replies` are Tier 3 (about 50 calls a minute).
One run makes at most MAX_CARDS + MAX_THREADS calls and the job runs every 10 minutes; with more
cards than that, successive runs take the next ones in turn. A rate-limited answer ends the run's
reading early (the next run goes on).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.errors import SlackApiError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.session import reading
from bot.domain import outbox
from bot.domain.definitions import is_open_sql
from bot.domain.lifecycle import EventKind, Status, Surface
from bot.domain.models import InboxEvent, OutboxMessage, Request, RequestEvent, Workspace
from bot.domain.reconcile import CardInSlack, Missed, MissedKind, Reply, missed
from bot.domain.usergroups import directory_for_workspace
from bot.domain.workflow import Done, Refusal, Workflow
from bot.runtime import Runtime
from bot.slack.installations import NotInstalled
from bot.slack.listeners.operations import apply, by_id

log = logging.getLogger(__name__)

WINDOW = timedelta(hours=48)
MAX_CARDS = 40  # reactions.get calls per run
MAX_THREADS = 20  # conversations.replies calls per run
EVERY = timedelta(minutes=10)


@dataclass(frozen=True)
class _Card:
    request_id: int
    reference: str
    department: str  # the fulfilling department's key
    team_id: str
    channel: str
    ts: str
    # The request waits for a reply in its thread (an answer or a decline reason) since then.
    reply_wanted_since: datetime | None


@dataclass
class ReconcileReport:
    """What one run found: (reference, missed) per change, applied unless a dry run."""

    checked: int = 0
    unchecked: int = 0  # open cards in the window left for later runs
    changes: list[tuple[str, Missed]] = field(default_factory=list)

    def lines(self) -> list[str]:
        return [f"{reference}: {change.describe()}" for reference, change in self.changes]


def reconcile_cards(runtime: Runtime, *, dry_run: bool = False) -> ReconcileReport:
    """Apply (or, in a dry run, only report) what Slack shows on recent cards but was missed."""
    now = runtime.clock()
    with reading(runtime.sessions) as session:
        waiting = _cards_with_waiting_events(session)
        cards = [c for c in _recent_cards(session, now) if (c.channel, c.ts) not in waiting]
    # A workspace not set up (its departments were cleared) or uninstalled is left alone, so its
    # cards take no turn from those of the workspaces served.
    served = {workspace.team_id for workspace in runtime.served_workspaces()}
    cards = [c for c in cards if c.team_id in served]
    chosen = _in_turn(cards, now)
    in_slack = _read_slack(runtime, chosen)
    report = ReconcileReport(checked=len(in_slack), unchecked=len(cards) - len(chosen))
    for card in chosen:
        if card.request_id not in in_slack:
            continue
        if dry_run:
            with reading(runtime.sessions) as session:
                request = session.get(Request, card.request_id)
                if request is not None:
                    found = _missed(runtime, session, request, in_slack[card.request_id])
                    report.changes += [(card.reference, m) for m in found]
        else:
            report.changes += [
                (card.reference, m) for m in _apply(runtime, card, in_slack[card.request_id])
            ]
    if report.changes and not dry_run:
        runtime.outbox.send_due()
        log.info("reconcile: applied %s missed changes", len(report.changes))
    return report


def _recent_cards(session: Session, now: datetime) -> list[_Card]:
    rows = session.execute(
        select(Request, Workspace.team_id)
        .join(Workspace, Workspace.id == Request.workspace_id)
        .where(
            is_open_sql(Request.status),
            Request.card_ts.is_not(None),
            Request.updated_at >= now - WINDOW,
        )
        .order_by(Request.id)
    ).all()
    cards = []
    for request, team_id in rows:
        cards.append(
            _Card(
                request_id=request.id,
                reference=request.reference,
                department=request.fulfilling_department.key,
                team_id=team_id,
                channel=request.card_channel or "",
                ts=request.card_ts or "",
                reply_wanted_since=_reply_wanted_since(session, request),
            )
        )
    return cards


def _cards_with_waiting_events(session: Session) -> set[tuple[str, str]]:
    """The messages that events kept in the inbox, still to be handled, are about: what such an
    event says is not missed, only late, and applying it here would apply it twice."""
    bodies = session.scalars(select(InboxEvent.body).where(InboxEvent.gave_up_at.is_(None)))
    found = set()
    for body in bodies:
        event = (body or {}).get("event") or {}
        item = event.get("item") or {}
        channel = item.get("channel") or event.get("channel")
        ts = item.get("ts") or event.get("thread_ts")
        if channel and ts:
            found.add((str(channel), str(ts)))
    return found


def _reply_wanted_since(session: Session, request: Request) -> datetime | None:
    if request.decline_pending_by is not None:
        return _decline_asked_at(session, request)
    if request.status is Status.NEEDS_INFO:
        return session.scalar(
            select(func.max(RequestEvent.at)).where(
                RequestEvent.request_id == request.id,
                RequestEvent.kind == EventKind.NEEDS_INFO.value,
            )
        )
    return None


def _decline_asked_at(session: Session, request: Request) -> datetime | None:
    return session.scalar(
        select(func.max(OutboxMessage.created_at)).where(
            OutboxMessage.request_id == request.id,
            OutboxMessage.template == outbox.DECLINE_PROMPT,
        )
    )


def _in_turn(cards: list[_Card], now: datetime) -> list[_Card]:
    """At most MAX_CARDS of `cards`, a different slice each run so every card gets its turn."""
    if len(cards) <= MAX_CARDS:
        return cards
    run = int(now.timestamp() // EVERY.total_seconds())
    start = (run * MAX_CARDS) % len(cards)
    return (cards[start:] + cards[:start])[:MAX_CARDS]


def _read_slack(runtime: Runtime, cards: list[_Card]) -> dict[int, CardInSlack]:
    """Each card's reactions (and, for requests waiting on a reply, its thread), by request id."""
    found: dict[int, CardInSlack] = {}
    threads_left = MAX_THREADS
    for card in cards:
        try:
            client = runtime.client_for(card.team_id)
        except NotInstalled:
            continue  # the workspace uninstalled Liaison: its cards are left as they are
        try:
            answer = client.reactions_get(channel=card.channel, timestamp=card.ts, full=True)
            reactions = {
                str(r.get("name")): tuple(r.get("users") or [])
                for r in (answer.get("message") or {}).get("reactions") or []
            }
            replies: tuple[Reply, ...] = ()
            if card.reply_wanted_since is not None and threads_left > 0:
                threads_left -= 1
                replies = _replies(client, card)
        except SlackApiError as error:
            code = error.response.get("error")
            log.warning("reconcile: could not read the card of %s: %s", card.reference, code)
            if code == "ratelimited":
                break  # the next run goes on
            continue
        found[card.request_id] = CardInSlack(reactions=reactions, replies=replies)
    return found


def _replies(client: Any, card: _Card) -> tuple[Reply, ...]:
    assert card.reply_wanted_since is not None
    since = _aware(card.reply_wanted_since)
    answer = client.conversations_replies(
        channel=card.channel, ts=card.ts, oldest=f"{since.timestamp():.6f}", limit=200
    )
    return tuple(
        Reply(
            user=str(m["user"]),
            at=datetime.fromtimestamp(float(m["ts"]), UTC),
            text=str(m.get("text") or ""),
        )
        for m in answer.get("messages") or []
        if m.get("user") and not m.get("bot_id") and m.get("ts") != card.ts
    )


def _missed(
    runtime: Runtime, session: Session, request: Request, card: CardInSlack
) -> list[Missed]:
    events = session.scalars(
        select(RequestEvent).where(RequestEvent.request_id == request.id).order_by(RequestEvent.id)
    )
    config = runtime.config_of(session, request.workspace_id)
    return missed(
        request,
        events,
        card,
        reactions=config.reactions,
        department=config.find_department(request.fulfilling_department.key),
        directory=directory_for_workspace(
            session, config=config, workspace_id=request.workspace_id
        ),
        decline_asked_at=_decline_asked_at(session, request),
    )


def _apply(runtime: Runtime, card: _Card, in_slack: CardInSlack) -> list[Missed]:
    """Apply what was missed on one card, deciding again on the locked request."""
    applied: list[Missed] = []

    def operate(workflow: Workflow, request: Request) -> Done | None:
        applied.clear()  # decided afresh if the transaction is run again
        for change in _missed(runtime, workflow.session, request, in_slack):
            try:
                _do(workflow, request, change)
            except Refusal as refusal:  # said to nobody: a reaction is no conversation
                log.info("reconcile: %s on %s refused: %s", change.kind, card.reference, refusal)
                continue
            applied.append(change)
        return None

    outcome = apply(runtime, by_id(card.request_id, card.team_id), operate, deliver=False)
    if outcome is not None and outcome.refused:
        return []  # the database failed; nothing was changed
    return applied


def _do(workflow: Workflow, request: Request, change: Missed) -> None:
    surface, user = Surface.RECONCILE, change.user
    match change.kind:
        case MissedKind.CLAIM:
            workflow.claim(request, user, surface)
        case MissedKind.UNCLAIM:
            workflow.unclaim(request, user, surface)
        case MissedKind.ESTIMATE:
            assert change.days is not None
            workflow.estimate(request, user, change.days, surface)
        case MissedKind.NEEDS_INFO:
            workflow.ask_requester(request, user, None, surface)
        case MissedKind.DECLINE:
            workflow.request_decline(request, user, surface)
        case MissedKind.DELIVER:
            workflow.deliver(request, user, surface)
        case MissedKind.ANSWER | MissedKind.DECLINE_REASON:
            workflow.thread_reply(request, user, change.text or "", change.at, surface)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
