"""A check on every test: no Slack call is made while the calling thread has a database
transaction open.

On SQLite an open transaction holds the whole database's write lock, and on PostgreSQL it may
hold a request's row lock; a Slack call inside one makes everyone else wait up to Slack's
timeout. Transactions are followed per connection from SQLAlchemy's engine events (begin,
commit, rollback, and the pool's check-in for connections closed otherwise), and every Web API
call (`WebClient.api_call`) and response_url post (`WebhookClient.send_dict`) made by the app is
checked against the transactions of its own thread.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.web.base_client import BaseClient
from slack_sdk.webhook import WebhookClient
from sqlalchemy import Engine, event
from sqlalchemy.pool import Pool

_lock = threading.Lock()
_open: dict[int, int] = {}  # id of a DBAPI connection in a transaction -> the thread's ident
violations: list[str] = []


def _dbapi_id(connection: Any) -> int | None:
    try:
        return id(connection.connection.dbapi_connection)
    except Exception:  # an invalidated connection has none
        return None


def _began(connection: Any) -> None:
    key = _dbapi_id(connection)
    if key is not None:
        with _lock:
            _open[key] = threading.get_ident()


def _ended(connection: Any) -> None:
    key = _dbapi_id(connection)
    if key is not None:
        with _lock:
            _open.pop(key, None)


def _checked_in(dbapi_connection: Any, _record: Any) -> None:
    with _lock:
        _open.pop(id(dbapi_connection), None)


def transaction_open_in_this_thread() -> bool:
    me = threading.get_ident()
    with _lock:
        return me in _open.values()


def _checked(original: Any, what: Any) -> Any:
    def call(self: Any, *args: Any, **kwargs: Any) -> Any:
        if transaction_open_in_this_thread():
            stack = "".join(traceback.format_stack(limit=12)[:-1])
            violations.append(f"{what(self, args, kwargs)} with a transaction open:\n{stack}")
        return original(self, *args, **kwargs)

    return call


def install() -> None:
    """Follow transactions on every engine and check every Slack call (once per process)."""
    if getattr(BaseClient.api_call, "_liaison_checked", False):
        return
    event.listen(Engine, "begin", _began)
    event.listen(Engine, "commit", _ended)
    event.listen(Engine, "rollback", _ended)
    event.listen(Pool, "checkin", _checked_in)
    api_call = _checked(
        BaseClient.api_call, lambda _, args, kw: kw.get("api_method") or (args or ["?"])[0]
    )
    api_call._liaison_checked = True  # type: ignore[attr-defined]
    BaseClient.api_call = api_call  # type: ignore[method-assign]
    WebhookClient.send_dict = _checked(  # type: ignore[method-assign]
        WebhookClient.send_dict, lambda *_: "a response_url post"
    )


@pytest.fixture(autouse=True)
def no_slack_call_in_a_transaction() -> Iterator[None]:
    install()
    violations.clear()
    yield
    found, violations[:] = list(violations), []
    assert not found, "Slack was called inside a database transaction:\n" + "\n".join(found)
