"""A lead's overrides, from the card's menu or a Home *Needs attention* item: a choice is checked
first (anyone else is told privately why not, and nothing opens), then opens its modal; the
modal's submission runs the override, a refusal shown on the modal's field."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.lifecycle import Status, Surface
from bot.domain.models import Request
from bot.domain.workflow import Done, Workflow
from bot.runtime import Runtime
from bot.slack.blocks.forms import ViewValues
from bot.slack.blocks.intake import view_metadata
from bot.slack.blocks.overrides import (
    CLOSE_CHOICES,
    close_modal,
    commit_date_modal,
    reassign_modal,
    reopen_modal,
)
from bot.slack.ids import LeadActions
from bot.slack.listener_pool import after_answer
from bot.slack.listeners.actions import NOT_UNDERSTOOD, clicked, request_id_of
from bot.slack.listeners.operations import (
    answer_privately,
    from_home,
    open_checked_modal,
    submit_form,
)

# Where the modal was opened from, as its metadata says and the event records it.
HOME = "home"


@dataclass(frozen=True)
class Choice:
    """One override: the check made before its modal opens, and the modal."""

    check: Callable[[Workflow, Request, str], None]
    modal: Callable[[Workflow, Request, dict[str, Any]], dict[str, Any]]


CHOICES = {
    LeadActions.reassign: Choice(
        lambda wf, r, u: wf.may_reassign(r, u), lambda wf, r, meta: reassign_modal(r, meta)
    ),
    LeadActions.commit_date: Choice(
        lambda wf, r, u: wf.may_set_committed_date(r, u),
        lambda wf, r, meta: commit_date_modal(r, meta, today=wf.today(r)),
    ),
    LeadActions.reopen: Choice(
        lambda wf, r, u: wf.may_reopen(r, u), lambda wf, r, meta: reopen_modal(r, meta)
    ),
    LeadActions.close: Choice(
        lambda wf, r, u: wf.may_close(r, u), lambda wf, r, meta: close_modal(r, meta)
    ),
}
OUTCOMES = {value: Status(value) for value, _ in CLOSE_CHOICES}

MISSING_REASON = "Write a few words: the requester and the claimer read them."
MISSING_DATE = "Pick the date that was agreed."
MISSING_PERSON = "Pick the person who should do it."
MISSING_OUTCOME = "Pick how to close it."


def surface_of(view: dict[str, Any]) -> Surface:
    return Surface.HOME if view_metadata(view).get("from") == HOME else Surface.MODAL


def register(app: App, runtime: Runtime) -> None:
    @app.action(LeadActions.menu)
    def on_lead_action(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        after_answer(lambda: open_lead_action(body, client), "a lead action")

    def open_lead_action(body: dict[str, Any], client: WebClient) -> None:
        user, home = body["user"]["id"], from_home(body)

        def answer(message: str) -> None:
            answer_privately(runtime, client, body, message)

        action = clicked(body)
        value = (action.get("selected_option") or {}).get("value") or action.get("value")
        head, _, name = value.partition(":") if isinstance(value, str) else ("", "", "")
        choice, request_id = CHOICES.get(name), request_id_of(head)
        if choice is None or request_id is None:
            answer(NOT_UNDERSTOOD)
            return

        def modal_for(wf: Workflow, request: Request) -> dict[str, Any]:
            choice.check(wf, request, user)
            metadata = {"request_id": request.id, "from": HOME if home else "card"}
            return choice.modal(wf, request, metadata)

        open_checked_modal(runtime, client, body, request_id, modal_for)

    def submit(
        ack: Ack,
        body: dict[str, Any],
        view: dict[str, Any],
        errors: dict[str, str],
        act: Callable[[Workflow, Request, Surface], Done],
        error_block: str,
    ) -> None:
        """One override's submission: the missing fields' errors, or the override run as the
        lead's, from where the modal was opened, its refusal shown on `error_block`."""
        if errors:
            ack(response_action="errors", errors=errors)
            return
        surface = surface_of(view)
        submit_form(runtime, ack, body, view, lambda wf, r: act(wf, r, surface), error_block)

    @app.view(LeadActions.reassign_callback)
    def on_reassign(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        lead, to_user = body["user"]["id"], ViewValues(view).user(LeadActions.assignee)
        submit(
            ack,
            body,
            view,
            {} if to_user else {LeadActions.assignee: MISSING_PERSON},
            lambda wf, r, surface: wf.reassign(r, lead, str(to_user), surface),
            LeadActions.assignee,
        )

    @app.view(LeadActions.commit_date_callback)
    def on_commit_date(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = ViewValues(view)
        lead, reason = body["user"]["id"], values.text(LeadActions.reason)
        day = values.day(LeadActions.date)
        errors = {}
        if day is None:
            errors[LeadActions.date] = MISSING_DATE
        if not reason:
            errors[LeadActions.reason] = MISSING_REASON
        submit(
            ack,
            body,
            view,
            errors,
            lambda wf, r, surface: wf.set_committed_date(r, lead, day, reason, surface),
            LeadActions.date,
        )

    @app.view(LeadActions.reopen_callback)
    def on_reopen(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        lead, reason = body["user"]["id"], ViewValues(view).text(LeadActions.reason)
        submit(
            ack,
            body,
            view,
            {} if reason else {LeadActions.reason: MISSING_REASON},
            lambda wf, r, surface: wf.reopen(r, lead, reason, surface),
            LeadActions.reason,
        )

    @app.view(LeadActions.close_callback)
    def on_close(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        values = ViewValues(view)
        lead, reason = body["user"]["id"], values.text(LeadActions.reason)
        outcome = OUTCOMES.get(values.chosen(LeadActions.outcome) or "")
        errors = {}
        if outcome is None:
            errors[LeadActions.outcome] = MISSING_OUTCOME
        if not reason:
            errors[LeadActions.reason] = MISSING_REASON
        submit(
            ack,
            body,
            view,
            errors,
            lambda wf, r, surface: wf.close_stale(r, lead, outcome, reason, surface),
            LeadActions.reason,
        )
