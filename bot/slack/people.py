"""People's own time zones, from their Slack profile (`users.info`, scope users:read), kept per
workspace for a while: a reminder should reach someone during their working day, wherever they
are. These calls are made before a job opens its transaction, never inside one."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.cache import ExpiringCache

log = logging.getLogger(__name__)

# People rarely move; a change of zone shows within this many seconds.
TIME_ZONE_TTL = 6 * 3600


class TimeZones:
    """Each person's time zone (`tz` in their profile) by workspace and user id, at most
    `max_entries` of them. When Slack cannot answer, the last known zone is used, or none (then
    the department's hours apply)."""

    def __init__(
        self,
        client_for: Callable[[str], WebClient],
        *,
        ttl: float = TIME_ZONE_TTL,
        max_entries: int = 5000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_for = client_for
        self._cache: ExpiringCache[tuple[str, str], ZoneInfo | None] = ExpiringCache(
            ttl=ttl, max_entries=max_entries, monotonic=monotonic
        )

    def zone(self, team_id: str, user_id: str) -> ZoneInfo | None:
        """`user_id`'s zone in workspace `team_id`; may ask Slack."""
        key = (team_id, user_id)
        known, zone = self._cache.fresh(key)
        if known:
            return zone
        try:
            profile = self._client_for(team_id).users_info(user=user_id).get("user") or {}
        except (SlackApiError, OSError) as error:
            log.warning("could not read the time zone of %s: %s", user_id, error)
            return self._cache.last(key)
        found = _zone(profile.get("tz"))
        self._cache.put(key, found)
        return found

    def zones(self, team_id: str, user_ids: Iterable[str]) -> dict[str, ZoneInfo]:
        """The known zones of `user_ids` in workspace `team_id`."""
        found = {user: self.zone(team_id, user) for user in dict.fromkeys(user_ids)}
        return {user: zone for user, zone in found.items() if zone is not None}


def _zone(name: object) -> ZoneInfo | None:
    if not isinstance(name, str) or not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
