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

A process that stops takes no new lease, lets the sends under way finish, and gives back any
lease still held, so another process carries on at once. What is left at-least-once: a crash
after Slack accepted an effect but before it was marked sent resends it once the lease expires,
which we prefer to losing it; file uploads (the digest's chart) are not looked for; and when two
attempts whose answers were lost were both posted, both copies stay (sending/recovery.py).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import Update, literal, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.config import LiaisonConfig
from bot.db.session import reading, transaction
from bot.domain import outbox
from bot.domain.models import OutboxMessage, Request, Workspace
from bot.slack import membership
from bot.slack.installations import NotInstalled
from bot.slack.sending.effects import Effect, Sender, SendResult
from bot.slack.sending.leases import HeldLeases
from bot.slack.sending.senders import SENDERS
from bot.slack.sending.transport import NETWORK_ERRORS, Failed, Retry, classify, error_code

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
# How long effects for a workspace without a token (uninstalled) wait before it is looked at again.
HOLD = timedelta(hours=1)
# An effect about no request is "sending" while a process has it; once `next_attempt_at` (its
# lease) has passed, another process takes it up as if it were pending.
SENDABLE = ("pending", "sending")
# How an effect waiting for Liaison to be invited into its channel says so in `last_error`.
AWAITING_INVITE = "waiting for an invitation into"


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    held: int = 0  # for workspaces without a token (uninstalled): kept, not sent
    failed: list[str] = field(default_factory=list)


class Outbox:
    """Sends due outbox effects. Safe to run from many threads and processes at once."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        client_for: Callable[[str], WebClient],
        config_for: Callable[[str], LiaisonConfig],
        clock: Callable[[], datetime],
        senders: Mapping[str, Sender] = SENDERS,
    ) -> None:
        missing = outbox.EFFECT_KINDS - senders.keys()
        if missing:
            raise ValueError(f"no sender for effect kinds {sorted(missing)}")
        self._sessions = sessions
        self._client_for = client_for
        self._config_for = config_for
        self._clock = clock
        self._senders = senders
        self._teams: dict[int, str] = {}
        # Keys ("request", request id) for a request's lease, ("effect", id) for an effect's.
        self._leases = HeldLeases()

    def send_due(self, *, limit: int = 500) -> SendReport:
        """Send every due effect (up to `limit`), oldest first."""
        report = SendReport()
        with reading(self._sessions) as session:
            due = session.execute(
                select(OutboxMessage.id, OutboxMessage.request_id)
                .where(
                    OutboxMessage.status.in_(SENDABLE),
                    OutboxMessage.next_attempt_at <= self._clock(),
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            ).all()
        request_ids = list(dict.fromkeys(r.request_id for r in due if r.request_id is not None))
        for request_id in request_ids:
            self._send_for_request(request_id, report)
        for row in due:
            if row.request_id is None and not self._leases.stopping:
                self._send_standalone(row.id, report)
        return report

    def send_request(self, request_id: int) -> SendReport:
        """Send what is due for one request (called right after a handler commits), then the
        Home tabs waiting to be published (a change to a request queues them too)."""
        report = SendReport()
        self._send_for_request(request_id, report)
        self._send_homes(report)
        return report

    def send_homes(self) -> SendReport:
        """Publish the Home tabs that are due (called right after someone opens theirs)."""
        report = SendReport()
        self._send_homes(report)
        return report

    def _send_homes(self, report: SendReport, *, limit: int = 500) -> None:
        with reading(self._sessions) as session:
            due = session.scalars(
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.kind == outbox.HOME,
                    OutboxMessage.status.in_(SENDABLE),
                    OutboxMessage.next_attempt_at <= self._clock(),
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            ).all()
        for effect_id in due:
            if self._leases.stopping:
                return
            self._send_standalone(effect_id, report)

    # -- stopping ---------------------------------------------------------------------------

    def stop(self) -> None:
        """Send nothing new: the sends under way finish their current effect and stop there."""
        self._leases.stop()

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the sends under way to end; True when they have."""
        return self._leases.wait_until_none(timeout)

    def release_leases(self) -> int:
        """Give back the leases this process still holds (a send that did not end in time), so
        another process takes them up at once; how many it gave back."""
        now = self._clock()
        released = 0
        with transaction(self._sessions) as session:
            for key, until in self._leases.held().items():
                kind, row_id = key  # type: ignore[misc]
                statement: Update = (
                    update(Request)
                    .where(Request.id == row_id, Request.outbox_lease_until == until)
                    .values(outbox_lease_until=None)
                    if kind == "request"
                    else update(OutboxMessage)
                    .where(OutboxMessage.id == row_id, OutboxMessage.next_attempt_at == until)
                    .where(OutboxMessage.status == "sending")
                    .values(status="pending", next_attempt_at=now)
                )
                released += session.execute(statement.returning(literal(1))).first() is not None
        return released

    # -- one request, in order, under a lease ------------------------------------------------

    def _send_for_request(self, request_id: int, report: SendReport) -> None:
        key = ("request", request_id)
        while not self._leases.stopping and (until := self._take_lease(request_id)):
            try:
                self._drain(request_id, report)
            finally:
                try:
                    more_due = self._release_lease(request_id, until)
                finally:
                    self._leases.drop(key)
            if not more_due:
                return

    def _take_lease(self, request_id: int) -> datetime | None:
        """Lease the request's effects to this process; when the lease runs out, or None."""
        now = self._clock()
        until = now + LEASE
        with transaction(self._sessions) as session:
            taken = session.execute(
                update(Request)
                .where(
                    Request.id == request_id,
                    or_(Request.outbox_lease_until.is_(None), Request.outbox_lease_until < now),
                )
                .values(outbox_lease_until=until)
                .returning(Request.id)
            ).first()
        if taken is None:
            return None
        self._leases.hold(("request", request_id), until)
        return until

    def _release_lease(self, request_id: int, until: datetime) -> bool:
        """Give the lease back (unless it ran out and another process has it now); True when an
        effect is due (a handler may have queued one while we held the lease, and left it to us)."""
        with transaction(self._sessions) as session:
            session.execute(
                update(Request)
                .where(Request.id == request_id, Request.outbox_lease_until == until)
                .values(outbox_lease_until=None)
            )
            return self._next_due(session, request_id) is not None

    def _next_due(self, session: Session, request_id: int) -> OutboxMessage | None:
        """The request's oldest pending effect if it is due; None if it is waiting for a retry
        (effects queued after it wait too, so a request's effects never overtake each other)."""
        oldest = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.request_id == request_id, OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
            .limit(1)
        ).first()
        return oldest if oldest is not None and oldest.next_attempt_at <= self._clock() else None

    def _drain(self, request_id: int, report: SendReport) -> None:
        while not self._leases.stopping:
            with reading(self._sessions) as session:
                row = self._next_due(session, request_id)
                if row is None:
                    return
                team_id = self._team_id(session, row.workspace_id)
                sender = self._senders.get(row.kind)
                batch = [row]
                if sender is not None and sender.coalesces:
                    # Drawn from the current state, so every queued one is served by one send.
                    batch = list(
                        session.scalars(
                            select(OutboxMessage).where(
                                OutboxMessage.request_id == request_id,
                                OutboxMessage.kind == row.kind,
                                OutboxMessage.status == "pending",
                            )
                        )
                    )
                # Read after the batch: a change commits its state and its card refresh together,
                # so (each statement seeing the latest commits, as on PostgreSQL) the state drawn
                # is at least as new as every refresh the batch marks sent.
                request = session.get_one(Request, request_id)
                effect = self._build(session, sender, row, request)
            if not self._send(team_id, sender, effect, [r.id for r in batch], report):
                return  # keep the order: later effects wait for this one

    def _team_id(self, session: Session, workspace_id: int) -> str:
        """The Slack team of a workspace row (which never changes, so it is remembered)."""
        if workspace_id not in self._teams:
            self._teams[workspace_id] = session.get_one(Workspace, workspace_id).team_id
        return self._teams[workspace_id]

    def _config_of(self, session: Session, workspace_id: int) -> LiaisonConfig:
        return self._config_for(self._team_id(session, workspace_id))

    def _build(
        self, session: Session, sender: Sender | None, row: OutboxMessage, request: Request | None
    ) -> Effect:
        effect = Effect(row=row, request=request, started=self._clock())
        if sender is None:
            return effect
        config = self._config_of(session, row.workspace_id)
        return dataclasses.replace(effect, content=sender.build(effect, session, config))

    # -- effects not tied to a request ----------------------------------------------------

    def _send_standalone(self, effect_id: int, report: SendReport) -> None:
        key = ("effect", effect_id)
        now = self._clock()
        try:
            with transaction(self._sessions) as session:
                claimed = session.execute(
                    update(OutboxMessage)
                    .where(
                        OutboxMessage.id == effect_id,
                        OutboxMessage.status.in_(SENDABLE),
                        OutboxMessage.next_attempt_at <= now,
                    )
                    .values(status="sending", next_attempt_at=now + LEASE)
                    .returning(OutboxMessage.id)
                ).first()
                if not claimed:
                    return
                self._leases.hold(key, now + LEASE)
                row = session.get_one(OutboxMessage, effect_id)
                team_id = self._team_id(session, row.workspace_id)
                sender = self._senders.get(row.kind)
                effect = self._build(session, sender, row, None)
            self._send(team_id, sender, effect, [effect_id], report)
        finally:
            self._leases.drop(key)

    # -- the call and its outcome -----------------------------------------------------------

    def _send(
        self,
        team_id: str,
        sender: Sender | None,
        effect: Effect,
        ids: list[int],
        report: SendReport,
    ) -> bool:
        row = effect.row
        try:
            client = self._client_for(team_id)
        except NotInstalled as gone:
            self._hold(ids, str(gone))
            report.held += 1
            return False
        try:
            if sender is None:  # queued by a version that knew a kind this one does not
                raise Failed(f"no sender for effect kind {row.kind!r}")
            result = self._call(sender, effect, client)
        except Retry as retry:
            self._record(ids, retry=retry, attempts=row.attempts + 1)
            report.retrying += 1
            return False
        except Failed as failure:
            self._record(ids, failure=str(failure))
            report.failed.append(f"{_what(row)} #{row.id}: {failure}")
            log.error("could not send %s %s: %s", _what(row), row.id, failure)
            return True
        self._record_sent(ids, row.request_id, result)
        if (row.last_error or "").startswith(AWAITING_INVITE):
            channel = sender.conversation(effect)
            if channel is not None:
                self._note_usable(row, channel)
        report.sent += 1
        return True

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
                config=self._config_of(session, row.workspace_id),
                now=self._clock(),
            )
        return Retry(f"{AWAITING_INVITE} {channel} ({problem})", membership.INVITE_WAIT)

    def _note_usable(self, row: OutboxMessage, channel: str) -> None:
        with transaction(self._sessions) as session:
            membership.note_usable(session, workspace_id=row.workspace_id, channel=channel)

    def _record_sent(self, ids: list[int], request_id: int | None, result: SendResult) -> None:
        with transaction(self._sessions) as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(
                    status="sent",
                    sent_at=self._clock(),
                    sent_ts=result.ts,
                    attempts=OutboxMessage.attempts + 1,
                )
            )
            if result.request_updates and request_id is not None:
                session.execute(
                    update(Request).where(Request.id == request_id).values(**result.request_updates)
                )

    def _hold(self, ids: list[int], reason: str) -> None:
        """Keep effects for a workspace that has no token now: pending, not an attempt, looked at
        again after a while (sent should the workspace install Liaison again)."""
        with transaction(self._sessions) as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(status="pending", last_error=reason, next_attempt_at=self._clock() + HOLD)
            )

    def _record(
        self,
        ids: list[int],
        *,
        retry: Retry | None = None,
        failure: str | None = None,
        attempts: int = 0,
    ) -> None:
        """A failed attempt: pending again with a backoff (`retry`), or failed for good."""
        now = self._clock()
        with transaction(self._sessions) as session:
            rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
            for row in rows:
                row.attempts += 1
                if retry is not None:
                    row.status = "pending"
                    row.last_error = str(retry)
                    row.next_attempt_at = now + (retry.after or backoff(attempts))
                    # Keep the first: the look-up must reach back to every attempt since.
                    row.unconfirmed_since = row.unconfirmed_since or retry.unconfirmed_since
                elif failure is not None:
                    row.status = "failed"
                    row.last_error = failure
                    self._report_failure(session, row, failure, now)

    def _report_failure(
        self, session: Session, row: OutboxMessage, error: str, now: datetime
    ) -> None:
        """Tell the leads what could not be sent and why (never about such a notice itself, so a
        lead who cannot be reached does not start a loop)."""
        if row.template == outbox.DELIVERY_FAILED or row.kind == outbox.HOME:
            return  # nor about a Home tab: it is published again at the next change or visit
        if outbox.parent_failed(session, row):
            return  # a reply under a message that failed: that failure was told
        request = session.get(Request, row.request_id) if row.request_id else None
        config = self._config_of(session, row.workspace_id)
        if request is not None:
            keys = {request.fulfilling_department.key}
        else:
            keys = {d.key for d in config.fulfilling_departments()}
        leads = {lead for d in config.departments if d.key in keys for lead in d.leads}
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
