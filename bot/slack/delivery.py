"""Delivering the outbox to Slack.

Messages about one request are sent in the order they were queued, by one deliverer at a time: a
deliverer takes a short lease on the request row (a conditional UPDATE, so the database decides
who wins when several processes try). The card is rendered from the request's current state when
it is sent, so several queued card refreshes collapse into one `chat.update`.

Failures: rate limits, 5xx answers and network errors leave the message pending with a backoff
(the periodic job retries it); errors that retrying cannot fix mark it failed and are logged.

A timeout or a dropped connection while posting is ambiguous: Slack may have posted the message
and only its answer was lost. Every post therefore carries message metadata naming its outbox
row, and such a row is marked unconfirmed; before posting it again, the deliverer looks for the
earlier post in the conversation's history (the card's thread, for a reply) and, when it is
there, records it as sent instead. A failed look-up is retried like a failed post; when Slack
will not let Liaison read the conversation at all, the message is posted again (a possible
double rather than a lost message). This needs a client that never resends a post
by itself (`delivery_client` in bot/runtime.py: slack_sdk's default retry handler would).

What is left at-least-once: a crash after Slack accepted a message but before it was marked
sent resends it once the lease expires, which we prefer to losing it; file uploads (the digest's
chart) are not looked for; and when two attempts whose answers were lost were both posted, both
copies stay.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.metadata import Metadata
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.config import LiaisonConfig
from bot.db.session import reading, transaction
from bot.domain import outbox
from bot.domain.models import OutboxMessage, Request, Workspace
from bot.domain.numbers import whole_number
from bot.slack import membership
from bot.slack.messages import Rendering, render

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 12
# The event type of the metadata naming the outbox row a post delivers.
OUTBOX_EVENT = "liaison_outbox"
# How far before an unconfirmed attempt to look for it, for Slack's clock being behind ours.
LOOKBACK = timedelta(minutes=5)
# Answers to a history look-up meaning Liaison may post there but not read there: a bot that
# posts cards through chat:write.public without being a member, or an install that predates
# the history scopes.
HISTORY_UNREADABLE = frozenset({"not_in_channel", "missing_scope"})
# How a message waiting for Liaison to be invited into its channel says so in `last_error`.
AWAITING_INVITE = "waiting for an invitation into"
# Errors that the same call will hit again however often it is retried.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "restricted_action",
        "team_access_not_granted",
        "missing_scope",
        "not_authed",
        "invalid_auth",
        "token_revoked",
    }
)


@dataclass
class DeliveryReport:
    sent: int = 0
    retrying: int = 0
    failed: list[str] = field(default_factory=list)


class _Retry(Exception):
    def __init__(
        self,
        reason: str,
        after: timedelta | None = None,
        *,
        unconfirmed_since: datetime | None = None,
    ) -> None:
        super().__init__(reason)
        self.after = after
        # Set when a post may have reached Slack: when that attempt started.
        self.unconfirmed_since = unconfirmed_since


class _Failed(Exception):
    pass


class Deliverer:
    """Sends due outbox messages. Safe to run from many threads and processes at once."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        client_for: Callable[[str], WebClient],
        config: LiaisonConfig,
        clock: Callable[[], datetime],
    ) -> None:
        self._sessions = sessions
        self._client_for = client_for
        self._config = config
        self._clock = clock
        self._teams: dict[int, str] = {}

    def deliver_due(self, *, limit: int = 500) -> DeliveryReport:
        """Send every due message (up to `limit`), oldest first."""
        report = DeliveryReport()
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
            self._deliver_for_request(request_id, report)
        for row in due:
            if row.request_id is None:
                self._deliver_standalone(row.id, report)
        return report

    def deliver_request(self, request_id: int) -> DeliveryReport:
        """Send what is due for one request (called right after a handler commits)."""
        report = DeliveryReport()
        self._deliver_for_request(request_id, report)
        return report

    # -- one request, in order, under a lease ------------------------------------------------

    def _deliver_for_request(self, request_id: int, report: DeliveryReport) -> None:
        while self._take_lease(request_id):
            try:
                self._drain(request_id, report)
            finally:
                more_due = self._release_lease(request_id)
            if not more_due:
                return

    def _take_lease(self, request_id: int) -> bool:
        now = self._clock()
        with transaction(self._sessions) as session:
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

    def _release_lease(self, request_id: int) -> bool:
        """Give the lease back; True when a message is due (a handler may have queued one while
        we held the lease, and left it to us)."""
        with transaction(self._sessions) as session:
            session.execute(
                update(Request).where(Request.id == request_id).values(outbox_lease_until=None)
            )
            return self._next_due(session, request_id) is not None

    def _next_due(self, session: Session, request_id: int) -> OutboxMessage | None:
        """The request's oldest pending message if it is due; None if it is waiting for a retry
        (messages queued after it wait too, so a request's messages never overtake each other)."""
        oldest = session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.request_id == request_id, OutboxMessage.status == "pending")
            .order_by(OutboxMessage.id)
            .limit(1)
        ).first()
        return oldest if oldest is not None and oldest.next_attempt_at <= self._clock() else None

    def _drain(self, request_id: int, report: DeliveryReport) -> None:
        while True:
            with reading(self._sessions) as session:
                message = self._next_due(session, request_id)
                if message is None:
                    return
                team_id = self._team_id(session, message.workspace_id)
                batch = [message]
                if message.kind == outbox.CARD:
                    # The card shows the current state, so every queued refresh is served by one.
                    batch = list(
                        session.scalars(
                            select(OutboxMessage).where(
                                OutboxMessage.request_id == request_id,
                                OutboxMessage.kind == outbox.CARD,
                                OutboxMessage.status == "pending",
                            )
                        )
                    )
                # Read after the batch: a change commits its state and its card refresh together,
                # so (each statement seeing the latest commits, as on PostgreSQL) the state drawn
                # is at least as new as every refresh the batch marks sent.
                request = session.get_one(Request, request_id)
                rendered = render(Rendering(message=message, request=request, config=self._config))
            if not self._send(team_id, message, request, rendered, [m.id for m in batch], report):
                return  # keep the order: later messages wait for this one

    def _team_id(self, session: Session, workspace_id: int) -> str:
        """The Slack team of a workspace row (which never changes, so it is remembered)."""
        if workspace_id not in self._teams:
            self._teams[workspace_id] = session.get_one(Workspace, workspace_id).team_id
        return self._teams[workspace_id]

    # -- messages not tied to a request ---------------------------------------------------

    def _deliver_standalone(self, message_id: int, report: DeliveryReport) -> None:
        with transaction(self._sessions) as session:
            claimed = session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id == message_id, OutboxMessage.status == "pending")
                .values(status="sending", next_attempt_at=self._clock() + LEASE)
                .returning(OutboxMessage.id)
            ).first()
            if not claimed:
                return
            message = session.get_one(OutboxMessage, message_id)
            team_id = self._team_id(session, message.workspace_id)
            rendered = render(Rendering(message=message, request=None, config=self._config))
        self._send(team_id, message, None, rendered, [message_id], report)

    # -- the Slack call and its outcome ---------------------------------------------------

    def _send(
        self,
        team_id: str,
        message: OutboxMessage,
        request: Request | None,
        rendered: dict,
        ids: list[int],
        report: DeliveryReport,
    ) -> bool:
        client = self._client_for(team_id)
        try:
            ts, card_updates = self._call_slack(client, message, request, rendered)
        except _Retry as retry:
            self._record(ids, retry=retry, attempts=message.attempts + 1)
            report.retrying += 1
            return False
        except _Failed as failure:
            self._record(ids, failure=str(failure))
            report.failed.append(f"{message.kind} #{message.id}: {failure}")
            log.error("could not deliver %s message %s: %s", message.kind, message.id, failure)
            return True
        self._record_sent(ids, message.request_id, ts=ts, card_updates=card_updates)
        if (message.last_error or "").startswith(AWAITING_INVITE):
            self._note_usable(message, _channel_of(message, request))
        report.sent += 1
        return True

    def _call_slack(
        self, client: WebClient, message: OutboxMessage, request: Request | None, rendered: dict
    ) -> tuple[str | None, dict]:
        try:
            try:
                return self._attempt(client, message, request, rendered)
            except SlackApiError as error:
                if error.response.get("error") != "not_in_channel":
                    raise
            # Slack hears nothing from a channel the bot is not in: join it, then post.
            channel = _channel_of(message, request)
            problem = membership.join(client, channel)
            if problem is not None:
                raise self._await_invite(message, channel, problem)
            self._note_usable(message, channel)
            return self._attempt(client, message, request, rendered)
        except SlackApiError as error:
            raise self._classify(error, message) from error
        except (OSError, TimeoutError) as error:  # network trouble: URLError is an OSError
            raise _Retry(f"network: {error}") from error

    def _attempt(
        self, client: WebClient, message: OutboxMessage, request: Request | None, rendered: dict
    ) -> tuple[str | None, dict]:
        """One try at sending the message; SlackApiError and network errors propagate."""
        if message.kind == outbox.CARD:
            assert request is not None
            return self._send_card(client, message, request, rendered)
        if "file" in rendered:
            # At-least-once: an upload whose answer was lost is uploaded again.
            client.files_upload_v2(channel=message.channel, **rendered)
            return None, {}
        channel, thread_ts = _destination(message, request)
        earlier = self._earlier_post(client, message, channel, thread_ts)
        if earlier is not None:
            return earlier[1], {}
        _, ts = self._post(client, message, channel=channel, thread_ts=thread_ts, **rendered)
        return ts, {}

    def _await_invite(self, message: OutboxMessage, channel: str, problem: str) -> _Retry:
        """Liaison cannot join `channel` (private, most likely): its leads are told once, and
        the message waits, tried again now and then, until someone invites Liaison."""
        with transaction(self._sessions) as session:
            membership.note_unusable(
                session,
                workspace_id=message.workspace_id,
                channel=channel,
                problem=problem,
                config=self._config,
                now=self._clock(),
            )
        return _Retry(f"{AWAITING_INVITE} {channel} ({problem})", membership.INVITE_WAIT)

    def _note_usable(self, message: OutboxMessage, channel: str) -> None:
        with transaction(self._sessions) as session:
            membership.note_usable(session, workspace_id=message.workspace_id, channel=channel)

    def _send_card(
        self, client: WebClient, message: OutboxMessage, request: Request, rendered: dict
    ) -> tuple[str, dict]:
        if not request.card_channel:
            raise _Failed("the fulfilling department has no intake channel")
        if request.card_ts:
            try:  # an update whose answer was lost is harmless to repeat: same content
                client.chat_update(channel=request.card_channel, ts=request.card_ts, **rendered)
                return request.card_ts, {}
            except SlackApiError as error:
                if error.response.get("error") != "message_not_found":
                    raise
                # Someone deleted the card: post it again rather than lose the live view.
        earlier = self._earlier_post(client, message, request.card_channel, None)
        if earlier is not None:
            channel, ts = earlier
            client.chat_update(channel=channel, ts=ts, **rendered)  # rendered from an older state
        else:
            channel, ts = self._post(client, message, channel=request.card_channel, **rendered)
        return ts, _card_fields(client, request.id, channel, ts)

    def _post(self, client: WebClient, message: OutboxMessage, **arguments: Any) -> tuple[str, str]:
        """chat.postMessage, tagged with the outbox row; (channel, ts) of the new message. A
        card's coalesced refreshes are tagged with the oldest row's id (`message`), which stays
        the first of the batch until it is sent."""
        started = self._clock()
        try:
            posted = client.chat_postMessage(
                unfurl_links=False,
                metadata=Metadata(event_type=OUTBOX_EVENT, event_payload={"outbox_id": message.id}),
                **arguments,
            )
        except (OSError, TimeoutError) as error:
            raise _Retry(f"no answer: {error}", unconfirmed_since=started) from error
        return posted["channel"], posted["ts"]

    def _earlier_post(
        self, client: WebClient, message: OutboxMessage, channel: str, thread_ts: str | None
    ) -> tuple[str, str] | None:
        """(channel, ts) of this row's post from an attempt whose answer was lost, if Slack has
        it; None when there was no such attempt or it never arrived."""
        if message.unconfirmed_since is None:
            return None
        try:
            return self._find_post(client, message, channel, thread_ts)
        except SlackApiError as error:
            if error.response.get("error") not in HISTORY_UNREADABLE:
                raise
            # Posting again may double the message; failing it would lose it.
            log.warning(
                "cannot look for outbox %s in %s (%s); posting it again",
                message.id,
                channel,
                error.response.get("error"),
            )
            return None

    def _find_post(
        self, client: WebClient, message: OutboxMessage, channel: str, thread_ts: str | None
    ) -> tuple[str, str] | None:
        assert message.unconfirmed_since is not None
        conversation = _conversation_of(client, channel)
        bot_id = client.auth_test()["bot_id"]
        arguments: dict[str, Any] = {
            "channel": conversation,
            "oldest": f"{(message.unconfirmed_since - LOOKBACK).timestamp():.6f}",
            "include_all_metadata": True,
            "limit": 200,
        }
        if thread_ts:
            pages = client.conversations_replies(ts=thread_ts, **arguments)
        else:
            pages = client.conversations_history(**arguments)
        for page in pages:  # the SDK follows the cursor from page to page
            for found in page.get("messages") or []:
                if found.get("bot_id") == bot_id and _outbox_id(found) == message.id:
                    log.info("outbox %s was posted before its answer was lost", message.id)
                    return conversation, found["ts"]
        return None

    def _classify(self, error: SlackApiError, message: OutboxMessage) -> Exception:
        status = error.response.status_code
        code = error.response.get("error") or f"HTTP {status}"
        if status == 429:
            after = error.response.headers.get("retry-after") or error.response.headers.get(
                "Retry-After"
            )
            # Read strictly: a header such as "²" or 10**30 seconds from a proxy is no answer.
            seconds = whole_number(after, low=0, high=int(timedelta(days=1).total_seconds()))
            wait = timedelta(seconds=seconds) if seconds is not None else None
            return _Retry(f"rate limited: {code}", wait)
        if code in PERMANENT_ERRORS:
            return _Failed(code)
        if message.attempts + 1 >= MAX_ATTEMPTS:
            return _Failed(f"{code} (gave up after {MAX_ATTEMPTS} attempts)")
        return _Retry(code)

    def _record_sent(
        self, ids: list[int], request_id: int | None, *, ts: str | None, card_updates: dict
    ) -> None:
        with transaction(self._sessions) as session:
            session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(ids))
                .values(
                    status="sent",
                    sent_at=self._clock(),
                    sent_ts=ts,
                    attempts=OutboxMessage.attempts + 1,
                )
            )
            if card_updates and request_id is not None:
                session.execute(
                    update(Request).where(Request.id == request_id).values(**card_updates)
                )

    def _record(
        self,
        ids: list[int],
        *,
        retry: _Retry | None = None,
        failure: str | None = None,
        attempts: int = 0,
    ) -> None:
        """A failed attempt: pending again with a backoff (`retry`), or failed for good."""
        now = self._clock()
        with transaction(self._sessions) as session:
            messages = session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids)))
            for message in messages:
                message.attempts += 1
                if retry is not None:
                    message.status = "pending"
                    message.last_error = str(retry)
                    message.next_attempt_at = now + (retry.after or backoff(attempts))
                    # Keep the first: the look-up must reach back to every attempt since.
                    message.unconfirmed_since = message.unconfirmed_since or retry.unconfirmed_since
                elif failure is not None:
                    message.status = "failed"
                    message.last_error = failure
                    self._report_failure(session, message, failure, now)

    def _report_failure(
        self, session: Session, message: OutboxMessage, error: str, now: datetime
    ) -> None:
        """Tell the leads what could not be delivered and why (never about such a notice itself,
        so a lead who cannot be reached does not start a loop)."""
        if message.kind == outbox.DELIVERY_FAILED:
            return
        request = session.get(Request, message.request_id) if message.request_id else None
        if request is not None:
            keys = {request.fulfilling_department.key}
        else:
            keys = {d.key for d in self._config.fulfilling_departments()}
        leads = {lead for d in self._config.departments if d.key in keys for lead in d.leads}
        for lead in sorted(leads):
            outbox.enqueue(
                session,
                workspace_id=message.workspace_id,
                kind=outbox.DELIVERY_FAILED,
                request=request,
                channel=lead,
                payload={
                    "failed_kind": message.kind,
                    "destination": message.channel or (request.card_channel if request else None),
                    "error": error,
                    "reference": request.reference if request else None,
                },
                now=now,
            )


def _destination(message: OutboxMessage, request: Request | None) -> tuple[str, str | None]:
    """(channel, thread_ts) a message other than the card is posted to."""
    if not message.in_thread:
        if not message.channel:
            raise _Failed("the message has no channel")
        return message.channel, None
    assert request is not None
    if not request.card_ts or not request.card_channel:
        raise _Failed("the request's card was never posted, so it has no thread")
    return request.card_channel, request.card_ts


def _channel_of(message: OutboxMessage, request: Request | None) -> str:
    """The conversation a message goes to (a user id for a DM)."""
    if message.kind == outbox.CARD:
        assert request is not None and request.card_channel
        return request.card_channel
    if not message.in_thread and message.channel:
        return message.channel
    return _destination(message, request)[0]


def _conversation_of(client: WebClient, channel: str) -> str:
    """The conversation a post to `channel` lands in: a user id stands for the bot's DM."""
    if channel[:1] in ("U", "W"):
        return client.conversations_open(users=channel)["channel"]["id"]
    return channel


def _outbox_id(found: dict[str, Any]) -> object:
    metadata = found.get("metadata") or {}
    if metadata.get("event_type") != OUTBOX_EVENT:
        return None
    return (metadata.get("event_payload") or {}).get("outbox_id")


def _card_fields(client: WebClient, request_id: int, channel: str, ts: str) -> dict[str, Any]:
    """What the request remembers of its posted card."""
    permalink = None
    try:
        permalink = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except (SlackApiError, OSError, TimeoutError):
        # The card is posted: retrying for its link would post it again.
        log.warning("no permalink for the card of request %s", request_id)
    return {"card_ts": ts, "card_channel": channel, "card_permalink": permalink}


def backoff(attempts: int) -> timedelta:
    """How long to wait before trying again after `attempts` failed attempts."""
    return timedelta(seconds=min(5 * 2 ** max(attempts - 1, 0), 3600))
