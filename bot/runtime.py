"""Everything a handler or job needs, built once per process by `build_runtime`."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.config import LiaisonConfig, load_config
from bot.db.session import make_engine, make_session_factory
from bot.domain.people import Directory
from bot.settings import Settings
from bot.slack.delivery import Deliverer
from bot.slack.directory import UsergroupCache

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
    directory: Directory
    deliverer: Deliverer
    # Where Slack deliveries run once a handler has committed, so the threads that answer Slack
    # (and must acknowledge within 3 s) are never held up by Slack's own API.
    background: Executor

    def deliver_soon(self, request_id: int) -> None:
        """Send what a change queued for this request, in the background (or leave it to the
        worker process, when deliveries are configured to happen there)."""
        if self.settings.liaison_delivery == "inline":
            self.background.submit(self._deliver, request_id)

    def _deliver(self, request_id: int) -> None:
        try:
            self.deliverer.deliver_request(request_id)
        except Exception:  # the scheduler's pass retries whatever is still pending
            log.exception("delivery for request %s failed; the scheduler will retry", request_id)


def make_client(settings: Settings) -> WebClient:
    return WebClient(token=settings.slack_bot_token, base_url=settings.slack_api_url, timeout=10)


def build_runtime(
    settings: Settings,
    *,
    config: LiaisonConfig | None = None,
    clock: Clock = system_clock,
    client: WebClient | None = None,
    engine: Engine | None = None,
    background: Executor | None = None,
) -> Runtime:
    config = config or load_config(settings.liaison_config)
    engine = engine or make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    client = client or make_client(settings)
    usergroups = UsergroupCache(client)

    def client_for(team_id: str) -> WebClient:
        # One bot token per process for now; OAuth installs would look the token up here.
        return client

    return Runtime(
        settings=settings,
        config=config,
        engine=engine,
        sessions=sessions,
        clock=clock,
        client_for=client_for,
        directory=Directory(config, usergroups.members),
        deliverer=Deliverer(sessions=sessions, client_for=client_for, config=config, clock=clock),
        background=background or ThreadPoolExecutor(max_workers=4, thread_name_prefix="deliver"),
    )
