"""The `send-nudges` job and `liaison nudge`."""

from __future__ import annotations

import logging
from datetime import datetime

from bot.db.session import transaction
from bot.domain.nudges import NudgePass, run_nudges
from bot.runtime import Runtime

log = logging.getLogger(__name__)


def send_nudges(
    runtime: Runtime, *, at: datetime | None = None, dry_run: bool = False
) -> NudgePass:
    """Queue every nudge due at `at` (default: now) and deliver them; a dry run only reports."""
    now = at or runtime.clock()
    with transaction(runtime.sessions) as session:
        result = run_nudges(
            session, config=runtime.config, now=now, dry_run=dry_run, send_at=runtime.clock()
        )
        if dry_run:
            session.rollback()
    if not dry_run and result.messages:
        runtime.deliverer.deliver_due()
        log.info("nudges: %s sent in %s messages", len(result.nudges), result.messages)
    return result


def describe(result: NudgePass) -> list[str]:
    """One line per nudge, for `--dry-run`."""
    lines = []
    for nudge in result.nudges:
        where = "thread of" if nudge.in_thread else "DM about"
        lines.append(
            f"{nudge.kind.value:14} {where} {nudge.reference} → {', '.join(nudge.mentions)}"
        )
    return lines
