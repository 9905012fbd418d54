"""Reading department membership from Slack user groups, with a short-lived cache."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)


class UsergroupCache:
    """Members of a user group, from `usergroups.users.list`, kept for `ttl` seconds. When Slack
    cannot answer, the last known members are used (or none), so a Slack hiccup never opens a
    permission to everyone."""

    def __init__(
        self,
        client: WebClient,
        *,
        ttl: float = 600,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._ttl = ttl
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    def members(self, usergroup: str) -> frozenset[str]:
        now = self._monotonic()
        with self._lock:
            cached = self._cache.get(usergroup)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        try:
            users = self._client.usergroups_users_list(usergroup=usergroup).get("users") or []
        except (SlackApiError, OSError) as error:
            log.warning("could not read members of user group %s: %s", usergroup, error)
            return cached[1] if cached else frozenset()
        found = frozenset(users)
        with self._lock:
            self._cache[usergroup] = (now, found)
        return found
