"""Decisions a requester takes in the bot's DM, who may be in none of the team's channels:
answering a question (a button and a modal; the answer is copied into the card's thread) or
completing a request sent back as not ready (the same button opens the fields named), and
the answers to clicks there. A decided prompt's buttons give way to the outcome; refusals reach
the clicker through the click's response_url, the only private answer that works in someone
else's DM."""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.lifecycle import Surface
from bot.domain.models import Request
from bot.domain.numbers import whole_number
from bot.domain.requests import not_ready_episode, open_question
from bot.domain.workflow import Workflow
from bot.runtime import Runtime
from bot.slack.blocks.dm import answer_modal, origin, settled, settled_prompt
from bot.slack.blocks.forms import ViewValues
from bot.slack.blocks.intake import view_metadata
from bot.slack.blocks.not_ready import complete_modal
from bot.slack.ids import Answer, Negotiation, NotReady, Requester
from bot.slack.listener_pool import after_answer
from bot.slack.listeners.operations import (
    GONE,
    Outcome,
    answer_privately,
    open_checked_modal,
    submit_form,
)

log = logging.getLogger(__name__)

# Clicks that decide the prompt they sit in, and the buttons that stay once they did: after an
# escalation the requester may still accept the date or cut scope.
DECIDING: dict[str, frozenset[str]] = {
    Negotiation.accept: frozenset(),
    Negotiation.escalate: frozenset({Negotiation.accept, Negotiation.cut_scope}),
    Requester.helpful: frozenset(),
    Requester.not_helpful: frozenset(),
    Requester.cancel: frozenset(),
}
# Prompts a modal decides: the clicked block, when it is the whole prompt (not one item of a
# reminder listing several requests), is replaced once the modal is submitted.
DECIDED_BY_MODAL = frozenset({Answer.block, Negotiation.block, NotReady.block})


def in_dm(body: dict[str, Any]) -> bool:
    """Whether the click happened in a message of the bot's DM with someone."""
    container = body.get("container") or {}
    return container.get("type") == "message" and str(container.get("channel_id", ""))[:1] == "D"


def _clicked(body: dict[str, Any]) -> dict[str, Any]:
    return (body.get("actions") or [{}])[0]


def answer_in_dm(
    runtime: Runtime,
    client: WebClient,
    body: dict[str, Any],
    outcome: Outcome | None,
    *,
    tell_success: bool,
) -> None:
    """Answer a click in a DM: a deciding click replaces the prompt's buttons with its outcome;
    a refusal (a stale prompt, or someone who may not decide) is said privately."""
    action = _clicked(body)
    if outcome is None:
        answer_privately(runtime, client, body, GONE)
    elif outcome.refused:
        answer_privately(runtime, client, body, outcome.message or "")
    elif action.get("action_id") in DECIDING:
        message = body.get("message") or {}
        container = body.get("container") or {}
        blocks = settled(
            message.get("blocks") or [],
            block_id=str(action.get("block_id", "")),
            outcome=outcome.message or "Done.",
            keep=DECIDING[action["action_id"]],
        )
        update_prompt(client, container.get("channel_id"), container.get("message_ts"), blocks)
    elif tell_success and outcome.message:
        answer_privately(runtime, client, body, outcome.message)


def update_prompt(
    client: WebClient, channel: object, ts: object, blocks: list[dict[str, Any]]
) -> None:
    """Show a decided prompt without its buttons (best effort: a click on a button left behind
    is refused with an explanation)."""
    if not isinstance(channel, str) or not isinstance(ts, str) or not channel or not ts:
        return
    fallback = next(
        (b["text"]["text"] for b in blocks if b.get("type") == "section" and b.get("text")), ""
    )
    try:
        client.chat_update(channel=channel, ts=ts, text=fallback or "Decided.", blocks=blocks)
    except SlackApiError as error:
        log.info("could not update a decided prompt: %s", error.response.get("error"))
    except OSError as error:
        log.info("could not update a decided prompt: %s", error)


def origin_of(body: dict[str, Any]) -> dict[str, Any]:
    """For a modal opened from a DM prompt it decides: {"origin": …} to put in its metadata."""
    container = body.get("container") or {}
    if not in_dm(body) or _clicked(body).get("block_id") not in DECIDED_BY_MODAL:
        return {}
    message = body.get("message") or {}
    return {
        "origin": origin(
            str(container.get("channel_id")), str(container.get("message_ts")), message.get("text")
        )
    }


def settle_origin(client: WebClient, metadata: dict[str, Any], outcome: str | None) -> None:
    """After a modal's successful submission: the prompt it was opened from shows the outcome."""
    found = metadata.get("origin")
    if not isinstance(found, dict):
        return
    prompt = found.get("text") if isinstance(found.get("text"), str) else ""
    blocks = settled_prompt(prompt, outcome or "Done.")
    update_prompt(client, found.get("channel"), found.get("ts"), blocks)


def completion_modal(
    workflow: Workflow, request: Request, episode: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    """The modal in which the requester completes `request`, sent back in `episode` (the
    not_ready event's data): the fields named, showing what the request holds now. Opened from
    the DM's prompt, that prompt shows the outcome once it is submitted (when the metadata has
    room for it)."""
    kind = workflow.request_type_of(request)
    named = kind.only(episode.get("missing") or []) if kind is not None else None
    fields = named.fields if named is not None else ()
    note = episode.get("note")
    metadata: dict[str, Any] = {
        "request_id": request.id,
        "department": request.fulfilling_department.key,
        "type": request.request_type,
        "missing": [f.key for f in fields],
    }
    with_origin = metadata | origin_of(body)
    if len(json.dumps(with_origin)) <= MAX_METADATA:
        metadata = with_origin
    return complete_modal(
        reference=request.reference,
        asker=request.info_asked_by,
        request_type=named,
        values=dict(request.type_fields or {}),
        note=note if isinstance(note, str) else None,
        metadata=metadata,
    )


# Slack's limit on a view's private_metadata.
MAX_METADATA = 3000


def register(app: App, runtime: Runtime) -> None:
    @app.action(NotReady.complete)
    @app.action(Answer.button)
    def on_answer(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        after_answer(lambda: open_answer(body, client), "opening the answer modal")

    def open_answer(body: dict[str, Any], client: WebClient) -> None:
        user = body["user"]["id"]
        request_id = whole_number(_clicked(body).get("value"))
        if request_id is None:
            answer_privately(runtime, client, body, GONE)
            return

        def modal_for(workflow: Workflow, request: Request) -> dict[str, Any]:
            workflow.require_open_question(request, user)
            episode = not_ready_episode(workflow.session, request)
            if episode is not None:  # sent back as not ready: the fields named, to complete
                return completion_modal(workflow, request, episode, body)
            return answer_modal(
                reference=request.reference,
                asker=request.info_asked_by,
                question=open_question(workflow.session, request=request),
                metadata={"request_id": request.id, **origin_of(body)},
            )

        open_checked_modal(runtime, client, body, request_id, modal_for)

    @app.view(Answer.callback)
    def on_answer_submitted(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        user, answer = body["user"]["id"], ViewValues(view).text(Answer.answer)
        if not answer:
            ack(response_action="errors", errors={Answer.answer: "Write your answer."})
            return
        submit_form(
            runtime,
            ack,
            body,
            view,
            lambda wf, r: wf.answer_question(r, user, answer, Surface.MODAL),
            Answer.answer,
            on_success=lambda outcome: settle_origin(client, view_metadata(view), outcome.message),
        )
