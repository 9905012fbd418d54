"""People's display names from `users.info`, per workspace, in a bounded cache that forgets them
after a while (names change)."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


def display_name(user: dict[str, Any]) -> str | None:
    """What Slack shows for a user: the profile's display name, else the real name, else the
    handle."""
    profile = user.get("profile") or {}
    for candidate in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()
    return None


class DisplayNames:
    """Display names by (workspace, user id), at most `max_entries` of them, each kept for `ttl`
    seconds. A name Slack cannot give is None and is asked again next time."""

    def __init__(
        self,
        client_for: Callable[[str], WebClient],
        *,
        ttl: float = 3600,
        max_entries: int = 5000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_for = client_for
        self._ttl = ttl
        self._max_entries = max_entries
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cache: OrderedDict[tuple[str, str], tuple[float, str]] = OrderedDict()

    def for_team(self, team_id: str) -> Callable[[str], str | None]:
        """A look-up (user id → display name) for one workspace, as bot/slack/decode.py takes."""
        return lambda user_id: self.name(team_id, user_id)

    def name(self, team_id: str, user_id: str) -> str | None:
        key = (team_id, user_id)
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(key)
            if cached and now - cached[0] < self._ttl:
                self._cache.move_to_end(key)
                return cached[1]
        try:
            user = self._client_for(team_id).users_info(user=user_id).get("user") or {}
        except (SlackApiError, OSError) as error:
            log.info("no display name for %s: %s", user_id, _reason(error))
            return None
        name = display_name(user)
        if name is None:
            return None
        with self._lock:
            self._cache[key] = (now, name)
            self._cache.move_to_end(key)
            while len(self._cache) > self._max_entries:
                self._cache.popitem(last=False)
        return name


def _reason(error: Exception) -> object:
    return error.response.get("error") if isinstance(error, SlackApiError) else error
