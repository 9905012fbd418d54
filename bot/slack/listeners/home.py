"""The Home tab: opening it publishes it, and remembers that the person looks at it, so that
changes to the requests it shows publish it again (bot/domain/outbox.py `refresh_card`)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from slack_bolt import Ack, App
from sqlalchemy.orm import Session

from bot.db.session import transaction
from bot.db.upsert import insert_ignoring_conflicts
from bot.domain import outbox
from bot.domain.home import SECTIONS, expand
from bot.domain.models import HomeVisit
from bot.domain.requests import ensure_workspace
from bot.runtime import Runtime
from bot.slack.ids import HomeItem, HomeMore
from bot.slack.inbox import EventListener
from bot.slack.listener_pool import after_answer
from bot.slack.listeners.operations import first_delivery
from bot.slack.listeners.setup import home_setup
from bot.slack.teams import team_of


def listeners(runtime: Runtime) -> dict[str, EventListener]:
    """The listener of each event type this module reads, for the inbox."""

    def on_app_home_opened(event: dict[str, Any], body: dict[str, Any]) -> None:
        user, team = event.get("user"), team_of(body)
        if event.get("tab") != "home" or not isinstance(user, str) or not team:
            return  # the Messages tab, or nobody to show a Home to
        setup = home_setup(runtime, team, user)  # may ask Slack: before the transaction
        if setup is None:
            learn_settings_access(runtime, team, user)
        now = runtime.clock()
        with transaction(runtime.sessions) as session:
            if not first_delivery(session, str(body.get("event_id")), now):
                return
            workspace = ensure_workspace(session, team_id=team, now=now)
            remember_visit(session, workspace_id=workspace.id, user_id=user, now=now)
            outbox.publish_home(
                session, workspace_id=workspace.id, user_id=user, now=now, setup=setup
            )
        runtime.outbox.send_homes()  # already after the answer to Slack

    return {"app_home_opened": on_app_home_opened}


def register(app: App, runtime: Runtime) -> None:
    def expansion(shown: bool) -> Callable[..., None]:
        def on_click(ack: Ack, body: dict[str, Any]) -> None:
            """Publish the Home again with the clicked section listed at length (or not), and
            remember it for every later publish."""
            ack()
            after_answer(lambda: show_section(body), "a Home section shown")

        def show_section(body: dict[str, Any]) -> None:
            user, team = body.get("user", {}).get("id"), team_of(body)
            key = ((body.get("actions") or [{}])[0]).get("value")
            if not isinstance(user, str) or not team or key not in SECTIONS:
                return
            now = runtime.clock()
            with transaction(runtime.sessions) as session:
                workspace = ensure_workspace(session, team_id=team, now=now)
                visit = remember_visit(session, workspace_id=workspace.id, user_id=user, now=now)
                visit.expanded = expand(visit.expanded, key, shown=shown)
                outbox.publish_home(session, workspace_id=workspace.id, user_id=user, now=now)
            runtime.outbox.send_homes()

        return on_click

    app.action(HomeMore.button)(expansion(True))
    app.action(HomeMore.fewer)(expansion(False))

    @app.action(HomeItem.open_card)
    def on_open_card(ack: Ack) -> None:
        """Slack opens the link itself; the click is only acknowledged."""
        ack()


def learn_settings_access(runtime: Runtime, team_id: str, user_id: str) -> None:
    """Ask Slack, before the Home is built, whether the person may see Settings (the Home is
    built inside a transaction, where Slack is not asked; the answer is kept a while)."""
    config = runtime.config_for(team_id)
    runtime.permissions.access(
        team_id, user_id, config, wait=runtime.settings.slack_timeout_seconds
    )


def remember_visit(
    session: Session, *, workspace_id: int, user_id: str, now: datetime
) -> HomeVisit:
    """Record that `user_id` opened the Home tab at `now`; their visit."""
    key = {"workspace_id": workspace_id, "user_id": user_id}
    inserted = insert_ignoring_conflicts(
        session,
        HomeVisit,
        {**key, "first_opened_at": now, "last_opened_at": now, "expanded": ""},
        ["workspace_id", "user_id"],
    )
    visit = session.get_one(HomeVisit, (workspace_id, user_id))
    if not inserted:
        visit.last_opened_at = now
    return visit
