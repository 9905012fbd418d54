"""One attempt at an outbox effect and what comes of it (for the loop, bot/slack/sending/loop.py):
the call to Slack through the effect's sender, joining its channel first when Slack asks (or
waiting for an invitation into one Liaison cannot join), and the outcome recorded on the effect's
rows: sent, pending again with a backoff, or failed for good and told to the leads."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.config import LiaisonConfig
from bot.db.session import UNSYNCHRONIZED, transaction
from bot.domain import outbox
from bot.domain.models import OutboxMessage, Request
from bot.slack import membership
from bot.slack.installations import NotInstalled
from bot.slack.sending.effects import Effect, Sender, SendResult
from bot.slack.sending.transport import NETWORK_ERRORS, Failed, Retry, classify, error_code

log = logging.getLogger(__name__)

# How long effects for a workspace without a token (uninstalled) wait before it is looked at again.
HOLD = timedelta(hours=1)
# How an effect waiting for Liaison to be invited into its channel says so in `last_error`.
AWAITING_INVITE = "waiting for an invitation into"

_OUTBOX = OutboxMessage.__table__
# An effect sent, on its rows (every effect sent runs it: built once, see loop.py).
_SENT = (
    update(_OUTBOX)
    .where(_OUTBOX.c.id.in_(bindparam("ids", expanding=True)))
    .values(
        status="sent",
        sent_at=bindparam("at"),
        sent_ts=bindparam("ts"),
        attempts=_OUTBOX.c.attempts + 1,
    )
)


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    held: int = 0  # for workspaces without a token (uninstalled): kept, not sent
    failed: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Step:
    """An effect ready to send: the team whose client sends it, its kind's sender (None for a
    kind this version does not know), the built effect and the ids of the rows it serves."""

    team_id: str
    sender: Sender | None
    effect: Effect
    ids: list[int]


@dataclass(frozen=True)
class Outcome:
    """What came of one attempt: Slack's answer, a retry, a failure for good, or no attempt
    at all because the workspace has no token now (`held`: why)."""

    result: SendResult | None = None
    retry: Retry | None = None
    failure: str | None = None
    held: str | None = None

    @property
    def waits(self) -> bool:
        """Whether the effect is pending again, later (so the effects queued after it wait)."""
        return self.retry is not None or self.held is not None


class Attempts:
    """Makes attempts and records their outcomes. Safe to use from many threads at once."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        client_for: Callable[[str], WebClient],
        config_of: Callable[[Session, int], LiaisonConfig],
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._client_for = client_for
        self._config_of = config_of  # a workspace row's settings
        self._clock = clock

    def attempt(self, step: Step) -> Outcome:
        """One attempt at the step's effect, with no transaction open; what came of it."""
        row = step.effect.row
        try:
            client = self._client_for(step.team_id)
        except NotInstalled as gone:
            return Outcome(held=str(gone))
        try:
            if step.sender is None:  # queued by a version that knew a kind this one does not
                raise Failed(f"no sender for effect kind {row.kind!r}")
            result = self._call(step.sender, step.effect, client)
        except Retry as retry:
            return Outcome(retry=retry)
        except Failed as failure:
            return Outcome(failure=str(failure))
        if (row.last_error or "").startswith(AWAITING_INVITE):
            channel = step.sender.conversation(step.effect)
            if channel is not None:
                self._note_usable(row, channel)
        return Outcome(result=result)

    def record(self, session: Session, step: Step, outcome: Outcome, report: SendReport) -> None:
        """The attempt's outcome on the step's rows: sent; pending again with a backoff (a
        retry); failed for good, told to the leads; or held: pending, no attempt counted, looked
        at again after HOLD (sent should the workspace install Liaison again)."""
        row = step.effect.row
        if outcome.held is not None:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(step.ids))
                .values(
                    status="pending",
                    last_error=outcome.held,
                    next_attempt_at=self._clock() + HOLD,
                )
                .execution_options(**UNSYNCHRONIZED)
            )
            report.held += 1
            return
        if outcome.result is not None:
            session.execute(
                _SENT, {"ids": list(step.ids), "at": self._clock(), "ts": outcome.result.ts}
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
                config=self._config_of(session, row.workspace_id),
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
        if outbox.parent_failed(session, row):
            return  # a reply under a message that failed: that failure was told
        # A tracker effect names its request in its payload (it is queued about none).
        request_id = row.request_id or (row.payload or {}).get("request_id")
        request = session.get(Request, request_id) if request_id else None
        if row.kind == outbox.TRACKER and request is not None:
            self._report_tracker_failure(session, row, request, error, now)
            return
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

    def _report_tracker_failure(
        self, session: Session, row: OutboxMessage, request: Request, error: str, now: datetime
    ) -> None:
        """The tracker refused the request's issue: its department's leads get the tracker's
        words and a "Retry" button."""
        config = self._config_of(session, row.workspace_id)
        department = config.find_department(request.fulfilling_department.key)
        for lead in sorted(set(department.leads if department is not None else ())):
            outbox.enqueue_message(
                session,
                workspace_id=row.workspace_id,
                template=outbox.TRACKER_FAILED,
                request=request,
                channel=lead,
                payload={"error": error},
                now=now,
            )


def _what(row: OutboxMessage) -> str:
    """The template of a message, else the effect's kind (how failures name it)."""
    return row.template or row.kind


def backoff(attempts: int) -> timedelta:
    """How long to wait before trying again after `attempts` failed attempts."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))
