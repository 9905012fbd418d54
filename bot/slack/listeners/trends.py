"""The Trends page: the Home's *Trends* button (shown to leads and admins) opens a modal with
the twelve weeks' sentences and sparklines for the whole workspace (bot/domain/trends.py, in
the organization's time zone, as `liaison stats --weeks 12 --csv`). A modal opens at once, since
the click's trigger lasts 3 seconds, and is replaced by the page or by a refusal."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.db.session import reading
from bot.domain.requests import find_workspace
from bot.domain.trends import compute_trends
from bot.runtime import Runtime
from bot.slack.blocks.settings import notice_modal
from bot.slack.blocks.trends import trends_modal
from bot.slack.ids import HomeTrends
from bot.slack.listener_pool import after_answer
from bot.slack.listeners.intake import open_modal, update_modal
from bot.slack.teams import team_of

WORKING = "Working out the last twelve weeks…"
REFUSED = "Trends are for department leads and workspace admins."


def register(app: App, runtime: Runtime) -> None:
    @app.action(HomeTrends.button)
    def on_trends(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        after_answer(lambda: show_trends(body, client), "the trends")

    def show_trends(body: dict[str, Any], client: WebClient) -> None:
        team, user = team_of(body), body["user"]["id"]
        trigger = body.get("trigger_id")
        if not team or not isinstance(trigger, str):
            return
        opened = open_modal(client, trigger, notice_modal("Trends", WORKING))
        if opened is None:
            return
        config = runtime.config_for(team)
        wait = runtime.settings.slack_timeout_seconds
        if not runtime.permissions.access(team, user, config, wait=wait).any:
            update_modal(client, opened, notice_modal("Trends", REFUSED))
            return
        with reading(runtime.sessions) as session:
            workspace = find_workspace(session, team_id=team)
            [trends] = compute_trends(
                session,
                config=config,
                at=runtime.clock(),
                workspace_id=workspace.id if workspace is not None else -1,
            )
        names = {d.key: d.name for d in config.departments}
        update_modal(client, opened, trends_modal(trends.payload(names), "All departments"))
