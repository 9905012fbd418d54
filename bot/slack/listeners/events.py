"""Events on request cards: reactions (claim, estimate, ask, deliver, decline, not ready) and
replies in a card's thread (answers from the requester, decline reasons)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from bot.domain.lifecycle import Surface
from bot.domain.models import Request
from bot.domain.numbers import whole_number
from bot.domain.workflow import Done, Workflow, find_by_card
from bot.runtime import Runtime
from bot.slack.blocks.not_ready import offer
from bot.slack.inbox import EventListener
from bot.slack.listeners.operations import apply, tell, tell_reactor
from bot.slack.teams import team_of

# Message subtypes that are a person writing (thread_broadcast: "also send to channel").
_PERSON_WRITING = (None, "thread_broadcast", "file_share")


def listeners(runtime: Runtime) -> dict[str, EventListener]:
    """The listener of each event type this module reads, for the inbox."""

    def on_reaction_added(event: dict[str, Any], body: dict[str, Any]) -> None:
        item = event.get("item") or {}
        reactions = runtime.config_for(team_of(body)).reactions
        action = reactions.action_for(str(event.get("reaction", "")))
        user = event.get("user")
        if item.get("type") != "message" or action is None or not user:
            return  # not a reaction Liaison reads: ignore quietly

        def operate(workflow: Workflow, request: Request) -> Done | None:
            surface = Surface.REACTION
            if action.kind == "claim":
                return workflow.claim(request, user, surface)
            if action.kind == "estimate":
                assert action.days is not None
                return workflow.estimate(request, user, action.days, surface)
            if action.kind == "needs_info":
                return workflow.ask_requester(request, user, None, surface)
            if action.kind == "deliver":
                return workflow.deliver(request, user, surface)
            if action.kind == "not_ready":
                return workflow.offer_send_back(request, user)
            return workflow.request_decline(request, user, surface)

        channel, ts, team = item.get("channel"), item.get("ts"), team_of(body)
        outcome = apply(
            runtime,
            lambda session: find_by_card(session, team_id=team, channel=channel, ts=ts),
            operate,
            event_id=body.get("event_id"),
        )
        if outcome is not None and outcome.refused:
            tell_reactor(runtime.client_for(team), channel, user, outcome.message or "")
        elif outcome is not None and action.kind == "not_ready" and outcome.request_id:
            offered = offer(outcome.message or "", outcome.request_id)
            client = runtime.client_for(team)
            tell_reactor(client, channel, user, offered["text"], offered["blocks"])

    def on_reaction_removed(event: dict[str, Any], body: dict[str, Any]) -> None:
        item = event.get("item") or {}
        reactions = runtime.config_for(team_of(body)).reactions
        action = reactions.action_for(str(event.get("reaction", "")))
        user = event.get("user")
        if item.get("type") != "message" or action is None or not user:
            return
        if action.kind not in ("claim", "decline", "needs_info"):
            return

        def operate(workflow: Workflow, request: Request) -> Done | None:
            # Taking the reaction back takes back what still waits for someone's reply.
            if action.kind == "decline":
                workflow.withdraw_decline(request, user)
                return None
            if action.kind == "needs_info":
                workflow.withdraw_question(request, user, Surface.REACTION)
                return None
            # Only the claimer's own reaction un-claims; others removing theirs changes nothing.
            if request.claimer_id != user:
                return None
            return workflow.unclaim(request, user, Surface.REACTION)

        channel, ts, team = item.get("channel"), item.get("ts"), team_of(body)
        apply(
            runtime,
            lambda session: find_by_card(session, team_id=team, channel=channel, ts=ts),
            operate,
            event_id=body.get("event_id"),
        )

    def on_message(event: dict[str, Any], body: dict[str, Any]) -> None:
        thread_ts, user = event.get("thread_ts"), event.get("user")
        if (
            not thread_ts
            or thread_ts == event.get("ts")
            or not user
            or event.get("bot_id")
            or event.get("subtype") not in _PERSON_WRITING
        ):
            return
        channel, text, team = event.get("channel"), event.get("text") or "", team_of(body)
        written_at = slack_time(event.get("ts"))
        if written_at is None:
            return  # no time to tell whether it answers what was asked: not a reply we read

        def operate(workflow: Workflow, request: Request) -> Done | None:
            return workflow.thread_reply(request, user, text, written_at)

        outcome = apply(
            runtime,
            lambda session: find_by_card(session, team_id=team, channel=channel, ts=thread_ts),
            operate,
            event_id=body.get("event_id"),
        )
        if outcome is not None and outcome.message:
            tell(runtime.client_for(team), channel, user, outcome.message)

    return {
        "reaction_added": on_reaction_added,
        "reaction_removed": on_reaction_removed,
        "message": on_message,
    }


# Ten digits of seconds: any message written before the year 2286.
SLACK_TS_MAX_SECONDS = 10**10 - 1


def slack_time(ts: object) -> datetime | None:
    """When a Slack message was written, from its `ts` ("1733065200.000100"); None when `ts`
    is not one."""
    seconds, _, fraction = ts.partition(".") if isinstance(ts, str) else ("", "", "")
    whole = whole_number(seconds, low=0, high=SLACK_TS_MAX_SECONDS)
    if whole is None or (fraction and whole_number(fraction[:6], low=0) is None):
        return None
    micros = int(fraction[:6].ljust(6, "0")) if fraction else 0
    return datetime.fromtimestamp(whole, UTC) + timedelta(microseconds=micros)
