"""The `refresh-usergroups` job: reads the members of every configured user group from Slack
into the database, where answers to people find them without waiting on Slack.

Each group is read with no transaction open and then stored in a short one of its own, so a slow
or rate-limited Slack (`usergroups.users.list` is Tier 2, about 20 calls a minute) never holds a
database lock that an answer is waiting for.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from slack_sdk.errors import SlackApiError

from bot.db.session import transaction
from bot.domain import usergroups
from bot.domain.models import UsergroupRead
from bot.runtime import Runtime
from bot.slack.installations import NotInstalled
from bot.slack.teams import served_clients

log = logging.getLogger(__name__)

# Slack's answers that say the group itself is gone: nobody belongs to a department through it.
GONE = frozenset({"no_such_subteam", "subteam_not_found"})


@dataclass
class RefreshReport:
    read: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)


def refresh_usergroups(runtime: Runtime) -> RefreshReport:
    """Read every user group each workspace's settings name, in each workspace served."""
    report = RefreshReport()
    try:
        teams = [team_id for team_id, _ in served_clients(runtime)]
    except (SlackApiError, OSError) as error:
        log.warning("user groups not refreshed: Slack did not say which workspace: %s", error)
        return report
    for team_id in teams:
        config = runtime.config_for(team_id)
        for usergroup in sorted({d.usergroup for d in config.departments if d.usergroup}):
            error = refresh_usergroup(runtime, team_id, usergroup)
            if error is None:
                report.read.append(usergroup)
            else:
                report.failed[usergroup] = error
    return report


def refresh_usergroup(runtime: Runtime, team_id: str, usergroup: str) -> str | None:
    """Read one group and store it; the error when Slack did not answer with its members.
    Call it with no transaction open."""
    try:
        client = runtime.client_for(team_id)
    except NotInstalled:
        return "not_installed"  # uninstalled since the list was read
    try:
        users = client.usergroups_users_list(usergroup=usergroup).get("users") or []
    except SlackApiError as error:
        status = error.response.status_code
        # Slack's edge answers a 5xx with a page rather than JSON: name it by its status.
        code = f"http_{status}" if status >= 500 else str(error.response.get("error") or status)
        transient = status == 429 or status >= 500
        _store_failure(runtime, team_id, usergroup, code, transient=transient)
        return code
    except OSError as error:
        _store_failure(runtime, team_id, usergroup, type(error).__name__, transient=True)
        return type(error).__name__
    with transaction(runtime.sessions) as session:
        usergroups.replace_members(
            session, team_id=team_id, usergroup=usergroup, members=users, now=runtime.clock()
        )
    return None


def _store_failure(
    runtime: Runtime, team_id: str, usergroup: str, code: str, *, transient: bool
) -> None:
    with transaction(runtime.sessions) as session:
        known = session.get(UsergroupRead, (team_id, usergroup)) is not None
        if code in GONE or (not known and not transient):
            # Known from now on, with nobody in it: people get a plain answer instead of being
            # asked forever to wait for a group that cannot be read.
            usergroups.replace_members(
                session,
                team_id=team_id,
                usergroup=usergroup,
                members=(),
                now=runtime.clock(),
                error=code,
            )
            log.error("user group %s cannot be read: %s", usergroup, code)
        else:
            usergroups.note_failed_read(session, team_id=team_id, usergroup=usergroup, error=code)
            log.warning("user group %s not refreshed, keeping its members: %s", usergroup, code)
