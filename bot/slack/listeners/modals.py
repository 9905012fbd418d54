"""Actions that need a few words first: asking the requester, declining, editing (from the card,
the requester's DM, or "Cut scope" in a negotiation). Each opens a modal; its submission runs the
workflow and shows a refusal as an error inside the modal."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain import requests
from bot.domain.lifecycle import Surface
from bot.domain.models import Request
from bot.domain.requests import RequestDraft
from bot.domain.workflow import Attempt, Workflow
from bot.runtime import Runtime
from bot.slack.blocks.forms import ViewValues
from bot.slack.blocks.intake import (
    field_errors,
    intake_modal,
    read_intake,
    redrawn,
    shows_its_type,
    view_metadata,
)
from bot.slack.blocks.notes import note_modal
from bot.slack.ids import AskModal, Card, DeclineModal, EditModal, Negotiation, Requester
from bot.slack.listener_pool import after_answer
from bot.slack.listeners.actions import NOT_UNDERSTOOD, clicked, request_id_of
from bot.slack.listeners.operations import answer_privately, apply, by_id, open_modal, submit_form
from bot.slack.listeners.requester_dm import origin_of, settle_origin
from bot.slack.teams import team_of


def draft_of(request: Request) -> RequestDraft:
    return RequestDraft(
        title=request.title,
        details=request.details,
        client=request.client,
        impact=request.impact,
        desired_date=request.desired_date,
        hard_deadline=request.hard_deadline,
        promised_to_client=request.promised_to_client,
        fulfilling_department=request.fulfilling_department.key,
        source_permalink=request.source_permalink,
        request_type=request.request_type,
        type_fields=dict(request.type_fields or {}),
    )


def register(app: App, runtime: Runtime) -> None:
    def precheck(body: dict[str, Any], client: WebClient, check: Any) -> Request | None:
        """Open a modal only for someone allowed to use it; tell anyone else why not."""
        user = body["user"]["id"]
        request_id = request_id_of(clicked(body).get("value"))
        if request_id is None:
            answer_privately(runtime, client, body, NOT_UNDERSTOOD)
            return None
        found: list[Request] = []

        def operate(workflow: Workflow, request: Request) -> None:
            check(workflow, request, user)
            found.append(request)

        outcome = apply(runtime, by_id(request_id, team_of(body)), operate, deliver=False)
        if outcome is not None and outcome.refused:
            answer_privately(runtime, client, body, outcome.message or "")
        return found[0] if found else None

    def note_opener(
        attempt: Attempt, callback: str, title: str, intro: str, label: str, block_id: str
    ) -> Any:
        """A button that opens a modal asking for a few words, for members of the team."""

        def on_click(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            after_answer(lambda: open_note(body, client), "opening a note modal")

        def open_note(body: dict[str, Any], client: WebClient) -> None:
            def check(wf: Workflow, r: Request, user: str) -> None:
                wf.require_open(r)
                wf.require_member(r, user, attempt)

            request = precheck(body, client, check)
            if request is not None:
                view = note_modal(
                    callback,
                    title.format(reference=request.reference),
                    intro.format(requester=request.requester_id),
                    label,
                    block_id,
                    {"request_id": request.id},
                )
                open_modal(client, body["trigger_id"], view)

        return on_click

    app.action(Card.ask)(
        note_opener(
            Attempt.ASK,
            AskModal.callback,
            "Ask about {reference}",
            "Your question goes to <@{requester}> in the card's thread and by DM.",
            "What do you need to know?",
            AskModal.question,
        )
    )
    app.action(Card.decline)(
        note_opener(
            Attempt.DECLINE,
            DeclineModal.callback,
            "Decline {reference}",
            "The reason goes to <@{requester}>, who filed it.",
            "Why can't the team take it on?",
            DeclineModal.reason,
        )
    )

    def on_edit(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        after_answer(lambda: open_edit(body, client), "opening the edit modal")

    def open_edit(body: dict[str, Any], client: WebClient) -> None:
        def check(wf: Workflow, r: Request, user: str) -> None:
            wf.require_requester(r, user, Attempt.EDIT)
            wf.require_open(r)

        request = precheck(body, client, check)
        if request is not None:
            view = intake_modal(
                config=runtime.config_for(team_of(body)),
                draft=draft_of(request),
                metadata={
                    "request_id": request.id,
                    "editing": request.reference,
                    "current_type": request.request_type,
                    **origin_of(body),
                },
                editing=request.reference,
            )
            open_modal(client, body["trigger_id"], view)

    for action_id in (Card.edit, Requester.edit, Negotiation.cut_scope):
        app.action(action_id)(on_edit)

    def note_submission(block_id: str, missing: str, operate: Any) -> Any:
        """The submission of a modal from `note_opener`: the note is required."""

        def on_submit(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
            user, note = body["user"]["id"], ViewValues(view).text(block_id)
            if not note:
                ack(response_action="errors", errors={block_id: missing})
                return
            submit_form(
                runtime, ack, body, view, lambda wf, r: operate(wf, r, user, note), block_id
            )

        return on_submit

    app.view(AskModal.callback)(
        note_submission(
            AskModal.question,
            "Write your question.",
            lambda wf, r, user, note: wf.ask_requester(r, user, note, Surface.MODAL),
        )
    )
    app.view(DeclineModal.callback)(
        note_submission(
            DeclineModal.reason,
            "Give a reason.",
            lambda wf, r, user, note: wf.decline(r, user, note, Surface.MODAL),
        )
    )

    @app.view(EditModal.callback)
    def on_edit_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        user = body["user"]["id"]
        config = runtime.config_for(team_of(body))
        draft = read_intake(view, config=config)
        if not shows_its_type(view, draft):
            ack(response_action="update", view=redrawn(view, draft, config))
            return
        today = runtime.clock().astimezone(ZoneInfo(config.organization.timezone)).date()
        current = view_metadata(view).get("current_type")
        problems = requests.validate_draft(
            draft,
            today=today,
            config=config,
            current_type=current if isinstance(current, str) else None,
        )
        if problems:
            ack(response_action="errors", errors=field_errors(problems, config=config, draft=draft))
            return
        draft = requests.clean_draft(draft, config=config)
        submit_form(
            runtime,
            ack,
            body,
            view,
            lambda wf, r: wf.edit(r, user, draft, Surface.MODAL),
            "title",
            # the DM prompt the form was opened from is decided
            on_success=lambda outcome: settle_origin(client, view_metadata(view), outcome.message),
        )
