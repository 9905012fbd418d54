"""Buttons and menus: on request cards, in negotiations, and in the requester's DMs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.domain.lifecycle import Surface
from bot.domain.models import Request
from bot.domain.nudges import NudgeKind
from bot.domain.numbers import whole_number
from bot.domain.workflow import Done, Workflow
from bot.runtime import Runtime
from bot.slack.ids import Card, Negotiation, Nudges, Requester, TrackerFailure
from bot.slack.intents import intent_key
from bot.slack.listener_pool import after_answer
from bot.slack.listeners.operations import GONE, answer_privately, apply, by_id, from_home
from bot.slack.listeners.requester_dm import answer_in_dm, in_dm
from bot.slack.teams import team_of

Button = Callable[[Workflow, Request, str], Done | None]
B = Surface.BUTTON

# Buttons whose click is the whole action: (workflow, request, user) -> message.
_SIMPLE: dict[str, Button] = {
    Card.claim: lambda wf, r, u: wf.claim(r, u, B),
    Card.release: lambda wf, r, u: wf.unclaim(r, u, B),
    Card.deliver: lambda wf, r, u: wf.deliver(r, u, B),
    Negotiation.accept: lambda wf, r, u: wf.accept_projection(r, u, B),
    Negotiation.escalate: lambda wf, r, u: wf.escalate(r, u, B),
    Requester.cancel: lambda wf, r, u: wf.cancel(r, u, B),
    Requester.helpful: lambda wf, r, u: wf.record_feedback(r, u, True, B),
    Requester.not_helpful: lambda wf, r, u: wf.record_feedback(r, u, False, B),
    Card.create_issue: lambda wf, r, u: wf.create_issue(r, u),
    TrackerFailure.retry: lambda wf, r, u: wf.retry_issue(r, u),
}


def clicked(body: dict[str, Any]) -> dict[str, Any]:
    return (body.get("actions") or [{}])[0]


def request_id_of(value: object) -> int | None:
    """The request id a button's value (or a value's first `:` part) names; None when it is
    not one."""
    head = value.split(":", 1)[0] if isinstance(value, str) else value
    return whole_number(head)


def selected_parts(body: dict[str, Any]) -> list[str]:
    """The `:`-separated parts of the chosen option's value ([] when there is none)."""
    value = (clicked(body).get("selected_option") or {}).get("value")
    return value.split(":") if isinstance(value, str) else []


# Numbers the menus offer are small; anything longer is not from a menu.
MAX_MENU_NUMBER = 10_000


def register(app: App, runtime: Runtime) -> None:
    def run(
        body: dict[str, Any], client: WebClient, request_id: int | None, button: Button
    ) -> None:
        user = body["user"]["id"]
        if request_id is None:
            answer_privately(runtime, client, body, NOT_UNDERSTOOD)
            return
        outcome = apply(
            runtime,
            by_id(request_id, team_of(body)),
            lambda wf, r: button(wf, r, user),
            intent=intent_key(body),
        )
        if outcome is not None and outcome.repeated:
            return
        if in_dm(body):
            answered = clicked(body).get("action_id") in _ANSWERED
            answer_in_dm(runtime, client, body, outcome, tell_success=answered)
        elif outcome is None:
            answer_privately(runtime, client, body, GONE)
        elif outcome.refused or (
            clicked(body).get("action_id") in _ANSWERED and not from_home(body)
        ):
            # On the Home tab a success shows in the Home, published again with the change.
            answer_privately(runtime, client, body, outcome.message or "")

    def simple(button: Button) -> Callable[..., None]:
        # Bolt passes listener arguments by name, so the button is bound in a closure.
        def on_click(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
            ack()
            after_answer(
                lambda: run(body, client, request_id_of(clicked(body).get("value")), button),
                "a click",
            )

        return on_click

    for action_id, button in _SIMPLE.items():
        app.action(action_id)(simple(button))

    @app.action(Nudges.snooze)
    def on_snooze(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        after_answer(lambda: snooze(body, client), "a snooze")

    def snooze(body: dict[str, Any], client: WebClient) -> None:
        parts = selected_parts(body)
        days = whole_number(parts[2], high=MAX_MENU_NUMBER) if len(parts) == 3 else None
        if days is None or parts[1] not in NUDGE_KINDS:
            answer_privately(runtime, client, body, NOT_UNDERSTOOD)
            return
        kind = parts[1]
        run(
            body,
            client,
            request_id_of(parts[0]),
            lambda wf, r, u: wf.snooze(r, u, kind, days, B),
        )

    @app.action(Card.reassign)
    def on_reassign(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        after_answer(lambda: reassign_picked(body, client), "a reassignment")

    def reassign_picked(body: dict[str, Any], client: WebClient) -> None:
        action = clicked(body)
        to_user = action.get("selected_user")
        request_id = request_id_of(str(action.get("block_id", "")).rpartition(":")[2])
        if not to_user:
            return

        def reassign(wf: Workflow, r: Request, u: str) -> Done:
            return wf.reassign(r, u, to_user, B)

        run(body, client, request_id, reassign)


# Clicks whose success is worth a private word (the others show on the card or in the thread).
_ANSWERED = frozenset(
    {
        Requester.helpful,
        Requester.not_helpful,
        Requester.cancel,
        Nudges.snooze,
        Negotiation.accept,
        Negotiation.escalate,
        Card.create_issue,
        TrackerFailure.retry,
    }
)
NUDGE_KINDS = frozenset(kind.value for kind in NudgeKind)
NOT_UNDERSTOOD = "Sorry, I couldn't read that choice. Please use the menus and buttons I posted."
