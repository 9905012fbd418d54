"""Estimating from the card: the menu's usual sizes at once, or any other through the
*Estimate…* modal (whole or half working days; reactions keep their own 1–10)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.estimates import InvalidEstimate, parse_estimate_days
from bot.domain.lifecycle import Surface
from bot.domain.models import Request
from bot.domain.workflow import Attempt, Workflow
from bot.runtime import Runtime
from bot.slack.blocks.card import ESTIMATE_OPTIONS
from bot.slack.blocks.estimate import estimate_modal
from bot.slack.blocks.forms import ViewValues
from bot.slack.ids import Card, EstimateModal
from bot.slack.intents import intent_key
from bot.slack.listener_pool import after_answer
from bot.slack.listeners.actions import NOT_UNDERSTOOD, clicked, request_id_of
from bot.slack.listeners.operations import (
    GONE,
    answer_privately,
    apply,
    by_id,
    open_checked_modal,
    submit_form,
)
from bot.slack.teams import team_of


def _menu_choice(body: dict[str, Any]) -> tuple[int | None, str]:
    """The request id and the option the estimate menu's value names (`<id>:<choice>`)."""
    value = (clicked(body).get("selected_option") or {}).get("value")
    head, _, choice = value.partition(":") if isinstance(value, str) else ("", "", "")
    return request_id_of(head), choice


def register(app: App, runtime: Runtime) -> None:
    @app.action(Card.estimate)
    def on_estimate(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        after_answer(lambda: estimate(body, client), "an estimate")

    def estimate(body: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        request_id, choice = _menu_choice(body)
        if request_id is None:
            answer_privately(runtime, client, body, NOT_UNDERSTOOD)
            return
        if choice == Card.estimate_other:
            open_estimate_modal(body, client, request_id)
            return
        days = ESTIMATE_OPTIONS.get(choice)
        if days is None:  # not an option the card offers
            answer_privately(runtime, client, body, NOT_UNDERSTOOD)
            return
        outcome = apply(
            runtime,
            by_id(request_id, team_of(body)),
            lambda wf, r: wf.estimate(r, user, days, Surface.BUTTON),
            intent=intent_key(body),
        )
        if outcome is not None and outcome.repeated:
            return
        if outcome is None or outcome.refused:
            answer_privately(runtime, client, body, (outcome.message or "") if outcome else GONE)

    def open_estimate_modal(body: dict[str, Any], client: WebClient, request_id: int) -> None:
        """Open the modal only for someone who may estimate; tell anyone else why not."""
        user = body["user"]["id"]

        def modal_for(workflow: Workflow, request: Request) -> dict[str, Any]:
            workflow.require_open(request)
            workflow.require_member(request, user, Attempt.ESTIMATE)
            mine = next((e.days for e in request.estimates if e.estimator_id == user), None)
            return estimate_modal(request_id=request.id, reference=request.reference, current=mine)

        open_checked_modal(runtime, client, body, request_id, modal_for)

    @app.view(EstimateModal.callback)
    def on_estimate_submitted(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        user = body["user"]["id"]
        try:
            days = parse_estimate_days(ViewValues(view).text(EstimateModal.days))
        except InvalidEstimate as problem:
            ack(response_action="errors", errors={EstimateModal.days: str(problem)})
            return
        submit_form(
            runtime,
            ack,
            body,
            view,
            lambda wf, r: wf.estimate(r, user, days, Surface.MODAL),
            EstimateModal.days,
        )
