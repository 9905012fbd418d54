"""What every handler and job is handed: settings, the database, the clock, Slack clients and the
two queues (stored events, the outbox). It is built by bot/wiring.py; nothing here builds it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import LiaisonConfig
from bot.settings import Settings

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)

# The longest the work after an answer waits for this process to have nobody left to answer.
ANSWERS_FIRST_SECONDS = 0.5


def system_clock() -> datetime:
    return datetime.now(UTC)


class OutboxSender(Protocol):
    """Sends what changes left in the outbox (bot/slack/sending/)."""

    def send_request(self, request_id: int) -> Any: ...

    def send_due(self) -> Any: ...

    def send_homes(self) -> Any: ...


class TimeZones(Protocol):
    """People's own time zones, for reminders in their working hours (bot/slack/people.py)."""

    def zone(self, team_id: str, user_id: str) -> ZoneInfo | None: ...


class StoredEvents(Protocol):
    """Slack events kept from their answer until they are handled (bot/slack/inbox.py)."""

    def store(self, body: dict[str, Any], *, handle_here: bool = False) -> int: ...

    def handle(self, row_id: int) -> None: ...

    def handle_due(self, *, limit: int = 500) -> int: ...


class Answering:
    """Counts the Slack requests this process is answering, so that the work after an answer
    can let them go first: Slack needs an answer within 3 seconds, a message sent a moment later
    is as good. Threads of one process share one interpreter lock, so work running beside an
    answer slows it down as much as another answer would."""

    def __init__(self) -> None:
        self._count = 0
        self._changed = threading.Condition()

    @contextmanager
    def one(self) -> Iterator[None]:
        with self._changed:
            self._count += 1
        try:
            yield
        finally:
            with self._changed:
                self._count -= 1
                if self._count == 0:
                    self._changed.notify_all()

    def wait_until_idle(self, timeout: float) -> bool:
        """Return once no request is being answered (True), or after `timeout` seconds anyway
        (False), so the work goes on, if more slowly, while requests keep coming."""
        with self._changed:
            return self._changed.wait_for(lambda: self._count == 0, timeout)


@dataclass
class Runtime:
    settings: Settings
    config: LiaisonConfig
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    client_for: Callable[[str], WebClient]
    outbox: OutboxSender
    inbox: StoredEvents
    time_zones: TimeZones
    # Where the work after an answer runs (handling stored events, sending the outbox), so the
    # threads that answer Slack (and must acknowledge within 3 s) are never held up by it.
    background: Executor
    answering: Answering = field(default_factory=Answering)

    @property
    def works_inline(self) -> bool:
        """True when this process does the work after the answer (LIAISON_BACKGROUND=inline)."""
        return self.settings.liaison_background == "inline"

    def store_event(self, body: dict[str, Any]) -> None:
        """Store a Slack event before it is answered (raises when the database cannot take it),
        then have it handled in the background (or leave it to the worker process)."""
        row_id = self.inbox.store(body, handle_here=self.works_inline)
        self._soon(lambda: self.inbox.handle(row_id), f"handling stored event {row_id}")

    def send_soon(self, request_id: int) -> None:
        """Send what a change queued for this request, in the background (or leave it to the
        worker process)."""
        self._soon(
            lambda: self.outbox.send_request(request_id), f"sending for request {request_id}"
        )

    def _soon(self, work: Callable[[], object], what: str) -> None:
        """Run `work` on the background pool when this process does the work after the answer
        (LIAISON_BACKGROUND=inline); the worker process does it otherwise."""
        if not self.works_inline:
            return

        def run() -> None:
            self.answering.wait_until_idle(ANSWERS_FIRST_SECONDS)
            try:
                work()
            except Exception:  # the scheduler's next pass takes up whatever is left
                log.exception("%s failed; the scheduler will retry", what)

        self.background.submit(run)
