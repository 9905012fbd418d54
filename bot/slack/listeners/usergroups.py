"""Slack's user group events, which keep the members Liaison reads membership from up to date
between two `refresh-usergroups` passes (bot/jobs/usergroups.py)."""

from __future__ import annotations

import logging
from typing import Any

from bot.db.session import transaction
from bot.domain import usergroups
from bot.runtime import Runtime
from bot.slack.inbox import EventListener
from bot.slack.listeners.operations import first_delivery

log = logging.getLogger(__name__)


def _user_ids(value: object) -> list[str]:
    return [u for u in value if isinstance(u, str)] if isinstance(value, list) else []


def listeners(runtime: Runtime) -> dict[str, EventListener]:
    """The listener of each event type this module reads, for the inbox."""

    def configured(usergroup: object, team_id: object) -> bool:
        return (
            isinstance(usergroup, str)
            and isinstance(team_id, str)
            and any(d.usergroup == usergroup for d in runtime.config_for(team_id).departments)
        )

    def on_members_changed(event: dict[str, Any], body: dict[str, Any]) -> None:
        usergroup, team_id = event.get("subteam_id"), body.get("team_id")
        if not configured(usergroup, team_id) or not isinstance(team_id, str):
            return
        with transaction(runtime.sessions) as session:
            if not first_delivery(session, str(body.get("event_id")), runtime.clock()):
                return
            applied = usergroups.apply_change(
                session,
                team_id=team_id,
                usergroup=str(usergroup),
                added=_user_ids(event.get("added_users")),
                removed=_user_ids(event.get("removed_users")),
            )
        if not applied:
            log.info("user group %s changed before it was first read", usergroup)

    def on_updated(event: dict[str, Any], body: dict[str, Any]) -> None:
        subteam = event.get("subteam")
        team_id = body.get("team_id")
        if not isinstance(subteam, dict) or not isinstance(team_id, str):
            return
        usergroup = subteam.get("id")
        if not configured(usergroup, team_id):
            return
        users = _user_ids(subteam.get("users"))
        count = subteam.get("user_count")
        with transaction(runtime.sessions) as session:
            if not first_delivery(session, str(body.get("event_id")), runtime.clock()):
                return
            if subteam.get("date_delete"):
                # A disabled group: nobody belongs to a department through it any more.
                usergroups.replace_members(
                    session,
                    team_id=team_id,
                    usergroup=str(usergroup),
                    members=(),
                    now=runtime.clock(),
                    error="disabled",
                )
            elif str(count) == str(len(users)):
                usergroups.replace_members(
                    session,
                    team_id=team_id,
                    usergroup=str(usergroup),
                    members=users,
                    now=runtime.clock(),
                )
            else:
                # Slack lists at most 500 users here: those are members, and the next refresh
                # reads the rest (and who left).
                usergroups.apply_change(
                    session, team_id=team_id, usergroup=str(usergroup), added=users
                )

    return {"subteam_members_changed": on_members_changed, "subteam_updated": on_updated}
