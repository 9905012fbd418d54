"""Who may see and change a workspace's settings in Slack: its admins and owners (`users.info`:
`is_admin`, `is_owner`, `is_primary_owner`; scope users:read), the person who installed Liaison
when it is known, and each department's leads for their own department only.

    permissions = runtime.permissions
    access = permissions.access(team_id, user_id, config)          # may ask Slack, briefly
    access = permissions.known_access(team_id, user_id, config)    # never asks Slack

Slack is asked at most once per person and workspace every `ADMIN_TTL` seconds, and never for
longer than the caller can wait: `access(..., wait=...)` gives up after `wait` seconds (the
answer still lands in the cache for the next time) and falls back to what was last known. So a
click that must open a modal within Slack's 3 seconds, or a form that must be answered within
them, is never held up by a slow Slack. `known_access` reads the cache only (for the Home tab,
built inside a transaction, where no Slack call may be made).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.config import LiaisonConfig
from bot.slack.cache import ExpiringCache

log = logging.getLogger(__name__)

# An admin who loses the role loses Settings within this many seconds.
ADMIN_TTL = 120.0
# The longest a click or a form waits for Slack to say whether someone is an admin.
CLICK_WAIT = 1.0
SUBMIT_WAIT = 1.0


@dataclass(frozen=True)
class SettingsAccess:
    """What one person may do with a workspace's settings. `admin`: everything (admins, owners,
    the installer); `leads`: the keys of the departments they lead (only those)."""

    admin: bool = False
    leads: frozenset[str] = frozenset()

    @property
    def any(self) -> bool:
        """Whether the person sees Settings at all."""
        return self.admin or bool(self.leads)

    def may_edit_department(self, key: str | None) -> bool:
        """Only admins add departments (`key` None); leads edit their own."""
        return self.admin or (key is not None and key in self.leads)

    def may_change(self, section: str) -> bool:
        """Sections other than departments are the admins' (a lead's department is checked
        with `may_edit_department`)."""
        return self.admin


NOBODY = SettingsAccess()


def lead_of(config: LiaisonConfig, user_id: str) -> frozenset[str]:
    """The keys of the departments `user_id` leads."""
    return frozenset(d.key for d in config.departments if user_id in d.leads)


def is_admin_profile(profile: dict[str, object]) -> bool:
    """Whether a `users.info` user is a workspace admin or owner (never a bot or a guest)."""
    if profile.get("deleted") or profile.get("is_bot") or profile.get("is_restricted"):
        return False
    return any(bool(profile.get(flag)) for flag in ("is_admin", "is_owner", "is_primary_owner"))


class Permissions:
    """Whether people are admins, by workspace and user id, asked of Slack and kept briefly.
    `installer_of(team_id)` names the person who installed Liaison, when it is known (installs
    through OAuth record it); that person counts as an admin."""

    def __init__(
        self,
        client_for: Callable[[str], WebClient],
        *,
        installer_of: Callable[[str], str | None] = lambda team_id: None,
        ttl: float = ADMIN_TTL,
        max_entries: int = 5000,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client_for = client_for
        self.installer_of = installer_of
        self._cache: ExpiringCache[tuple[str, str], bool] = ExpiringCache(
            ttl=ttl, max_entries=max_entries, monotonic=monotonic
        )
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="permissions")

    def access(
        self, team_id: str, user_id: str, config: LiaisonConfig, *, wait: float = CLICK_WAIT
    ) -> SettingsAccess:
        """What `user_id` may do; asks Slack (for at most `wait` seconds) unless it knows."""
        return SettingsAccess(self.is_admin(team_id, user_id, wait=wait), lead_of(config, user_id))

    def known_access(self, team_id: str, user_id: str, config: LiaisonConfig) -> SettingsAccess:
        """What `user_id` may do as far as is known now, without asking Slack."""
        admin = self._installer(team_id, user_id) or bool(self._cache.last((team_id, user_id)))
        return SettingsAccess(admin, lead_of(config, user_id))

    def knows(self, team_id: str, user_id: str) -> bool:
        """Whether a fresh answer is at hand (`access` would not ask Slack)."""
        return self._installer(team_id, user_id) or self._cache.fresh((team_id, user_id))[0]

    def is_admin(self, team_id: str, user_id: str, *, wait: float = CLICK_WAIT) -> bool:
        """Whether `user_id` is an admin, owner or the installer of Liaison in `team_id`."""
        if self._installer(team_id, user_id):
            return True
        key = (team_id, user_id)
        known, admin = self._cache.fresh(key)
        if known:
            return bool(admin)
        future: Future[bool | None] = self._pool.submit(self._ask, team_id, user_id)
        try:
            answer = future.result(timeout=wait)
        except FutureTimeout:
            log.info("Slack was slow to say whether %s is an admin", user_id)
            answer = None
        return bool(self._cache.last(key)) if answer is None else answer

    def _installer(self, team_id: str, user_id: str) -> bool:
        return bool(user_id) and self.installer_of(team_id) == user_id

    def _ask(self, team_id: str, user_id: str) -> bool | None:
        try:
            profile = self._client_for(team_id).users_info(user=user_id).get("user") or {}
        except (SlackApiError, OSError) as error:
            log.warning("could not read whether %s is an admin: %s", user_id, error)
            return None
        admin = is_admin_profile(profile)
        self._cache.put((team_id, user_id), admin)
        return admin
