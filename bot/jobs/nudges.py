"""The `send-nudges` job and `liaison nudge`."""

from __future__ import annotations

import logging
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.session import reading, transaction
from bot.domain.models import Workspace
from bot.domain.nudges import NudgePass, Recipient, direct_recipients, run_nudges
from bot.runtime import Runtime
from bot.slack.installations import NotInstalled

log = logging.getLogger(__name__)


def send_nudges(
    runtime: Runtime, *, at: datetime | None = None, dry_run: bool = False
) -> NudgePass:
    """Queue every nudge due at `at` (default: now) and deliver them; a dry run only reports."""
    now = at or runtime.clock()
    zones = _time_zones(runtime, now)
    with transaction(runtime.sessions) as session:
        result = run_nudges(
            session,
            config=runtime.config,
            now=now,
            dry_run=dry_run,
            send_at=runtime.clock(),
            zones=zones,
            workspaces=_installed_workspaces(session, runtime),
        )
        if dry_run:
            session.rollback()
    if not dry_run and result.messages:
        runtime.outbox.send_due()
        log.info("nudges: %s sent in %s messages", len(result.nudges), result.messages)
    return result


def _installed_workspaces(session: Session, runtime: Runtime) -> set[int] | None:
    """In multi-workspace mode, the workspaces with a token (nobody is nudged in one that
    uninstalled Liaison); None with one bot token: every workspace."""
    if runtime.installations is None:
        return None
    teams = runtime.installations.teams()
    return set(session.scalars(select(Workspace.id).where(Workspace.team_id.in_(teams))))


def _time_zones(runtime: Runtime, now: datetime) -> dict[Recipient, ZoneInfo]:
    """The own time zones of everyone a DM nudge may go to now, read from Slack (or its cache)
    before the nudges' transaction opens. Without a token (a dry run needs none) the departments'
    own zones apply."""
    if not runtime.settings.slack_bot_token and runtime.installations is None:
        return {}
    with reading(runtime.sessions) as session:
        recipients = direct_recipients(session, config=runtime.config, now=now)
        rows = session.execute(
            select(Workspace.id, Workspace.team_id).where(
                Workspace.id.in_({workspace for workspace, _ in recipients})
            )
        )
        teams = {workspace: team for workspace, team in rows}
    zones: dict[Recipient, ZoneInfo] = {}
    for workspace, user in recipients:
        try:
            zone = runtime.time_zones.zone(teams[workspace], user) if workspace in teams else None
        except NotInstalled:
            continue  # its nudges are skipped
        if zone is not None:
            zones[(workspace, user)] = zone
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
