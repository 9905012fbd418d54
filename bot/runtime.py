"""Everything a handler or job needs, built once per process by `build_runtime`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cached_property
from typing import TYPE_CHECKING

from slack_sdk import WebClient
from slack_sdk.http_retry import (
    ConnectionErrorRetryHandler,
    HttpRequest,
    HttpResponse,
    RateLimitErrorRetryHandler,
    RetryHandler,
    RetryState,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import LiaisonConfig, load_config
from bot.db.session import make_engine, make_session_factory
from bot.settings import Settings
from bot.slack.people import TimeZones
from bot.slack.sending import Outbox

if TYPE_CHECKING:
    from bot.slack.inbox import EventInbox

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Runtime:
    settings: Settings
    config: LiaisonConfig
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    client_for: Callable[[str], WebClient]
    outbox: Outbox
    # Where the outbox is sent once a handler has committed, so the threads that answer Slack
    # (and must acknowledge within 3 s) are never held up by Slack's own API.
    background: Executor

    @cached_property
    def inbox(self) -> EventInbox:
        """Where Slack events are kept from their acknowledgement until they are handled."""
        from bot.slack.inbox import EventInbox

        return EventInbox(self)

    @cached_property
    def time_zones(self) -> TimeZones:
        """People's own time zones from Slack, for reminders in their working hours."""
        return TimeZones(self.client_for)

    def handle_event_soon(self, event_id: str) -> None:
        """Handle a stored event in the background (or leave it to the worker process)."""
        self._soon(lambda: self.inbox.handle(event_id), f"handling event {event_id}")

    def send_soon(self, request_id: int) -> None:
        """Send what a change queued for this request, in the background (or leave it to the
        worker process)."""
        self._soon(
            lambda: self.outbox.send_request(request_id), f"sending for request {request_id}"
        )

    def _soon(self, work: Callable[[], object], what: str) -> None:
        """Run `work` on the background pool when this process does the work after the answer
        (LIAISON_DELIVERY=inline); the worker process does it otherwise."""
        if self.settings.liaison_delivery != "inline":
            return

        def run() -> None:
            try:
                work()
            except Exception:  # the scheduler's next pass takes up whatever is left
                log.exception("%s failed; the scheduler will retry", what)

        self.background.submit(run)


def make_client(settings: Settings, *, retry_handlers: list[RetryHandler]) -> WebClient:
    return WebClient(
        token=settings.slack_bot_token,
        base_url=settings.slack_api_url,
        timeout=settings.slack_timeout_seconds,
        retry_handlers=retry_handlers,
    )


# The longest rate-limit wait a listener sits out before retrying; past it the call fails now.
MAX_LISTENER_WAIT = 3.0


class _BriefRateLimitRetry(RateLimitErrorRetryHandler):
    """slack_sdk's rate-limit retry, when Slack asks for a short wait only: a listener thread
    asleep for a minute is one fewer to acknowledge the next person in time."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        retryable = super()._can_retry(state=state, request=request, response=response, error=error)
        return retryable and response is not None and _retry_after(response) <= MAX_LISTENER_WAIT


def _retry_after(response: HttpResponse) -> float:
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            try:
                return float(values[0])
            except ValueError:
                return float("inf")
    return 1.0  # what slack_sdk waits without the header


def listener_client(settings: Settings) -> WebClient:
    """For calls made while answering someone (opening modals, private replies) and by jobs
    that read from Slack (user groups): a dropped connection, or a rate limit with a short wait,
    is retried once on the spot."""
    return make_client(
        settings,
        retry_handlers=[ConnectionErrorRetryHandler(), _BriefRateLimitRetry()],
    )


def delivery_client(settings: Settings) -> WebClient:
    """For the outbox: no retries inside the client. A connection dropped after a message was
    sent may mean Slack posted it; the outbox retries later and knows how to check first."""
    return make_client(settings, retry_handlers=[])


def build_runtime(
    settings: Settings,
    *,
    config: LiaisonConfig | None = None,
    clock: Clock = system_clock,
    engine: Engine | None = None,
    background: Executor | None = None,
) -> Runtime:
    config = config or load_config(settings.liaison_config)
    engine = engine or make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    client = listener_client(settings)
    sender = delivery_client(settings)

    # One bot token per process for now; OAuth installs would look the tokens up here.
    def client_for(team_id: str) -> WebClient:
        return client

    def sender_for(team_id: str) -> WebClient:
        return sender

    return Runtime(
        settings=settings,
        config=config,
        engine=engine,
        sessions=sessions,
        clock=clock,
        client_for=client_for,
        outbox=Outbox(sessions=sessions, client_for=sender_for, config=config, clock=clock),
        background=background or ThreadPoolExecutor(max_workers=4, thread_name_prefix="deliver"),
    )
