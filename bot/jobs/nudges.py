"""The `send-nudges` job and `liaison nudge`."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.config.store import ConfiguredWorkspace
from bot.db.session import reading, transaction
from bot.domain.nudges import NudgePass, Recipient, direct_recipients, run_nudges
from bot.runtime import Runtime
from bot.slack.installations import NotInstalled

log = logging.getLogger(__name__)


def send_nudges(
    runtime: Runtime, *, at: datetime | None = None, dry_run: bool = False
) -> NudgePass:
    """Queue every nudge due at `at` (default: now) in each workspace set up, and deliver them; a
    dry run only reports."""
    now = at or runtime.clock()
    result = NudgePass()
    for workspace in runtime.served_workspaces():
        zones = _time_zones(runtime, workspace, now)
        with transaction(runtime.sessions) as session:
            found = run_nudges(
                session,
                config=workspace.config,
                workspace_id=workspace.workspace_id,
                now=now,
                dry_run=dry_run,
                send_at=runtime.clock(),
                zones=zones,
            )
            if dry_run:
                session.rollback()
        result.nudges += found.nudges
        result.messages += found.messages
    if not dry_run and result.messages:
        runtime.outbox.send_due()
        log.info("nudges: %s sent in %s messages", len(result.nudges), result.messages)
    return result


def _time_zones(
    runtime: Runtime, workspace: ConfiguredWorkspace, now: datetime
) -> dict[Recipient, ZoneInfo]:
    """The own time zones of everyone a DM nudge may go to now, read from Slack (or its cache)
    before the nudges' transaction opens. Without a token (a dry run needs none) the departments'
    own zones apply."""
    if not runtime.settings.slack_bot_token and runtime.installations is None:
        return {}
    with reading(runtime.sessions) as session:
        recipients = direct_recipients(
            session, config=workspace.config, now=now, workspace_id=workspace.workspace_id
        )
    zones: dict[Recipient, ZoneInfo] = {}
    for workspace_id, user in recipients:
        try:
            zone = runtime.time_zones.zone(workspace.team_id, user)
        except NotInstalled:
            return {}  # uninstalled since the list was read: its messages will be held
        if zone is not None:
            zones[(workspace_id, user)] = zone
    return zones


def describe(result: NudgePass) -> list[str]:
    """One line per nudge, for `--dry-run`."""
    lines = []
    for nudge in result.nudges:
        where = "thread of" if nudge.in_thread else "DM about"
        lines.append(
            f"{nudge.kind.value:14} {where} {nudge.reference} → {', '.join(nudge.mentions)}"
        )
    return lines
