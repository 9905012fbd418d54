"""The outbox loop: which effect is sent when, by whom, and what happens after.

Effects about one request are sent in the order they were queued, by one process at a time: it
takes a short lease on the request row (a conditional UPDATE, so the database decides who wins
when several processes try). Effects about no request are claimed one by one. Each effect is
built (from the request's current state, in a read-only transaction) and sent by its kind's
sender (bot/slack/sending/senders.py) with no transaction open.

Failures: rate limits, 5xx answers and network errors leave the effect pending with a backoff
(the periodic job retries it); errors that retrying cannot fix mark it failed, are logged and
are told to the leads. A post into a channel Liaison is not in joins it first; one it cannot
join (private) waits for an invitation.

What is left at-least-once: a crash after Slack accepted an effect but before it was marked
sent resends it once the lease expires, which we prefer to losing it; file uploads (the digest's
chart) are not looked for; and when two attempts whose answers were lost were both posted, both
copies stay (bot/slack/sending/recovery.py).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.config import LiaisonConfig
from bot.db.session import reading, transaction
from bot.domain import outbox
from bot.domain.models import OutboxMessage, Request, Workspace
from bot.slack import membership
from bot.slack.sending.effects import Effect, Sender, SendResult
from bot.slack.sending.senders import SENDERS
from bot.slack.sending.transport import NETWORK_ERRORS, Failed, Retry, classify, error_code

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_PREPARED = 10  # effects of one request built together, from one read of its state
# How an effect waiting for Liaison to be invited into its channel says so in `last_error`.
AWAITING_INVITE = "waiting for an invitation into"


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Step:
    """An effect ready to send: the team whose client sends it, its kind's sender (None for a
    kind this version does not know), the built effect and the ids of the rows it serves."""

    team_id: str
    sender: Sender | None
    effect: Effect
    ids: list[int]


@dataclass(frozen=True)
class _Outcome:
    """What came of one attempt: Slack's answer, a retry, or a failure for good."""

    result: SendResult | None = None
    retry: Retry | None = None
    failure: str | None = None


class Outbox:
    """Sends due outbox effects. Safe to run from many threads and processes at once."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        client_for: Callable[[str], WebClient],
        config: LiaisonConfig,
        clock: Callable[[], datetime],
        senders: Mapping[str, Sender] = SENDERS,
    ) -> None:
        missing = outbox.EFFECT_KINDS - senders.keys()
        if missing:
            raise ValueError(f"no sender for effect kinds {sorted(missing)}")
        self._sessions = sessions
        self._client_for = client_for
        self._config = config
        self._clock = clock
        self._senders = senders
        self._teams: dict[int, str] = {}

    def send_due(self, *, limit: int = 500) -> SendReport:
        """Send every due effect (up to `limit`), oldest first."""
        report = SendReport()
        with reading(self._sessions) as session:
            due = session.execute(
                select(OutboxMessage.id, OutboxMessage.request_id)
                .where(
                    OutboxMessage.status == "pending",
                    OutboxMessage.next_attempt_at <= self._clock(),
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            ).all()
        request_ids = list(dict.fromkeys(r.request_id for r in due if r.request_id is not None))
        for request_id in request_ids:
            self._send_for_request(request_id, report)
        for row in due:
            if row.request_id is None:
                self._send_standalone(row.id, report)
        return report

    def send_request(self, request_id: int) -> SendReport:
        """Send what is due for one request (called right after a handler commits), then the
        Home tabs waiting to be published (a change to a request queues them too)."""
        report = SendReport()
        homes = self._send_for_request(request_id, report, homes=True)
        for effect_id in homes:
            self._send_standalone(effect_id, report)
        return report

    def send_homes(self) -> SendReport:
        """Publish the Home tabs that are due (called right after someone opens theirs)."""
        report = SendReport()
        with reading(self._sessions) as session:
            due = self._due_homes(session)
        for effect_id in due:
            self._send_standalone(effect_id, report)
        return report

    def _due_homes(self, session: Session, *, limit: int = 500) -> list[int]:
        return list(
            session.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.kind == outbox.HOME,
                    OutboxMessage.status == "pending",
                    OutboxMessage.next_attempt_at <= self._clock(),
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
        )

    # -- one request, in order, under a lease ------------------------------------------------

    def _send_for_request(
        self, request_id: int, report: SendReport, *, homes: bool = False
    ) -> list[int]:
        """Send the request's due effects in order, holding its lease. With `homes`, the ids of
        the Home publishes that are due, read in the transaction that gives the lease back."""
        while True:
            with transaction(self._sessions) as session:
                if not self._take_lease(session, request_id):
                    return self._due_homes(session) if homes else []
            more_due, due_homes = self._drain(request_id, report, homes=homes)
            if not more_due:
                return due_homes

    def _drain(self, request_id: int, report: SendReport, *, homes: bool) -> tuple[bool, list[int]]:
        """Send due effects in order: the due ones are built together in a read-only
        transaction, each is sent with none open and recorded in a transaction of its own; the
        record that finds nothing more due gives the lease back. Returns whether an effect is due
        after all (a handler may have queued one while we held the lease, and left it to us) and,
        with `homes`, the due Home publishes."""
        while True:
            with reading(self._sessions) as session:
                steps = self._next_steps(session, request_id)
            if not steps:
                with transaction(self._sessions) as session:
                    return self._give_back(session, request_id, {}, homes=homes)
            for index, step in enumerate(steps):
                outcome = self._attempt(step)
                updates = dict(outcome.result.request_updates) if outcome.result else {}
                with transaction(self._sessions) as session:
                    self._record(session, step, outcome, report)
                    if outcome.retry is not None:
                        # Later effects wait for this one: a request's effects never overtake
                        # each other.
                        return self._give_back(session, request_id, updates, homes=homes)
                    if index + 1 < len(steps) and not updates:
                        continue  # the next one is built already, from the same state
                    if index + 1 == len(steps) and not self._is_due(session, request_id):
                        return self._give_back(session, request_id, updates, homes=homes)
                    if updates:
                        session.execute(
                            update(Request).where(Request.id == request_id).values(**updates)
                        )
                # Slack's answer changed the request (the card's ts), or more was queued: what is
                # due is built again from the request as it is now.
                break

    def _give_back(
        self, session: Session, request_id: int, updates: dict[str, Any], *, homes: bool
    ) -> tuple[bool, list[int]]:
        """Release the lease; whether an effect is due after all, and the due Home publishes."""
        session.execute(
            update(Request)
            .where(Request.id == request_id)
            .values(outbox_lease_until=None, **updates)
        )
        # Looked for once the row is locked by the UPDATE above: a handler queueing an effect
        # from now on waits for this commit, then finds the lease free.
        more_due = self._is_due(session, request_id)
        return more_due, (self._due_homes(session) if homes else [])

    def _take_lease(self, session: Session, request_id: int) -> bool:
        now = self._clock()
        taken = session.execute(
            update(Request)
            .where(
                Request.id == request_id,
                or_(Request.outbox_lease_until.is_(None), Request.outbox_lease_until < now),
            )
            .values(outbox_lease_until=now + LEASE)
            .returning(Request.id)
        ).first()
        return taken is not None

    def _is_due(self, session: Session, request_id: int) -> bool:
        """Whether the request's oldest pending effect is due (if it waits for a retry, the
        effects queued after it wait too)."""
        oldest = session.execute(
            select(OutboxMessage.next_attempt_at)
            .where(OutboxMessage.request_id == request_id, OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
            .limit(1)
        ).first()
        return oldest is not None and oldest.next_attempt_at <= self._clock()

    def _next_steps(self, session: Session, request_id: int) -> list[_Step]:
        """The request's due effects in the order they were queued (at most MAX_PREPARED), each
        built from the request's current state; none when the oldest pending one is waiting for
        a retry (see `_is_due`)."""
        pending = list(
            session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.request_id == request_id, OutboxMessage.status == "pending")
                .order_by(OutboxMessage.id)
            )
        )
        now = self._clock()
        if not pending or pending[0].next_attempt_at > now:
            return []
        # Read after the effects: a change commits its state and its card refresh together, so
        # (each statement seeing the latest commits, as on PostgreSQL) the state drawn is at
        # least as new as every refresh a step marks sent.
        request = session.get_one(Request, request_id)
        steps: list[_Step] = []
        served: set[int] = set()
        for row in pending:
            if row.id in served:
                continue
            if row.next_attempt_at > now or len(steps) == MAX_PREPARED:
                break  # it waits for a retry, and the effects queued after it wait too
            sender = self._senders.get(row.kind)
            batch = [row]
            if sender is not None and sender.coalesces:
                # Drawn from the current state, so every queued one is served by one send.
                batch = [r for r in pending if r.kind == row.kind]
            served.update(r.id for r in batch)
            steps.append(
                _Step(
                    team_id=self._team_id(session, row.workspace_id),
                    sender=sender,
                    effect=self._build(session, sender, row, request),
                    ids=[r.id for r in batch],
                )
            )
        return steps

    def _team_id(self, session: Session, workspace_id: int) -> str:
        """The Slack team of a workspace row (which never changes, so it is remembered)."""
        if workspace_id not in self._teams:
            self._teams[workspace_id] = session.get_one(Workspace, workspace_id).team_id
        return self._teams[workspace_id]

    def _build(
        self, session: Session, sender: Sender | None, row: OutboxMessage, request: Request | None
    ) -> Effect:
        effect = Effect(row=row, request=request, started=self._clock())
        if sender is None:
            return effect
        return dataclasses.replace(effect, content=sender.build(effect, session, self._config))

    # -- effects not tied to a request ----------------------------------------------------

    def _send_standalone(self, effect_id: int, report: SendReport) -> None:
        with transaction(self._sessions) as session:
            claimed = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == effect_id, OutboxMessage.status == "pending")
                .values(status="sending", next_attempt_at=self._clock() + LEASE)
                .returning(OutboxMessage.id)
            ).first()
            if not claimed:
                return
            row = session.get_one(OutboxMessage, effect_id)
            team_id = self._team_id(session, row.workspace_id)
            sender = self._senders.get(row.kind)
            step = _Step(team_id, sender, self._build(session, sender, row, None), [effect_id])
        outcome = self._attempt(step)
        with transaction(self._sessions) as session:
            self._record(session, step, outcome, report)

    # -- the call and its outcome -----------------------------------------------------------

    def _attempt(self, step: _Step) -> _Outcome:
        """One attempt at the step's effect, with no transaction open; what came of it."""
        row = step.effect.row
        try:
            if step.sender is None:  # queued by a version that knew a kind this one does not
                raise Failed(f"no sender for effect kind {row.kind!r}")
            result = self._call(step.sender, step.effect, self._client_for(step.team_id))
        except Retry as retry:
            return _Outcome(retry=retry)
        except Failed as failure:
            return _Outcome(failure=str(failure))
        if (row.last_error or "").startswith(AWAITING_INVITE):
            channel = step.sender.conversation(step.effect)
            if channel is not None:
                self._note_usable(row, channel)
        return _Outcome(result=result)

    def _record(self, session: Session, step: _Step, outcome: _Outcome, report: SendReport) -> None:
        """The attempt's outcome on the step's rows: sent; pending again with a backoff (a
        retry); or failed for good, told to the leads."""
        row = step.effect.row
        if outcome.result is not None:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(step.ids))
                .values(
                    status="sent",
                    sent_at=self._clock(),
                    sent_ts=outcome.result.ts,
                    attempts=OutboxMessage.attempts + 1,
                )
            )
            report.sent += 1
            return
        now = self._clock()
        for failed in session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(step.ids))):
            failed.attempts += 1
            if outcome.retry is not None:
                failed.status = "pending"
                failed.last_error = str(outcome.retry)
                failed.next_attempt_at = now + (outcome.retry.after or backoff(row.attempts + 1))
                # Keep the first: the look-up must reach back to every attempt since.
                failed.unconfirmed_since = (
                    failed.unconfirmed_since or outcome.retry.unconfirmed_since
                )
            elif outcome.failure is not None:
                failed.status = "failed"
                failed.last_error = outcome.failure
                self._report_failure(session, failed, outcome.failure, now)
        if outcome.retry is not None:
            report.retrying += 1
        elif outcome.failure is not None:
            report.failed.append(f"{_what(row)} #{row.id}: {outcome.failure}")
            log.error("could not send %s %s: %s", _what(row), row.id, outcome.failure)

    def _call(self, sender: Sender, effect: Effect, client: WebClient) -> SendResult:
        """The sender's attempt, joining the conversation first when Slack asks; every failure
        comes out as Retry or Failed."""
        try:
            try:
                return sender.send(effect, client)
            except SlackApiError as error:
                if error_code(error) != "not_in_channel":
                    raise
                channel = sender.conversation(effect)
                if channel is None:
                    raise
            # Slack hears nothing from a channel the bot is not in: join it, then post.
            problem = membership.join(client, channel)
            if problem is not None:
                raise self._await_invite(effect.row, channel, problem)
            self._note_usable(effect.row, channel)
            return sender.send(effect, client)
        except SlackApiError as error:
            raise classify(error, attempts=effect.row.attempts) from error
        except NETWORK_ERRORS as error:
            raise Retry(f"network: {error}") from error

    def _await_invite(self, row: OutboxMessage, channel: str, problem: str) -> Retry:
        """Liaison cannot join `channel` (private, most likely): its leads are told once, and
        the effect waits, tried again now and then, until someone invites Liaison."""
        with transaction(self._sessions) as session:
            membership.note_unusable(
                session,
                workspace_id=row.workspace_id,
                channel=channel,
                problem=problem,
                config=self._config,
                now=self._clock(),
            )
        return Retry(f"{AWAITING_INVITE} {channel} ({problem})", membership.INVITE_WAIT)

    def _note_usable(self, row: OutboxMessage, channel: str) -> None:
        with transaction(self._sessions) as session:
            membership.note_usable(session, workspace_id=row.workspace_id, channel=channel)

    def _report_failure(
        self, session: Session, row: OutboxMessage, error: str, now: datetime
    ) -> None:
        """Tell the leads what could not be sent and why (never about such a notice itself, so a
        lead who cannot be reached does not start a loop)."""
        if row.template == outbox.DELIVERY_FAILED or row.kind == outbox.HOME:
            return  # nor about a Home tab: it is published again at the next change or visit
        request = session.get(Request, row.request_id) if row.request_id else None
        if request is not None:
            keys = {request.fulfilling_department.key}
        else:
            keys = {d.key for d in self._config.fulfilling_departments()}
        leads = {lead for d in self._config.departments if d.key in keys for lead in d.leads}
        for lead in sorted(leads):
            outbox.enqueue_message(
                session,
                workspace_id=row.workspace_id,
                template=outbox.DELIVERY_FAILED,
                request=request,
                channel=lead,
                payload={
                    "failed_kind": _what(row),
                    "destination": row.channel or (request.card_channel if request else None),
                    "error": error,
                    "reference": request.reference if request else None,
                },
                now=now,
            )


def _what(row: OutboxMessage) -> str:
    """The template of a message, else the effect's kind (how failures name it)."""
    return row.template or row.kind


def backoff(attempts: int) -> timedelta:
    """How long to wait before trying again after `attempts` failed attempts."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))
