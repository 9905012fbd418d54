"""The Home tab's search: its button opens the modal, and each search answers in the modal
itself (`response_action: update`), listing only requests the searcher may see."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App, BoltContext
from slack_sdk import WebClient

from bot.db.session import reading
from bot.domain.request_types import request_type_of
from bot.domain.requests import Page, find_workspace
from bot.domain.search import search
from bot.runtime import Runtime
from bot.slack.blocks.forms import ViewValues
from bot.slack.blocks.search import search_modal
from bot.slack.ids import HomeSearch
from bot.slack.listener_pool import after_answer
from bot.slack.listeners.intake import departments_of
from bot.slack.listeners.operations import open_modal
from bot.slack.teams import team_of

EMPTY = "Type a request number or some words, or pick a person."


def register(app: App, runtime: Runtime) -> None:
    @app.action(HomeSearch.button)
    def on_search_clicked(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        after_answer(
            lambda: open_modal(client, body["trigger_id"], search_modal()), "opening the search"
        )

    @app.view(HomeSearch.callback)
    def on_search(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], context: BoltContext
    ) -> None:
        user = body["user"]["id"]
        words = ViewValues(view).text(HomeSearch.words)
        person = ViewValues(view).user(HomeSearch.person)
        if not words and not person:
            ack(response_action="errors", errors={HomeSearch.words: EMPTY})
            return
        with reading(runtime.sessions) as session:
            workspace = find_workspace(session, team_id=team_of(body))
            found = Page([], 0)
            if workspace is not None:
                found = search(
                    session,
                    workspace_id=workspace.id,
                    user_id=user,
                    departments=departments_of(session, runtime, context, user),
                    words=words,
                    person=person,
                )
            config = runtime.config_for(team_of(body))
            modal = search_modal(
                words=words,
                person=person,
                found=found,
                kind=lambda r: request_type_of(config, r),
            )
        ack(response_action="update", view=modal)
