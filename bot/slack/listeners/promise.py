"""Before anyone promises: `/request check DATE [team]`, and the intake modal's realistic date
(its hint when the team changes, its warning when the date is too early)."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import date
from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.config import Department, LiaisonConfig
from bot.db.session import reading
from bot.domain.realistic import Realistic, realistic_for
from bot.domain.requests import RequestDraft
from bot.runtime import Runtime
from bot.slack import text
from bot.slack.blocks import replies
from bot.slack.blocks.intake import (
    CONFIRM_NEEDED,
    HARD,
    confirmed_anyway,
    has_block,
    intake_modal,
    read_intake,
    redrawn,
    view_metadata,
)
from bot.slack.blocks.intake_types import type_block_id
from bot.slack.blocks.promise import CHECK_USAGE, check_answer
from bot.slack.ids import EditModal, Intake
from bot.slack.listener_pool import after_answer
from bot.slack.listeners.operations import update_modal

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
        shown = text.mrkdwn(typed, 40)
        return replies.reply(f"“{shown}” is not a date like 2026-12-15. {CHECK_USAGE}")
    fulfillers = config.fulfilling_departments()
    if not fulfillers:
        return replies.reply(
            "No team does work through Liaison yet, so there is nothing to check against."
        )
    department = find_fulfiller(config, named)
    if department is None:
        teams = ", ".join(f"`{d.key}` ({text.mrkdwn(d.name, 100)})" for d in fulfillers)
        if named.strip():
            shown = text.mrkdwn(named.strip(), 80)
            return replies.reply(f"No team “{shown}” does work. Teams: {teams}.")
        return replies.reply(f"Which team? Name one of {teams}. {CHECK_USAGE}")
    now = runtime.clock()
    if wanted < now.astimezone(department.zone).date():
        return replies.reply(f"{wanted.isoformat()} has already passed. {CHECK_USAGE}")
    try:
        figure = realistic_of(runtime, config, team_id, department.key)
    except SQLAlchemyError:
        log.exception("the database failed while checking a date")
        return replies.reply(replies.UNAVAILABLE)
    return replies.reply(check_answer(wanted, text.mrkdwn(department.name, 100), figure))


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
    """The department's realistic date, computed at most every REALISTIC_SECONDS per process
    (and again at once when the workspace's settings change)."""
    cache_key = (team_id, key, runtime.workspace_settings.current(team_id).version)
    fresh, figure = runtime.realistic.fresh(cache_key)
    if fresh and figure is not None:
        return figure
    with reading(runtime.sessions) as session:
        figure = realistic_for(
            session=session, config=config, team_id=team_id, department_key=key, now=runtime.clock()
        )
    runtime.realistic.put(cache_key, figure)
    return figure


def realistic_of_draft(
    runtime: Runtime, config: LiaisonConfig, team_id: str, draft: RequestDraft
) -> Realistic | None:
    """The realistic date for the draft's team; None without a team, or when the database
    fails (the modal then simply goes without it)."""
    key = draft.fulfilling_department
    if key is None or config.find_department(key) is None:
        return None
    try:
        return realistic_of(runtime, config, team_id, key)
    except SQLAlchemyError:
        log.exception("the database failed while computing a realistic date")
        return None


def register(app: App, runtime: Runtime) -> None:
    def on_intake_changed(
        ack: Ack,
        body: dict[str, Any],
        action: dict[str, Any],
        client: WebClient,
        context: BoltContext,
    ) -> None:
        """The team, the request type, the date or the kind of deadline changed in an open
        intake modal: show that team's realistic date (warning when the date is before it) and
        that type's fields, keeping what was typed. In the edit modal only the type changes
        anything."""
        ack()
        after_answer(
            lambda: redraw_intake(body, action, client, context), "redrawing the intake modal"
        )

    def redraw_intake(
        body: dict[str, Any], action: dict[str, Any], client: WebClient, context: BoltContext
    ) -> None:
        view = body.get("view") or {}
        editing = view.get("callback_id") == EditModal.callback
        if view.get("callback_id") != Intake.callback and not (
            editing and str(action.get("block_id", "")).startswith(Intake.request_type + ".")
        ):
            return
        if not view.get("id"):
            return
        team_id = context.team_id or context.enterprise_id or "unknown"
        try:
            config = runtime.config_for(team_id)
        except SQLAlchemyError:
            log.exception("the database failed while reading the settings")
            return
        draft = _with_action(read_intake(view, config=config), action, config)
        shown: dict[str, Any] = {}
        if not editing:
            shown = {
                "realistic": realistic_of_draft(runtime, config, team_id, draft),
                "file_anyway": confirmed_anyway(view),
            }
        update_modal(client, view, redrawn(view, draft, config, **shown))

    for block_id in (Intake.department, Intake.desired_date, Intake.deadline):
        app.action({"block_id": block_id, "action_id": Intake.value})(on_intake_changed)
    types = re.compile("^" + re.escape(Intake.request_type) + r"\.")
    app.action({"block_id": types, "action_id": Intake.value})(on_intake_changed)


def _with_action(
    draft: RequestDraft, action: dict[str, Any], config: LiaisonConfig
) -> RequestDraft:
    """`draft` with the value the action just changed (a view's state may lag behind it)."""
    block_id = action.get("block_id")
    chosen = (action.get("selected_option") or {}).get("value")
    if block_id == Intake.desired_date:
        picked = action.get("selected_date")
        try:
            day = date.fromisoformat(picked) if isinstance(picked, str) else None
        except ValueError:
            day = None
        return replace(draft, desired_date=day)
    if block_id == Intake.department and isinstance(chosen, str):
        # Another team's types: the same kind of request if it has one of that key.
        offered = {t.key for t in config.request_types_for(chosen)}
        kind = draft.request_type if draft.request_type in offered else None
        return replace(draft, fulfilling_department=chosen, request_type=kind)
    if block_id == type_block_id(draft.fulfilling_department) and isinstance(chosen, str):
        return replace(draft, request_type=chosen)
    if block_id == Intake.deadline and isinstance(chosen, str):
        return replace(draft, hard_deadline=chosen == HARD)
    return draft


def before_filing(
    runtime: Runtime, config: LiaisonConfig, team_id: str, draft: RequestDraft, view: dict[str, Any]
) -> tuple[dict[str, Any] | None, bool]:
    """At submission: the answer to give instead of filing (a hard deadline before the
    realistic date not confirmed), and whether the request is filed despite the warning."""
    if draft.desired_date is None:
        return None, False
    figure = realistic_of_draft(runtime, config, team_id, draft)
    if figure is None or figure.is_realistic(draft.desired_date):
        return None, False
    if draft.hard_deadline and not confirmed_anyway(view):
        if has_block(view, Intake.file_anyway):
            return {
                "response_action": "errors",
                "errors": {Intake.file_anyway: CONFIRM_NEEDED},
            }, True
        # The box is not in the form yet (the deadline changed without Slack telling us): show
        # the warning and the box.
        updated = intake_modal(
            config=config, draft=draft, metadata=view_metadata(view), realistic=figure
        )
        return {"response_action": "update", "view": updated}, True
    return None, True
