"""The database going away under a running app, and coming back (PostgreSQL behind a proxy
that the test cuts and restores)."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from sqlalchemy import Engine

from bot.db.session import make_engine
from tests.conftest import ENGINEER, SALES_REP, Liaison
from tests.fakes.tcp_proxy import TcpProxy
from tests.slack.helpers import current, file_request


@pytest.fixture
def proxy(database_url: str) -> Iterator[TcpProxy]:
    if not database_url.startswith("postgresql"):
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    parts = urlsplit(database_url)
    tcp = TcpProxy(parts.hostname or "127.0.0.1", parts.port or 5432)
    yield tcp
    tcp.close()


@pytest.fixture
def app_engine(proxy: TcpProxy, database_url: str) -> Iterator[Engine]:
    """The app reaches the database through the proxy; the test's own engine does not."""
    parts = urlsplit(database_url)
    user = f"{parts.username}@" if parts.username else ""
    routed = urlunsplit(parts._replace(netloc=f"{user}127.0.0.1:{proxy.port}"))
    engine = make_engine(routed, pool_timeout=2, connect_args={"connect_timeout": 2})
    yield engine
    engine.dispose()


def test_while_the_database_is_away_nothing_is_lost(liaison: Liaison, proxy: TcpProxy, db) -> None:
    card = file_request(liaison, db)
    proxy.cut()

    health = httpx.get(liaison.url + "/healthz")
    assert health.status_code == 503 and health.json()["database"] is False
    polite = liaison.slack.command(SALES_REP, "list").json()
    assert "can't reach its database" in polite["text"]
    # The event is not acknowledged, so Slack delivers it again later.
    claim = liaison.slack.reaction(
        ENGINEER, "raising_hand", card.channel, card.ts, event_id="EvAWAY"
    )
    assert claim.status_code == 503
    liaison.settle()
    assert current(db, card).claimer_id is None

    proxy.restore()  # the database is back: the app recovers by itself
    assert httpx.get(liaison.url + "/healthz").status_code == 200
    retried = liaison.slack.reaction(
        ENGINEER, "raising_hand", card.channel, card.ts, event_id="EvAWAY", retry_num=1
    )
    assert retried.status_code == 200
    liaison.settle()
    assert current(db, card).claimer_id == ENGINEER
