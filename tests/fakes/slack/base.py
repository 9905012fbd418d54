"""What every part of the fake shares: the types of a request's params, the answer a request
gets, the error a method handler raises, and how Slack addresses a DM."""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

Params = dict[str, Any]
Matcher = Any  # a value compared with ==, or a predicate called with the param's value


@dataclass
class _Answer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str]
    raw: bytes | None = None  # a non-JSON body (Slack's edge on 5xx)


class _SlackError(Exception):
    """Raised by a method handler to answer ``{"ok": false, "error": ...}``."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.body: dict[str, Any] = {"ok": False, "error": error, **extra}


def _invalid_arguments(*messages: str) -> _SlackError:
    return _SlackError(
        "invalid_arguments",
        response_metadata={"messages": [f"[ERROR] {m}" for m in messages]},
    )


def _dm_channel(channel: str) -> str:
    """Posting to a user id lands in the bot's DM with that user."""
    return "D" + channel if channel[:1] in ("U", "W") else channel


def _flag(value: object) -> bool:
    """A boolean argument as clients send it: true, "true" or "1"."""
    return value is True or str(value).lower() in ("1", "true")


def copied(value: Any) -> Any:
    """A deep copy of what Slack sends or answers. JSON-shaped data (nearly always) is copied by a
    JSON round trip, several times cheaper than `copy.deepcopy`: the fake copies every answer it
    records, and under `bench.load` that took CPU from the app under test."""
    try:
        return json.loads(json.dumps(value))
    except (TypeError, ValueError):
        return copy.deepcopy(value)
