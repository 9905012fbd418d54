"""Slack events are stored before they are acknowledged, then handled.

Slack sends an event until it gets an answer, and never again after. So the answer waits for one
INSERT of the event, and a database that cannot take it gets a 503, which makes Slack send it
again. Handling follows after the answer: in the same process at once (`LIAISON_BACKGROUND=inline`)
or in `liaison worker` (`worker`), and in either case on the scheduler's next pass for anything a
crash or an error left behind. A stored event is handled by calling the listener routed to its
type (`route`, filled by bot/slack/app.py's `event_listeners`) with the event and its envelope;
the row is deleted when it returns and retried with a backoff when it raises. Trackers' webhooks
(bot/web.py) and submitted intake forms (bot/slack/listeners/intake.py) are stored and handled
the same way, each row naming its `source`, and handed to the listener of that source.

Duplicates are kept out in one place: the listeners record each event id as handled in the same
transaction as the change it made (`processed_events`, bot/slack/listeners/operations.py), so a
retry or a twin of an event, stored again or handled twice after a crash, changes nothing twice.
The inbox itself stores whatever Slack sends. A process that stops handles no new event, and
gives back the leases of those it could not finish in time (`stop`, `wait_idle`,
`release_leases`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Engine, bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from bot.db.session import UNSYNCHRONIZED, reading, transaction
from bot.domain.models import InboxEvent
from bot.slack.installations import NotInstalled
from bot.slack.sending import backoff
from bot.slack.sending.leases import HeldLeases

# The two statements of every event handled, built once: a statement built for each call cost
# more CPU in SQLAlchemy (building it, its cache key, the ORM's handling of a mapped class) than
# running it. Core statements on the table, with named parameters.
_INBOX = InboxEvent.__table__
_STORE = insert(_INBOX).returning(_INBOX.c.id)
_FORGET = delete(_INBOX).where(_INBOX.c.id == bindparam("row_id"))

log = logging.getLogger(__name__)

# A listener for one type of event: called with the event and the envelope Slack sent it in.
EventListener = Callable[[dict[str, Any], dict[str, Any]], None]
# A listener for everything another source sends (a tracker's webhooks, an intake form): called
# with what was stored.
SourceListener = Callable[[dict[str, Any]], None]


class Postponed(Exception):
    """A listener cannot handle the event yet (what it is about is still being recorded): it is
    kept and handled again after a backoff, like a failure, without a traceback in the log."""


SLACK = "slack"
LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 8


class EventInbox:
    """Stores events and handles stored ones. Safe to use from many threads and processes."""

    def __init__(self, *, sessions: sessionmaker[Session], clock: Callable[[], datetime]) -> None:
        self._sessions = sessions
        self._engine: Engine = sessions.kw["bind"]
        self._clock = clock
        self._listeners: Mapping[str, EventListener] = {}
        self._sources: Mapping[str, SourceListener] = {}
        # The events being handled here, keyed by row id.
        self._leases = HeldLeases()
        # Events this process stored leased to itself, to handle them without reading them back:
        # row id -> (its source, the event, when the lease runs out). Not yet being handled, so a
        # stopping process does not wait for them: it gives their leases back at once
        # (`release_leases`).
        self._kept: dict[int, tuple[str, dict[str, Any], datetime]] = {}
        self._kept_lock = threading.Lock()

    def route(
        self,
        listeners: Mapping[str, EventListener],
        sources: Mapping[str, SourceListener] | None = None,
    ) -> None:
        """Which listener handles each type of Slack event, and each other source's events (an
        event of any other type or source is dropped)."""
        self._listeners = dict(listeners)
        self._sources = dict(sources or {})

    def store(
        self,
        body: dict[str, Any],
        *,
        source: str = SLACK,
        handle_here: bool = False,
    ) -> int:
        """Keep the event `body` from `source` (its `event_id` names it); the id of its row, to
        handle it by. With `handle_here`, this
        process is about to handle it (`handle`): the row is stored already leased to it, as
        `handle` would lease it, and the event is kept in memory meanwhile, so handling it takes
        no transaction of its own to lease it and read it back. Should the process stop before,
        it gives the lease back (or, if it dies, the lease runs out) and the scheduler's next pass
        handles it; a process already stopping stores it unleased."""
        now = self._clock()
        lease_until = now + LEASE if handle_here and not self._leases.stopping else None
        # A connection, not a session: the one INSERT needs nothing of the ORM, whose
        # session costs a fifth of what answering an event costs.
        with self._engine.begin() as connection:
            row_id = connection.execute(
                _STORE,
                {
                    "source": source,
                    "event_id": body["event_id"],
                    "body": body,
                    "received_at": now,
                    "attempts": 1 if handle_here else 0,
                    "next_attempt_at": now,
                    "lease_until": lease_until,
                },
            ).scalar_one()
        if lease_until is not None:
            with self._kept_lock:
                self._kept[row_id] = (source, body, lease_until)
        return row_id

    def handle(self, row_id: int) -> None:
        """Handle one stored event, unless another process has it or it is waiting for a retry
        (or this process is stopping)."""
        if self._leases.stopping:
            return
        leased = self._take_kept(row_id) or self._lease(row_id)
        if leased is None:
            return
        try:
            self._handle(row_id, *leased)
        finally:
            self._leases.drop(row_id)

    def _take_kept(self, row_id: int) -> tuple[str, dict[str, Any], int] | None:
        """The event this process stored leased to itself to handle here (`store`), while that
        lease lasts: it is ours without a transaction."""
        with self._kept_lock:
            kept = self._kept.pop(row_id, None)
            if kept is None or self._clock() >= kept[2]:
                return None
            self._leases.hold(row_id, kept[2])
        return kept[0], kept[1], 1

    def _handle(self, row_id: int, source: str, body: dict[str, Any], attempts: int) -> None:
        error = self._dispatch(body) if source == SLACK else self._dispatch_source(source, body)
        with transaction(self._sessions) as session:
            if error is None:
                session.execute(_FORGET, {"row_id": row_id})
                return
            now = self._clock()
            gave_up = attempts >= MAX_ATTEMPTS
            session.execute(
                update(InboxEvent)
                .where(InboxEvent.id == row_id)
                .values(
                    lease_until=None,
                    last_error=error,
                    next_attempt_at=now + backoff(attempts),
                    gave_up_at=now if gave_up else None,
                )
            )
        event_id = body.get("event_id")
        if gave_up:
            log.error("gave up on Slack event %s after %s attempts: %s", event_id, attempts, error)
        else:
            log.warning(
                "Slack event %s failed (attempt %s), will retry: %s", event_id, attempts, error
            )

    def handle_due(self, *, limit: int = 500) -> int:
        """Handle the stored events that are due, oldest first; how many were tried."""
        now = self._clock()
        with reading(self._sessions) as session:
            due = list(
                session.scalars(
                    select(InboxEvent.id).where(*_due(now)).order_by(InboxEvent.id).limit(limit)
                )
            )
        for row_id in due:
            self.handle(row_id)
        return len(due)

    def stop(self) -> None:
        """Handle no new event; those under way finish."""
        self._leases.stop()

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the events under way; True when they are done."""
        return self._leases.wait_until_none(timeout)

    def release_leases(self) -> int:
        """Give back the leases of events this process did not finish (or did not start: those
        it stored to handle here), so another process handles them at once; how many it gave
        back."""
        held = self._leases.held()
        with self._kept_lock:
            held.update({row_id: until for row_id, (_, _, until) in self._kept.items()})
            self._kept.clear()
        released = 0
        with transaction(self._sessions) as session:
            for row_id, until in held.items():
                statement = (
                    update(InboxEvent)
                    .where(InboxEvent.id == row_id, InboxEvent.lease_until == until)
                    .values(lease_until=None)
                    .returning(InboxEvent.id)
                )
                released += len(session.execute(statement).all())
        return released

    def _lease(self, row_id: int) -> tuple[str, dict[str, Any], int] | None:
        now = self._clock()
        with transaction(self._sessions) as session:
            row = session.execute(
                update(InboxEvent)
                .where(InboxEvent.id == row_id, *_due(now))
                .values(lease_until=now + LEASE, attempts=InboxEvent.attempts + 1)
                .returning(InboxEvent.source, InboxEvent.body, InboxEvent.attempts)
                .execution_options(**UNSYNCHRONIZED)
            ).first()
        if row is None:
            return None
        self._leases.hold(row_id, now + LEASE)
        return row.source, row.body, row.attempts

    def _dispatch(self, body: dict[str, Any]) -> str | None:
        """Run the listener for `body`'s event; None when it succeeded, else what went wrong."""
        event = body.get("event")
        kind = event.get("type") if isinstance(event, dict) else None
        listener = self._listeners.get(kind) if isinstance(kind, str) else None
        if listener is None:
            return None  # not an event Liaison reads
        try:
            listener(event, body)
        except NotInstalled as gone:
            # Uninstalled (or its token revoked) since the event came: nobody to answer there.
            log.info("dropped Slack event %s: %s", body.get("event_id"), gone)
            return None
        except Exception as error:  # a listener's failure: kept for a retry
            log.exception("handling Slack event %s failed", body.get("event_id"))
            return repr(error)
        return None

    def _dispatch_source(self, source: str, body: dict[str, Any]) -> str | None:
        """Run the listener of `source` (a tracker, the intake forms) on what it stored; as
        `_dispatch`."""
        listener = self._sources.get(source)
        if listener is None:
            return None
        try:
            listener(body)
        except Postponed as later:
            log.info("a stored %s event is kept for later: %s", source, later)
            return f"postponed: {later}"
        except Exception as error:  # kept for a retry
            log.exception("handling a stored %s event failed", source)
            return repr(error)
        return None


def _due(now: datetime) -> tuple[ColumnElement[bool], ...]:
    """A stored event that may be handled at `now`: not given up on, past its backoff, and not
    being handled by another process (or that process's lease has run out)."""
    return (
        InboxEvent.gave_up_at.is_(None),
        InboxEvent.next_attempt_at <= now,
        or_(InboxEvent.lease_until.is_(None), InboxEvent.lease_until < now),
    )
