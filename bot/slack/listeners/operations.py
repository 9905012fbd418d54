"""The one shape every request action takes in the Slack layer: one transaction that calls the
workflow, then delivery of what it queued, and a private answer when someone was refused."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from slack_bolt import Ack, Respond
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from bot.db.session import transaction
from bot.db.upsert import insert_ignoring_conflicts
from bot.domain import outbox, trackers
from bot.domain.models import ProcessedEvent, Request
from bot.domain.numbers import whole_number
from bot.domain.people import MembershipUnknown
from bot.domain.requests import find_workspace
from bot.domain.usergroups import directory_for_workspace
from bot.domain.workflow import Done, Refusal, Workflow, lock_request
from bot.runtime import Runtime
from bot.slack import text
from bot.slack.blocks.intake import view_metadata
from bot.slack.blocks.notes import notice_modal
from bot.slack.blocks.replies import UNAVAILABLE
from bot.slack.confirmations import confirmation_text
from bot.slack.intents import intent_key
from bot.slack.listener_pool import after_answer
from bot.slack.refusals import refusal_text
from bot.slack.teams import team_of

log = logging.getLogger(__name__)

# The answer while a department's user group has not been read from Slack yet (just after the
# first start): asking Slack now could make the person wait past Slack's 3 seconds.
MEMBERSHIP_LOADING = (
    "Liaison is still loading who is in which team from Slack. Please try again in a minute."
)

Finder = Callable[[Session], Request | None]
Operation = Callable[[Workflow, Request], Done | None]


@dataclass(frozen=True)
class Outcome:
    message: str | None
    refused: bool = False
    request_id: int | None = None
    # The same click or submission was handled before (a replay): nothing was done or said.
    repeated: bool = False
    # The change queued the creation of the request's issue in its tracker.
    issue_queued: bool = False


REPEATED = Outcome(None, repeated=True)


def by_id(request_id: int, team_id: str) -> Finder:
    """The request `request_id`, if it is one of `team_id`'s workspace."""
    return lambda session: lock_request(session, request_id, team_id=team_id)


def apply(
    runtime: Runtime,
    find: Finder,
    operate: Operation,
    *,
    event_id: str | None = None,
    intent: str | None = None,
    deliver: bool = True,
) -> Outcome | None:
    """Run `operate` on the request `find` returns, in one transaction, and deliver what it
    queued (unless `deliver` is false: a modal submission acknowledges first). None when there
    is no such request or the event was already handled (`event_id` is recorded in the same
    transaction as the change, so a retried event does nothing). `intent` names one click or
    submission (see bot/slack/intents.py): recorded with the change, not with a refusal, so a
    replay of it is REPEATED and does nothing."""
    now = runtime.clock()
    try:
        with transaction(runtime.sessions) as session:
            if event_id is not None and not first_delivery(session, event_id, now):
                log.info("event %s was already handled", event_id)
                return None
            if intent is not None and not first_delivery(session, intent, now):
                log.info("a click or submission was sent again; ignored")
                return REPEATED
            request = find(session)
            if request is None:
                return None
            config = runtime.config_of(session, request.workspace_id)
            directory = directory_for_workspace(
                session, config=config, workspace_id=request.workspace_id
            )
            workflow = Workflow(session, config=config, directory=directory, now=now)
            done = operate(workflow, request)
            request_id = request.id
            issue = trackers.issue_queued(session, request_id)
    except SQLAlchemyError:
        log.exception("the database failed; nothing was changed")
        return Outcome(UNAVAILABLE, refused=True)
    except Refusal as refusal:
        if event_id is not None:
            with transaction(runtime.sessions) as session:
                if not first_delivery(session, event_id, now):
                    return None  # a twin of this event, handled at the same time, said it
        return Outcome(refusal_text(refusal), refused=True)
    except MembershipUnknown:
        if event_id is not None:
            raise  # the inbox handles the event again after a backoff, once the group is read
        return Outcome(MEMBERSHIP_LOADING, refused=True)
    if deliver:
        runtime.send_soon(request_id, issue=issue)
    return Outcome(confirmation_text(done), request_id=request_id, issue_queued=issue)


GONE = "That request no longer exists."


def submit_form(
    runtime: Runtime,
    ack: Ack,
    body: dict[str, Any],
    view: dict[str, Any],
    operate: Operation,
    error_block: str,
    *,
    on_success: Callable[[Outcome], None] | None = None,
) -> None:
    """The one way a form acts on the request its metadata names: one transaction (a form sent
    again acts once), a refusal shown on `error_block`, and on success the answer, then what it
    queued sent and `on_success` run (both after the answer, with no transaction open)."""
    request_id = whole_number(view_metadata(view).get("request_id"))
    if request_id is None:
        ack(response_action="errors", errors={error_block: "This form has expired."})
        return
    outcome = apply(
        runtime,
        by_id(request_id, team_of(body)),
        operate,
        intent=intent_key(body),
        deliver=False,
    )
    if outcome is not None and outcome.repeated:
        ack()  # the same form, sent again: it was handled the first time
    elif outcome is None:
        ack(response_action="errors", errors={error_block: GONE})
    elif outcome.refused:
        problem = text.plain(outcome.message or "", 150)
        ack(response_action="errors", errors={error_block: problem})
    else:
        ack()
        runtime.send_soon(request_id, issue=outcome.issue_queued)
        if on_success is not None:
            after_answer(lambda: on_success(outcome), "what follows a form")


def first_delivery(session: Session, event_id: str, now: object) -> bool:
    """Record `event_id` as handled; False when it already was (a retry or a duplicate)."""
    return insert_ignoring_conflicts(
        session, ProcessedEvent, {"event_id": event_id, "received_at": now}, ["event_id"]
    )


def tell(client: WebClient, channel: str | None, user: str, message: str) -> None:
    """A message only `user` sees, where they acted (best effort: it answers a click)."""
    if not channel:
        return
    try:
        client.chat_postEphemeral(channel=channel, user=user, text=message)
    except (SlackApiError, OSError) as error:
        log.info("could not answer %s privately: %s", user, _why(error))


def from_home(body: dict[str, Any]) -> bool:
    """Whether the click happened on someone's Home tab (a view with no response_url and no
    channel to answer in)."""
    container = body.get("container") or {}
    return container.get("type") == "view" and (body.get("view") or {}).get("type") == "home"


def answer_privately(
    runtime: Runtime, client: WebClient, body: dict[str, Any], message: str
) -> None:
    """The private answer to a click, wherever it was. On the Home tab, a small modal (the
    click's trigger is fresh) and the clicker's Home published again, so a button on a request
    that changed meanwhile gives way to the current state; elsewhere through the click's
    response_url (see answer_click)."""
    user = body["user"]["id"]
    if from_home(body):
        trigger = body.get("trigger_id")
        if isinstance(trigger, str) and trigger:
            open_modal(client, trigger, notice_modal(message))
        team = team_of(body)
        if team:
            now = runtime.clock()
            with transaction(runtime.sessions) as session:
                workspace = find_workspace(session, team_id=team)
                if workspace is not None:
                    outbox.publish_home(session, workspace_id=workspace.id, user_id=user, now=now)
            runtime.outbox.send_homes()
        return
    url = body.get("response_url")
    respond = Respond(response_url=url) if isinstance(url, str) and url else None
    container = body.get("container") or {}
    channel = container.get("channel_id") or (body.get("channel") or {}).get("id")
    answer_click(respond, client, channel, user, message)


# Builds the modal a click opens on a request, raising a Refusal for whoever may not open it.
ModalFor = Callable[[Workflow, Request], dict[str, Any]]


def open_checked_modal(
    runtime: Runtime, client: WebClient, body: dict[str, Any], request_id: int, modal_for: ModalFor
) -> None:
    """Open the modal `modal_for` builds from the request as it is now (checked and built in one
    transaction, which changes nothing); whoever it refuses, and a click on a request that is
    gone, is told why privately."""
    shown: list[dict[str, Any]] = []

    def check(workflow: Workflow, request: Request) -> None:
        shown.append(modal_for(workflow, request))

    outcome = apply(runtime, by_id(request_id, team_of(body)), check, deliver=False)
    if outcome is None or outcome.refused:
        answer_privately(runtime, client, body, (outcome.message or "") if outcome else GONE)
    elif shown:
        open_modal(client, body["trigger_id"], shown[0])


def open_modal(client: WebClient, trigger_id: str, view: dict[str, Any]) -> dict[str, Any] | None:
    """Open `view`; the view as Slack opened it (its id and hash), or None when it could not."""
    try:
        opened = client.views_open(trigger_id=trigger_id, view=view).get("view")
    except SlackApiError as error:
        # The trigger expires after 3 s; there is nothing to show the person but a log line.
        log.warning("could not open a modal: %s", error.response.get("error"))
        return None
    return opened if isinstance(opened, dict) else None


def answer_click(
    respond: Respond | None, client: WebClient, channel: str | None, user: str, message: str
) -> None:
    """The private answer to a click: through the click's response_url, which needs no Web API
    call and reaches the person wherever they clicked (a DM, a channel they are not in); as an
    ephemeral message only for a click that came without one."""
    if respond is None or respond.response_url is None:
        tell(client, channel, user, message)
        return
    try:
        respond(text=message, response_type="ephemeral", replace_original=False)
    except (SlackApiError, OSError) as error:
        log.info("could not answer a click by %s: %s", user, _why(error))


# chat.postEphemeral's answers when the person (or the bot) is not in the conversation.
NOT_THERE = frozenset({"user_not_in_channel", "channel_not_found", "not_in_channel"})


def tell_reactor(
    client: WebClient,
    channel: str | None,
    user: str,
    message: str,
    blocks: list[dict[str, Any]] | None = None,
) -> None:
    """The private answer to a reaction (`blocks`, when given, with `message` as their fallback
    text): an ephemeral message where the person reacted when they are in that channel, else a
    DM (Slack shows no ephemeral to someone not in it). Best effort, like every private answer:
    one Slack refuses, or does not answer in time (it may have shown it), is not sent again, and
    the change it answers stands."""
    if channel:
        try:
            client.chat_postEphemeral(channel=channel, user=user, text=message, blocks=blocks)
            return
        except SlackApiError as error:
            if error.response.get("error") not in NOT_THERE:
                log.info("could not answer %s privately: %s", user, _why(error))
                return
        except OSError as error:
            log.info("could not answer %s privately: %s", user, _why(error))
            return
    try:
        client.chat_postMessage(channel=user, text=message, blocks=blocks)
    except (SlackApiError, OSError) as error:
        log.info("could not answer %s by DM: %s", user, _why(error))


def _why(error: SlackApiError | OSError) -> object:
    """What a log line says of a failed call: Slack's error code, or the transport's error
    (a timeout, a refused connection), never the request."""
    return error.response.get("error") if isinstance(error, SlackApiError) else repr(error)


def update_modal(client: WebClient, opened: dict[str, Any], view: dict[str, Any]) -> None:
    """Replace an open modal with `view` (what the person typed meanwhile stays, since input
    blocks keep their ids); skipped when the modal changed since it was opened (`hash`)."""
    try:
        client.views_update(view_id=opened.get("id"), hash=opened.get("hash"), view=view)
    except SlackApiError as error:
        log.info("could not complete a modal: %s", error.response.get("error"))
