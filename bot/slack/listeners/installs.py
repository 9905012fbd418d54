"""Workspaces leaving: `app_uninstalled` and `tokens_revoked`.

Either one deletes the workspace's tokens from the installation store (its delete methods), so
nothing is called with them again: its outbox effects are held and its jobs skip it
(bot/slack/installations.py). Its requests and everything else stay until an operator runs
`liaison workspace purge TEAM_ID`. With one bot token (SLACK_BOT_TOKEN) there is nothing stored to
delete: the event is logged, since the token no longer works.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.runtime import Runtime
from bot.slack.inbox import EventListener
from bot.slack.teams import team_of

log = logging.getLogger(__name__)


def listeners(runtime: Runtime) -> dict[str, EventListener]:
    """The listener of each event type this module reads, for the inbox."""

    def forget(body: dict[str, Any], *, bot: bool, users: list[str]) -> None:
        team = team_of(body)
        enterprise = (
            body.get("enterprise_id") if isinstance(body.get("enterprise_id"), str) else None
        )
        installations = runtime.installations
        if installations is None:
            log.warning(
                "Liaison's token for workspace %s was revoked (or the app uninstalled): "
                "SLACK_BOT_TOKEN no longer works there",
                team,
            )
            return
        if bot:
            installations.uninstall(enterprise_id=enterprise, team_id=team)
        if users:
            installations.revoke_user_tokens(enterprise_id=enterprise, team_id=team, user_ids=users)

    def on_app_uninstalled(event: dict[str, Any], body: dict[str, Any]) -> None:
        forget(body, bot=True, users=[])

    def on_tokens_revoked(event: dict[str, Any], body: dict[str, Any]) -> None:
        tokens = event.get("tokens")
        tokens = tokens if isinstance(tokens, dict) else {}
        users = [str(user) for user in tokens.get("oauth") or [] if isinstance(user, str)]
        forget(body, bot=bool(tokens.get("bot")), users=users)

    return {"app_uninstalled": on_app_uninstalled, "tokens_revoked": on_tokens_revoked}
