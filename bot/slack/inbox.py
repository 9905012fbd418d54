"""Slack events are stored before they are acknowledged, then handled.

Slack sends an event until it gets an answer, and never again after. So the answer waits for one
INSERT of the event (a duplicate or a retry of one still stored is recognised by its event_id and
stored once), and a database that cannot take it gets a 503, which makes Slack send it again.
Handling follows after the answer: in the same process at once (`LIAISON_DELIVERY=inline`) or in
`liaison worker` (`worker`), and in either case on the scheduler's next pass for anything a crash
or an error left behind. A stored event is handled by dispatching it to a Bolt app whose listeners
run before `dispatch` returns; the row is deleted when they succeed and retried with a backoff
when they fail. The listeners' own transactions record each event id as handled, so an event
handled twice (a crash after its change but before its row was deleted) changes nothing twice.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from slack_bolt import App, BoltRequest
from sqlalchemy import ColumnElement, delete, or_, select, update

from bot.db.session import reading, transaction
from bot.db.upsert import insert_ignoring_conflicts
from bot.domain.models import InboxEvent
from bot.slack.delivery import backoff

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

# In a BoltRequest's context: this event comes from the inbox, so it is to be handled now.
FROM_INBOX = "liaison_from_inbox"
# ... and where the Bolt app that handles it leaves a listener's error.
HANDLER_ERROR = "liaison_handler_error"
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8


class EventInbox:
    """Stores events and handles stored ones. Safe to use from many threads and processes."""

    def __init__(self, runtime: Runtime) -> None:
        self._runtime = runtime
        self._handler: App | None = None
        self._handler_lock = threading.Lock()

    def store(self, body: dict[str, Any]) -> bool:
        """Keep the event `body`; False when an event with its id is already kept."""
        now = self._runtime.clock()
        with transaction(self._runtime.sessions) as session:
            return insert_ignoring_conflicts(
                session,
                InboxEvent,
                {
                    "event_id": body["event_id"],
                    "body": body,
                    "received_at": now,
                    "attempts": 0,
                    "next_attempt_at": now,
                },
                ["event_id"],
            )

    def handle(self, event_id: str) -> None:
        """Handle one stored event, unless another process has it or it is waiting for a retry."""
        leased = self._lease(event_id)
        if leased is None:
            return
        body, attempts = leased
        error = self._dispatch(body)
        with transaction(self._runtime.sessions) as session:
            if error is None:
                session.execute(delete(InboxEvent).where(InboxEvent.event_id == event_id))
                return
            now = self._runtime.clock()
            gave_up = attempts >= MAX_ATTEMPTS
            session.execute(
                update(InboxEvent)
                .where(InboxEvent.event_id == event_id)
                .values(
                    lease_until=None,
                    last_error=error,
                    next_attempt_at=now + backoff(attempts),
                    gave_up_at=now if gave_up else None,
                )
            )
        if gave_up:
            log.error("gave up on Slack event %s after %s attempts: %s", event_id, attempts, error)
        else:
            log.warning(
                "Slack event %s failed (attempt %s), will retry: %s", event_id, attempts, error
            )

    def handle_due(self, *, limit: int = 500) -> int:
        """Handle the stored events that are due, oldest first; how many were tried."""
        now = self._runtime.clock()
        with reading(self._runtime.sessions) as session:
            due = list(
                session.scalars(
                    select(InboxEvent.event_id)
                    .where(*_due(now))
                    .order_by(InboxEvent.id)
                    .limit(limit)
                )
            )
        for event_id in due:
            self.handle(event_id)
        return len(due)

    def _lease(self, event_id: str) -> tuple[dict[str, Any], int] | None:
        now = self._runtime.clock()
        with transaction(self._runtime.sessions) as session:
            row = session.execute(
                update(InboxEvent)
                .where(InboxEvent.event_id == event_id, *_due(now))
                .values(lease_until=now + LEASE, attempts=InboxEvent.attempts + 1)
                .returning(InboxEvent.body, InboxEvent.attempts)
            ).first()
        return (row.body, row.attempts) if row is not None else None

    def _dispatch(self, body: dict[str, Any]) -> str | None:
        """Run the listeners for `body`; None when they succeeded, else what went wrong."""
        request = BoltRequest(body=body, mode="socket_mode", context={FROM_INBOX: True})
        try:
            response = self._bolt_handler().dispatch(request)
        except Exception as error:  # a listener's failure: kept for a retry
            log.exception("handling Slack event %s failed", body.get("event_id"))
            return repr(error)
        if response.status >= 500:
            return request.context.get(HANDLER_ERROR) or f"the listeners answered {response.status}"
        return None

    def prepare(self) -> None:
        """Build the Bolt app that handles stored events (otherwise built on first use)."""
        self._bolt_handler()

    def _bolt_handler(self) -> App:
        # The same listeners as the app that answers Slack, run before `dispatch` returns.
        with self._handler_lock:
            if self._handler is None:
                from bot.slack.app import create_bolt_app

                self._handler = create_bolt_app(self._runtime, process_before_response=True)
            return self._handler


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A stored event that may be handled at `now`: not given up on, past its backoff, and not
    being handled by another process (or that process's lease has run out)."""
    return (
        InboxEvent.gave_up_at.is_(None),
        InboxEvent.next_attempt_at <= now,
        or_(InboxEvent.lease_until.is_(None), InboxEvent.lease_until < now),
    )
