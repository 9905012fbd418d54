"""Shared fixtures: a migrated database per backend, a controllable clock, the fake Slack Web
API, and the app under test served over real HTTP on 127.0.0.1."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.orm import Session

from bot.config import LiaisonConfig, parse_config
from bot.db.base import Base
from bot.db.migrate import downgrade, upgrade
from bot.db.session import make_engine
from bot.domain.models import Workspace
from bot.domain.requests import ensure_workspace, sync_departments
from bot.jobs.usergroups import refresh_usergroups
from bot.runtime import Answering, Runtime
from bot.settings import Settings
from bot.slack.app import create_bolt_app
from bot.slack.membership import join_channels_at_start
from bot.web import create_wsgi_app
from bot.wiring import build_runtime
from tests.fakes.signer import SlackClientSim
from tests.fakes.slack_api import FakeSlack
from tests.fakes.trackers import fake_trackers  # noqa: F401 (a fixture)
from tests.guards import no_slack_call_in_a_transaction  # noqa: F401 (an autouse fixture)

SIGNING_SECRET = "test-signing-secret"
BOT_TOKEN = "xoxb-test"
TEAM_ID = "T0001"

# Ids used across the tests: a sales team that files, an engineering team that fulfils.
SALES_REP = "USALES1"
SALES_REP_2 = "USALES2"
SALES_LEAD = "USALESLEAD"
ENGINEER = "UENG1"
ENGINEER_2 = "UENG2"
ENG_LEAD = "UENGLEAD"
STRANGER = "UOUTSIDER"
INTAKE_CHANNEL = "CENGINTAKE"
DIGEST_CHANNEL = "CSHARED"

DEFAULT_CONFIG = f"""
[organization]
timezone = "America/New_York"
holidays = ["2026-12-25"]

[[departments]]
key = "sales"
name = "Sales"
role = "requester"
members = ["{SALES_REP}", "{SALES_REP_2}"]
leads = ["{SALES_LEAD}"]

[[departments]]
key = "eng"
name = "Engineering"
role = "fulfiller"
intake_channel = "{INTAKE_CHANNEL}"
members = ["{ENGINEER}", "{ENGINEER_2}"]
usergroup = "SENG"
leads = ["{ENG_LEAD}"]
timezone = "Europe/Berlin"

[[digests]]
channel = "{DIGEST_CHANNEL}"
departments = ["sales", "eng"]
"""


def workspace_with(
    session: Session, *, team_id: str, config: LiaisonConfig, now: datetime
) -> Workspace:
    """A workspace row whose departments table follows `config`, for tests that write requests
    straight into the database."""
    workspace = ensure_workspace(session, team_id=team_id, now=now)
    sync_departments(session, workspace=workspace, config=config)
    return workspace


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get("TEST_DATABASE_URL") else ["sqlite"]


@pytest.fixture(scope="session", params=_backends())
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A database migrated to head by Alembic, once per backend; returned to empty afterwards."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'liaison.db'}"
    else:
        url = os.environ["TEST_DATABASE_URL"]
        downgrade(url, "base")  # a previous run that was killed may have left tables behind
    upgrade(url)
    yield url
    downgrade(url, "base")


@pytest.fixture(scope="session")
def _engines() -> Iterator[dict[str, Engine]]:
    engines: dict[str, Engine] = {}
    yield engines
    for engine in engines.values():
        engine.dispose()


@pytest.fixture
def engine(database_url: str, _engines: dict[str, Engine]) -> Iterator[Engine]:
    """The test database; every row a test wrote is deleted after it."""
    engine = _engines.setdefault(database_url, make_engine(database_url))
    yield engine
    with Session(engine) as session, session.begin():
        for table in reversed(Base.metadata.sorted_tables):
            session.execute(delete(table))


class Rows(list):  # type: ignore[type-arg]
    def one(self) -> Any:
        assert len(self) == 1, f"expected one row, got {len(self)}"
        return self[0]

    def all(self) -> list[Any]:
        return list(self)


class Inspector:
    """Reads what the app stored, each query in its own short transaction so a test never holds
    a lock the app under test is waiting for, and always sees the latest commit."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def _run(self, method: str, *args: Any) -> Any:
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            return getattr(session, method)(*args)

    def scalars(self, statement: Any) -> Rows:
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            return Rows(session.scalars(statement).unique().all())

    def execute(self, statement: Any) -> Rows:
        with Session(self._engine, expire_on_commit=False) as session, session.begin():
            return Rows(session.execute(statement).all())

    def scalar(self, statement: Any) -> Any:
        return self._run("scalar", statement)

    def get(self, model: Any, key: Any) -> Any:
        return self._run("get", model, key)


@pytest.fixture
def db(engine: Engine) -> Inspector:
    """Read access to the test database for assertions."""
    return Inspector(engine)


class Clock:
    """Time as the app sees it; tests move it forward instead of sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now

    def set(self, value: datetime) -> None:
        self.now = value


@pytest.fixture
def clock() -> Clock:
    # Tuesday 1 December 2026, 10:00 in New York, 16:00 in Berlin.
    return Clock(datetime(2026, 12, 1, 15, 0, tzinfo=UTC))


@pytest.fixture
def fake_slack(clock: Clock) -> Iterator[FakeSlack]:
    # Slack's timestamps follow the app's clock, as they would in real life.
    with FakeSlack(team_id=TEAM_ID, token=BOT_TOKEN, clock=clock) as fake:
        fake.usergroups["SENG"] = []
        # Public channels the bot is not in yet: Liaison joins them at start.
        fake.channels |= {INTAKE_CHANNEL, DIGEST_CHANNEL}
        # Everyone's Slack time zone is New York unless set: engineering sits in Berlin.
        for person in (ENGINEER, ENGINEER_2, ENG_LEAD):
            fake.users[person] = {"tz": "Europe/Berlin"}
        yield fake


class TrackingExecutor(ThreadPoolExecutor):
    """The pool of what follows the listeners' answers, which can wait for everything submitted
    so far (the work after the answers runs here too)."""

    def __init__(self) -> None:
        super().__init__(max_workers=8, thread_name_prefix="listener")
        self._futures: list[Future[Any]] = []
        self._lock = threading.Lock()

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future = super().submit(fn, *args, **kwargs)
        with self._lock:
            self._futures.append(future)
        return future

    def wait_idle(self, timeout: float = 10) -> None:
        while True:
            with self._lock:
                pending = [f for f in self._futures if not f.done()]
                self._futures = pending
            if not pending:
                return
            wait(pending, timeout=timeout)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@dataclass
class Liaison:
    """The app under test and the Slack around it."""

    runtime: Runtime
    slack: SlackClientSim
    fake: FakeSlack
    clock: Clock
    url: str
    executor: TrackingExecutor

    def settle(self) -> None:
        """Wait until every listener finished its work after acknowledging."""
        self.executor.wait_idle()


@pytest.fixture
def config_text() -> str | None:
    """The config file Liaison starts with; None: there is no file (a first run)."""
    return DEFAULT_CONFIG


@pytest.fixture
def config(config_text: str | None) -> LiaisonConfig:
    """The settings the config file gives the workspace."""
    import tomllib

    return parse_config(tomllib.loads(config_text or ""), source="test config")


@pytest.fixture
def config_path(config_text: str | None, tmp_path: Path) -> Path:
    """Where LIAISON_CONFIG points: a file holding `config_text`, or nothing."""
    path = tmp_path / "liaison.toml"
    if config_text is not None:
        path.write_text(config_text)
    return path


@pytest.fixture
def app_engine(engine: Engine) -> Engine:
    """The engine the app under test uses (a test may route it through a proxy)."""
    return engine


@pytest.fixture
def read_usergroups_at_start() -> bool:
    """Whether the app reads its user groups before the test, as `liaison run` does first."""
    return True


@pytest.fixture
def extra_settings() -> dict[str, Any]:
    """More settings for the app under test (a tracker's credentials and API base, say)."""
    return {}


@pytest.fixture
def oauth_mode() -> bool:
    """Whether the app under test is the multi-workspace app (installed through OAuth, no bot
    token of its own) rather than one bot token's."""
    return False


@pytest.fixture
def liaison(
    database_url: str,
    app_engine: Engine,
    fake_slack: FakeSlack,
    clock: Clock,
    config_path: Path,
    read_usergroups_at_start: bool,
    oauth_mode: bool,
    extra_settings: dict[str, Any],
) -> Iterator[Liaison]:
    credentials: dict[str, Any] = {"slack_bot_token": BOT_TOKEN}
    if oauth_mode:
        credentials = {
            "slack_client_id": fake_slack.client_id,
            "slack_client_secret": fake_slack.client_secret,
        }
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        **credentials,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake_slack.base_url,
        database_url=database_url,
        liaison_config=config_path,
        **extra_settings,
    )
    executor = TrackingExecutor()
    runtime = build_runtime(
        settings,
        clock=clock,
        engine=app_engine,
        background=executor,
        tracker_background=executor,
    )
    # The work after an answer starts as soon as the answer is out: tests settle on it, and
    # a quiet period in real time would only slow them down (tests/test_answers_first.py).
    runtime.answering = Answering(quiet=0)
    join_channels_at_start(runtime)  # as `liaison run` does before it serves
    if read_usergroups_at_start:
        refresh_usergroups(runtime)
    wsgi = create_wsgi_app(runtime, create_bolt_app(runtime, listener_executor=executor))
    server = make_server(
        "127.0.0.1", 0, wsgi, server_class=_ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield Liaison(
            runtime=runtime,
            slack=SlackClientSim(
                url,
                SIGNING_SECRET,
                team_id=TEAM_ID,
                response_url_base=fake_slack.root_url,
                workspace=fake_slack,
            ),
            fake=fake_slack,
            clock=clock,
            url=url,
            executor=executor,
        )
    finally:
        server.shutdown()
        server.server_close()
        executor.shutdown(wait=True)
