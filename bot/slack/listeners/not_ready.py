"""Not ready: a member of the fulfilling department sends a request back naming what is missing
(the card's button, or the button offered privately after the reaction, since a reaction has no
trigger to open a modal with), and the requester completes it in a modal opened from the DM
(the Answer button of a request waiting this way opens the same one)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.lifecycle import Surface
from bot.domain.models import Request
from bot.domain.workflow import Workflow
from bot.runtime import Runtime
from bot.slack.blocks.forms import ViewValues
from bot.slack.blocks.intake import view_metadata
from bot.slack.blocks.not_ready import not_ready_modal, read_not_ready
from bot.slack.blocks.type_fields import read_type_fields
from bot.slack.ids import Card, NotReady
from bot.slack.listener_pool import after_answer
from bot.slack.listeners.actions import NOT_UNDERSTOOD, clicked, request_id_of
from bot.slack.listeners.operations import (
    answer_privately,
    open_checked_modal,
    submit_form,
)
from bot.slack.listeners.requester_dm import settle_origin
from bot.slack.teams import team_of

NOTHING_NAMED = "Tick what is missing or unclear, or say what is needed."


def register(app: App, runtime: Runtime) -> None:
    def on_open(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        after_answer(lambda: open_not_ready(body, client), "opening the not-ready modal")

    def open_not_ready(body: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        request_id = request_id_of(clicked(body).get("value"))
        if request_id is None:
            answer_privately(runtime, client, body, NOT_UNDERSTOOD)
            return

        def modal_for(workflow: Workflow, request: Request) -> dict[str, Any]:
            workflow.require_may_send_back(request, user)
            return not_ready_modal(
                reference=request.reference,
                requester=request.requester_id,
                request_type=workflow.request_type_of(request),
                metadata={"request_id": request.id},
            )

        open_checked_modal(runtime, client, body, request_id, modal_for)

    app.action(Card.not_ready)(on_open)
    app.action(NotReady.open)(on_open)

    @app.view(NotReady.callback)
    def on_sent_back(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        missing, note = read_not_ready(view)
        if not missing and not note:
            ack(response_action="errors", errors={NotReady.note: NOTHING_NAMED})
            return
        submit_form(
            runtime,
            ack,
            body,
            view,
            lambda wf, r: wf.send_back_not_ready(r, user, missing, note or None, Surface.MODAL),
            NotReady.note,
        )

    @app.view(NotReady.complete_callback)
    def on_completed(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        user = body["user"]["id"]
        metadata = view_metadata(view)
        config = runtime.config_for(team_of(body))
        kind = config.request_type(metadata.get("department"), metadata.get("type"))
        named = kind.only(metadata.get("missing") or []) if kind is not None else None
        fields = named.fields if named is not None else ()
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        if named is not None and fields:
            values, errors = read_type_fields(view, named)
        answer = ViewValues(view).text(NotReady.answer)
        if not fields and not answer:
            errors[NotReady.answer] = "Write your answer."
        if errors:
            ack(response_action="errors", errors=errors)
            return
        submit_form(
            runtime,
            ack,
            body,
            view,
            lambda wf, r: wf.complete_request(r, user, values, answer or None, Surface.MODAL),
            NotReady.answer,
            on_success=lambda outcome: settle_origin(client, metadata, outcome.message),
        )
