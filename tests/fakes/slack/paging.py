"""Paging helpers for conversations.history and .replies: the oldest/latest window, cursors and
page limits as Slack has them."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from tests.fakes.slack.base import Params, _flag, _SlackError

MAX_PAGE = 999  # conversations.history and .replies return at most this many messages a call


def _ts_key(ts: str) -> tuple[int, int]:
    """A Slack timestamp ("1700000000.000100", or fewer decimals) as (seconds, microseconds)."""
    seconds, _, fraction = ts.partition(".")
    return int(seconds), int(fraction.ljust(6, "0")[:6])


@dataclass(frozen=True)
class _TimeWindow:
    """The ``oldest``/``latest``/``inclusive`` arguments of conversations.history/.replies."""

    oldest: tuple[int, int]
    latest: tuple[int, int] | None
    inclusive: bool

    @classmethod
    def of(cls, params: Params) -> _TimeWindow:
        try:
            oldest = _ts_key(str(params.get("oldest") or "0"))
        except ValueError:
            raise _SlackError("invalid_ts_oldest") from None
        try:
            latest = _ts_key(str(params["latest"])) if params.get("latest") else None
        except ValueError:
            raise _SlackError("invalid_ts_latest") from None
        return cls(oldest, latest, _flag(params.get("inclusive")))

    def holds(self, ts: str) -> bool:
        key = _ts_key(ts)
        if self.inclusive:
            return self.oldest <= key and (self.latest is None or key <= self.latest)
        return self.oldest < key and (self.latest is None or key < self.latest)


def _page(
    messages: list[Params], params: Params, *, default_limit: int, newest_first: bool
) -> tuple[list[Params], str | None]:
    """The page of ``messages`` (in the order listed) that ``cursor`` and ``limit`` ask for, and
    the cursor of the next page (None on the last). Cursors are opaque to clients; like Slack's
    they encode "next_ts:" and the first ts of the next page."""
    start = _resume_at(messages, str(params["cursor"]), newest_first) if params.get("cursor") else 0
    limit = str(params.get("limit") or default_limit)
    if not limit.isdigit() or int(limit) < 1:
        raise _SlackError("invalid_limit")
    end = start + min(int(limit), MAX_PAGE)
    if end >= len(messages):
        return messages[start:], None
    return messages[start:end], base64.b64encode(f"next_ts:{messages[end]['ts']}".encode()).decode()


def _resume_at(messages: list[Params], cursor: str, newest_first: bool) -> int:
    """Where the page a cursor points to starts (where its message was, if it was deleted)."""
    resume = _cursor_ts(cursor)
    for i, message in enumerate(messages):
        key = _ts_key(message["ts"])
        if (key <= resume) if newest_first else (key >= resume):
            return i
    return len(messages)


def _cursor_ts(cursor: str) -> tuple[int, int]:
    try:
        kind, _, ts = base64.b64decode(cursor, validate=True).decode().partition(":")
        if kind != "next_ts":
            raise ValueError(kind)
        return _ts_key(ts)
    except ValueError:  # bad base64 and bad UTF-8 are ValueErrors too
        raise _SlackError("invalid_cursor") from None


def _cursor_metadata(next_cursor: str | None) -> dict[str, Any]:
    return {"response_metadata": {"next_cursor": next_cursor}} if next_cursor else {}
