"""People's display names (`users.info`) and channels' names (`conversations.info`), per
workspace, in a bounded cache that forgets them after a while (names change)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.cache import ExpiringCache
from bot.slack.decode import Lookup

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


class SlackNames:
    """Names by (workspace, kind, id), at most `max_entries` of them, each kept for `ttl`
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
        self._cache: ExpiringCache[tuple[str, str, str], str] = ExpiringCache(
            ttl=ttl, max_entries=max_entries, monotonic=monotonic
        )

    def users_of(self, team_id: str) -> Lookup:
        """A look-up (user id → display name) for one workspace, as bot/slack/decode.py takes."""
        return lambda user_id: self.user_name(team_id, user_id)

    def channels_of(self, team_id: str) -> Lookup:
        """A look-up (channel id → name) for one workspace."""
        return lambda channel_id: self.channel_name(team_id, channel_id)

    def known_users_of(self, team_id: str) -> Lookup:
        """Like `users_of`, from the names already kept only: it never asks Slack."""
        return lambda user_id: self._known(team_id, "user", user_id)

    def known_channels_of(self, team_id: str) -> Lookup:
        """Like `channels_of`, from the names already kept only."""
        return lambda channel_id: self._known(team_id, "channel", channel_id)

    def _known(self, team_id: str, kind: str, key: str) -> str | None:
        return self._cache.fresh((team_id, kind, key))[1]

    def user_name(self, team_id: str, user_id: str) -> str | None:
        return self._name(team_id, "user", user_id, self._ask_user)

    def channel_name(self, team_id: str, channel_id: str) -> str | None:
        return self._name(team_id, "channel", channel_id, self._ask_channel)

    def _ask_user(self, client: WebClient, user_id: str) -> str | None:
        return display_name(client.users_info(user=user_id).get("user") or {})

    def _ask_channel(self, client: WebClient, channel_id: str) -> str | None:
        name = (client.conversations_info(channel=channel_id).get("channel") or {}).get("name")
        return name if isinstance(name, str) and name else None

    def _name(
        self, team_id: str, kind: str, key: str, ask: Callable[[WebClient, str], str | None]
    ) -> str | None:
        entry = (team_id, kind, key)
        known, name = self._cache.fresh(entry)
        if known:
            return name
        try:
            name = ask(self._client_for(team_id), key)
        except (SlackApiError, OSError) as error:
            log.info("no name for %s %s: %s", kind, key, _reason(error))
            return None
        if name is not None:
            self._cache.put(entry, name)
        return name


def at_most(lookup: Lookup, count: int) -> Lookup:
    """`lookup` asked about at most `count` different ids, each once; None for any more, so a
    message mentioning hundreds of people costs a bounded number of calls."""
    answers: dict[str, str | None] = {}

    def limited(key: str) -> str | None:
        if key not in answers:
            if len(answers) >= count:
                return None
            answers[key] = lookup(key)
        return answers[key]

    return limited


def _reason(error: Exception) -> object:
    return error.response.get("error") if isinstance(error, SlackApiError) else error
