"""What every handler and job is handed: settings, the database, the clock, Slack clients and the
two queues (stored events, the outbox). It is built by bot/wiring.py; nothing here builds it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import LiaisonConfig
from bot.settings import Settings

if TYPE_CHECKING:
    from bot.slack.installations import Installations

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)


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

    def store(self, body: dict[str, Any]) -> int: ...

    def handle(self, row_id: int) -> None: ...

    def handle_due(self, *, limit: int = 500) -> int: ...


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
    # Multi-workspace mode (OAuth): the installations, each workspace's bot token (see
    # bot/slack/installations.py); None with one bot token (SLACK_BOT_TOKEN).
    installations: Installations | None = None
    # In that mode, a client without a token that Bolt copies for each request (with the
    # workspace's token) and calls oauth.v2.access with: the base URL and retries of ours.
    bare_client: WebClient | None = None

    def handle_event_soon(self, row_id: int) -> None:
        """Handle a stored event in the background (or leave it to the worker process)."""
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
        if self.settings.liaison_background != "inline":
            return

        def run() -> None:
            try:
                work()
            except Exception:  # the scheduler's next pass takes up whatever is left
                log.exception("%s failed; the scheduler will retry", what)

        self.background.submit(run)
