"""Builds the parts once per process and hands them over: the engine, the Slack clients, the
outbox's sender, the inbox of stored events and the routes from an event's type to its listener.
Only the entry points (bot/commands.py, bot/serve.py, and whoever builds the app in tests and
benches) import this module; everything else is handed a `Runtime`."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor

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

from bot.config.store import SettingsStore, read_settings_file
from bot.db.session import make_engine, make_session_factory
from bot.domain.outbox import HOME, TRACKER
from bot.domain.requests import TeamIds
from bot.runtime import REALISTIC_SECONDS, Clock, Runtime, system_clock
from bot.settings import Settings
from bot.slack.app import event_listeners, source_listeners
from bot.slack.cache import ExpiringCache
from bot.slack.connections import KeepAliveWebClient
from bot.slack.inbox import EventInbox
from bot.slack.installations import Installations, TeamClients
from bot.slack.people import TimeZones
from bot.slack.permissions import Permissions
from bot.slack.sending import Outbox
from bot.slack.sending.senders import SENDERS, HomeSender, settings_for_home
from bot.trackers.sender import TrackerSender


def make_client(
    settings: Settings, *, retry_handlers: list[RetryHandler], token: str | None = None
) -> WebClient:
    """A client of the Web API at SLACK_API_URL, with `token` (SLACK_BOT_TOKEN by default),
    keeping its connections open between calls (bot/slack/connections.py)."""
    return KeepAliveWebClient(
        token=token or settings.slack_bot_token,
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


def listener_client(settings: Settings, token: str | None = None) -> WebClient:
    """For calls made while answering someone (opening modals, private replies) and by jobs
    that read from Slack (user groups): a dropped connection, or a rate limit with a short wait,
    is retried once on the spot."""
    return make_client(
        settings,
        retry_handlers=[ConnectionErrorRetryHandler(), _BriefRateLimitRetry()],
        token=token,
    )


def delivery_client(settings: Settings, token: str | None = None) -> WebClient:
    """For the outbox: no retries inside the client. A connection dropped after a message was
    sent may mean Slack posted it; the outbox retries later and knows how to check first."""
    return make_client(settings, retry_handlers=[], token=token)


def build_runtime(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    engine: Engine | None = None,
    background: Executor | None = None,
    tracker_background: Executor | None = None,
) -> Runtime:
    engine = engine or make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    file, defaults = read_settings_file(
        settings.liaison_config,
        named="liaison_config" in settings.model_fields_set,
        many_workspaces=settings.oauth_enabled,
    )
    # How long cached settings are trusted is real time in production; a test that injects its
    # clock decides it too, so the statements a request costs do not depend on the machine's speed.
    monotonic = time.monotonic if clock is system_clock else lambda: clock().timestamp()
    store = SettingsStore(
        sessions=sessions, clock=clock, file=file, defaults=defaults, monotonic=monotonic
    )
    installations: Installations | None = None
    client_for: Callable[[str], WebClient]
    sender_for: Callable[[str], WebClient]
    if settings.oauth_enabled:
        # Each workspace its own bot token, from its installation (bot/slack/installations.py).
        assert settings.slack_client_id is not None
        installations = Installations(
            client_id=settings.slack_client_id, engine=engine, clock=clock
        )
        client_for = TeamClients(
            installations.bot_token, lambda token: listener_client(settings, token)
        )
        sender_for = TeamClients(
            installations.bot_token, lambda token: delivery_client(settings, token)
        )
    else:
        # One bot token: its client serves the one workspace it belongs to.
        client = listener_client(settings)
        sender = delivery_client(settings)

        def client_for(team_id: str) -> WebClient:
            return client

        def sender_for(team_id: str) -> WebClient:
            return sender

    inbox = EventInbox(sessions=sessions, clock=clock)
    teams = TeamIds()
    permissions = Permissions(
        client_for, installer_of=installations.installer_of if installations else lambda _: None
    )
    runtime = Runtime(
        settings=settings,
        workspace_settings=store,
        engine=engine,
        sessions=sessions,
        clock=clock,
        client_for=client_for,
        outbox=Outbox(
            sessions=sessions,
            client_for=sender_for,
            config_for=store.config_for,
            clock=clock,
            senders={
                **SENDERS,
                HOME: HomeSender(settings=settings_for_home(store, permissions)),
                TRACKER: TrackerSender(settings=settings, sessions=sessions, clock=clock),
            },
            teams=teams,
        ),
        teams=teams,
        inbox=inbox,
        time_zones=TimeZones(client_for),
        permissions=permissions,
        background=background or ThreadPoolExecutor(max_workers=4, thread_name_prefix="deliver"),
        tracker_background=tracker_background
        or ThreadPoolExecutor(max_workers=2, thread_name_prefix="trackers"),
        installations=installations,
        bare_client=listener_client(settings) if installations is not None else None,
        realistic=ExpiringCache(ttl=REALISTIC_SECONDS, max_entries=1000, monotonic=monotonic),
    )
    # The listeners are handed the runtime, and the inbox hands them the events it stored.
    inbox.route(event_listeners(runtime), source_listeners(runtime))
    return runtime
