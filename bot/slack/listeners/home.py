"""The Home tab: opening it publishes it, and remembers that the person looks at it, so that
changes to the requests it shows publish it again (bot/domain/outbox.py `refresh_card`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from sqlalchemy.orm import Session

from bot.db.session import transaction
from bot.db.upsert import insert_ignoring_conflicts
from bot.domain import outbox
from bot.domain.home import SECTIONS
from bot.domain.models import HomeVisit
from bot.domain.requests import ensure_workspace
from bot.runtime import Runtime
from bot.slack.ids import HomeMore
from bot.slack.inbox import EventListener
from bot.slack.listeners.operations import first_delivery
from bot.slack.teams import team_of


def listeners(runtime: Runtime) -> dict[str, EventListener]:
    """The listener of each event type this module reads, for the inbox."""

    def on_app_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        user, team = event.get("user"), team_of(body)
        if event.get("tab") != "home" or not isinstance(user, str) or not team:
            return  # the Messages tab, or nobody to show a Home to
        now = runtime.clock()
        with transaction(runtime.sessions) as session:
            if not first_delivery(session, str(body.get("event_id")), now):
                return
            workspace = ensure_workspace(session, team_id=team, now=now)
            remember_visit(session, workspace_id=workspace.id, user_id=user, now=now)
            outbox.publish_home(session, workspace_id=workspace.id, user_id=user, now=now)
        runtime.outbox.send_homes()  # already after the answer to Slack

    return {"app_home_opened": on_app_home_opened}


def register(app: App, runtime: Runtime) -> None:
    @app.action(HomeMore.button)
    def on_show_more(ack: Ack, body: dict[str, Any]) -> None:
        """Publish the Home again with the clicked section listing more."""
        ack()
        user, team = body.get("user", {}).get("id"), team_of(body)
        key = ((body.get("actions") or [{}])[0]).get("value")
        if not isinstance(user, str) or not team or key not in SECTIONS:
            return
        now = runtime.clock()
        with transaction(runtime.sessions) as session:
            workspace = ensure_workspace(session, team_id=team, now=now)
            remember_visit(session, workspace_id=workspace.id, user_id=user, now=now)
            outbox.publish_home(
                session, workspace_id=workspace.id, user_id=user, now=now, expanded=key
            )
        runtime.outbox.send_homes()


def remember_visit(session: Session, *, workspace_id: int, user_id: str, now: datetime) -> None:
    """Record that `user_id` opened the Home tab at `now`."""
    key = {"workspace_id": workspace_id, "user_id": user_id}
    if not insert_ignoring_conflicts(
        session,
        HomeVisit,
        {**key, "first_opened_at": now, "last_opened_at": now},
        ["workspace_id", "user_id"],
    ):
        session.get_one(HomeVisit, (workspace_id, user_id)).last_opened_at = now
