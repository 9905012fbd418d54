"""Before anyone promises: `/request check DATE [team]`, and the intake modal's realistic date
(its hint when the team changes, its warning when the date is too early)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.config import Department, LiaisonConfig
from bot.db.session import reading
from bot.domain.realistic import Realistic, realistic_for
from bot.runtime import Runtime
from bot.slack.blocks import replies
from bot.slack.blocks.promise import CHECK_USAGE, check_answer

log = logging.getLogger(__name__)


def check_reply(runtime: Runtime, team_id: str, words: str) -> dict[str, Any]:
    """The private answer to `/request check DATE [team]`: whether DATE is realistic for a new
    request now, from the database only. Nothing is filed."""
    config = runtime.config_for(team_id)
    typed, _, named = words.strip().partition(" ")
    if not typed:
        return replies.reply(f"Which date? {CHECK_USAGE}")
    try:
        wanted = date.fromisoformat(typed)
    except ValueError:
        return replies.reply(f"“{typed[:40]}” is not a date like 2026-12-15. {CHECK_USAGE}")
    fulfillers = config.fulfilling_departments()
    if not fulfillers:
        return replies.reply(
            "No team does work through Liaison yet, so there is nothing to check against."
        )
    department = find_fulfiller(config, named)
    if department is None:
        teams = ", ".join(f"`{d.key}` ({d.name})" for d in fulfillers)
        if named.strip():
            return replies.reply(f"No team “{named.strip()[:80]}” does work. Teams: {teams}.")
        return replies.reply(f"Which team? Name one of {teams}. {CHECK_USAGE}")
    now = runtime.clock()
    if wanted < now.astimezone(department.zone).date():
        return replies.reply(f"{typed} has already passed. {CHECK_USAGE}")
    try:
        figure = realistic_of(runtime, config, team_id, department.key)
    except SQLAlchemyError:
        log.exception("the database failed while checking a date")
        return replies.reply(replies.UNAVAILABLE)
    return replies.reply(check_answer(wanted, department.name, figure))


def find_fulfiller(config: LiaisonConfig, named: str) -> Department | None:
    """The fulfilling department named by key or name (any case); without a name, the only one."""
    fulfillers = config.fulfilling_departments()
    wanted = named.strip().casefold()
    if not wanted:
        return fulfillers[0] if len(fulfillers) == 1 else None
    return next(
        (d for d in fulfillers if wanted in (d.key.casefold(), d.name.strip().casefold())), None
    )


def realistic_of(runtime: Runtime, config: LiaisonConfig, team_id: str, key: str) -> Realistic:
    with reading(runtime.sessions) as session:
        return realistic_for(
            session=session, config=config, team_id=team_id, department_key=key, now=runtime.clock()
        )
