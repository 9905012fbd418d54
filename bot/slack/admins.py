"""Who may set Liaison up in a workspace: its admins and owners, from their Slack profile
(`users.info` `is_admin`, `is_owner`, `is_primary_owner`; scope users:read). Each answer is kept
for a short while: opening the setup and saving a step ask again at most once a minute. Asked
before a transaction opens, never inside one."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.cache import ExpiringCache

log = logging.getLogger(__name__)

# Someone made (or no longer) an admin is seen as such within this many seconds.
ADMIN_TTL = 60.0


@dataclass(frozen=True)
class Person:
    """What the setup needs to know of someone: whether they administer the workspace, and
    their own time zone (the default for a department they set up)."""

    is_admin: bool
    timezone: str | None


class Admins:
    """Workspace admins and owners by workspace and user id, at most `max_entries` of them.
    When Slack cannot answer, the last answer is used, or nobody is an admin (refusing is the
    safe side: the person can try again)."""

    def __init__(
        self,
        client_for: Callable[[str], WebClient],
        *,
        ttl: float = ADMIN_TTL,
        max_entries: int = 1000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_for = client_for
        self._cache: ExpiringCache[tuple[str, str], Person] = ExpiringCache(
            ttl=ttl, max_entries=max_entries, monotonic=monotonic
        )

    def person(self, team_id: str, user_id: str) -> Person:
        """`user_id` in workspace `team_id`; may ask Slack."""
        key = (team_id, user_id)
        known, person = self._cache.fresh(key)
        if known and person is not None:
            return person
        try:
            profile = self._client_for(team_id).users_info(user=user_id).get("user") or {}
        except (SlackApiError, OSError) as error:
            log.warning("could not read whether %s administers the workspace: %s", user_id, error)
            return self._cache.last(key) or Person(False, None)
        is_admin = not profile.get("deleted") and any(
            profile.get(flag) is True for flag in ("is_admin", "is_owner", "is_primary_owner")
        )
        tz = profile.get("tz")
        found = Person(is_admin, tz if isinstance(tz, str) and tz else None)
        self._cache.put(key, found)
        return found

    def is_admin(self, team_id: str, user_id: str) -> bool:
        """True when `user_id` is an admin or an owner of workspace `team_id`."""
        return self.person(team_id, user_id).is_admin

    def time_zone(self, team_id: str, user_id: str) -> str | None:
        """`user_id`'s own time zone name (`tz`), or None when Slack does not say."""
        return self.person(team_id, user_id).timezone
