"""Buttons and menus: on request cards, in negotiations, and in the requester's DMs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient

from bot.db.models import Request
from bot.domain.lifecycle import Surface
from bot.domain.nudges import NudgeKind
from bot.domain.workflow import Refusal, Workflow
from bot.runtime import Runtime
from bot.slack.ids import Card, Negotiation, Nudges, Requester
from bot.slack.listeners.operations import answer_click, apply, by_id

Button = Callable[[Workflow, Request, str], str | None]
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
}


def where(body: dict[str, Any]) -> str | None:
    """The channel the click happened in (for a private answer)."""
    container = body.get("container") or {}
    return container.get("channel_id") or (body.get("channel") or {}).get("id")


def clicked(body: dict[str, Any]) -> dict[str, Any]:
    return (body.get("actions") or [{}])[0]


def request_id_of(value: object) -> int | None:
    head = str(value or "").split(":", 1)[0]
    return int(head) if head.isdigit() else None


def register(app: App, runtime: Runtime) -> None:
    def run(
        body: dict[str, Any],
        client: WebClient,
        respond: Respond | None,
        request_id: int | None,
        button: Button,
    ) -> None:
        user = body["user"]["id"]
        if request_id is None:
            return
        outcome = apply(runtime, by_id(request_id), lambda wf, r: button(wf, r, user))
        if outcome is None:
            answer_click(respond, client, where(body), user, "That request no longer exists.")
        elif outcome.refused or clicked(body).get("action_id") in _ANSWERED:
            answer_click(respond, client, where(body), user, outcome.message or "")

    def simple(button: Button) -> Callable[..., None]:
        # Bolt passes listener arguments by name, so the button is bound in a closure.
        def handle(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
            ack()
            run(body, client, respond, request_id_of(clicked(body).get("value")), button)

        return handle

    for action_id, button in _SIMPLE.items():
        app.action(action_id)(simple(button))

    @app.action(Card.estimate)
    def on_estimate(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        value = str((clicked(body).get("selected_option") or {}).get("value", ""))
        request_id, _, days = value.partition(":")
        if not request_id.isdigit() or not days.isdigit():
            return
        run(
            body, client, respond, int(request_id), lambda wf, r, u: wf.estimate(r, u, int(days), B)
        )

    @app.action(Nudges.snooze)
    def on_snooze(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        value = str((clicked(body).get("selected_option") or {}).get("value", ""))
        request_id, _, rest = value.partition(":")
        kind, _, days = rest.partition(":")
        if not request_id.isdigit() or kind not in NUDGE_KINDS or not days.isdigit():
            return
        run(
            body,
            client,
            respond,
            int(request_id),
            lambda wf, r, u: wf.snooze(r, u, kind, int(days), B),
        )

    @app.action(Card.reassign)
    def on_reassign(ack: Ack, body: dict[str, Any], client: WebClient, respond: Respond) -> None:
        ack()
        action = clicked(body)
        to_user = action.get("selected_user")
        request_id = request_id_of(str(action.get("block_id", "")).rpartition(":")[2])
        if not to_user:
            return

        def reassign(wf: Workflow, r: Request, u: str) -> str:
            return wf.reassign(r, u, to_user, B)

        run(body, client, respond, request_id, reassign)


# Clicks whose success is worth a private word (the others show on the card or in the thread).
_ANSWERED = frozenset(
    {
        Requester.helpful,
        Requester.not_helpful,
        Requester.cancel,
        Nudges.snooze,
        Negotiation.accept,
        Negotiation.escalate,
    }
)
NUDGE_KINDS = frozenset(kind.value for kind in NudgeKind)


def refuse_early(check: Callable[[], None]) -> str | None:
    """Run a permission check before opening a modal; the refusal text, or None when allowed."""
    try:
        check()
    except Refusal as refusal:
        return str(refusal)
    return None
