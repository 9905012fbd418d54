"""One sender per effect kind, and the registry the outbox loop picks them from. A new kind
(publishing a Home tab, calling a tracker) is a sender here, its builder, and its name in
bot/domain/outbox.py; everything around the call is shared (bot/slack/sending/loop.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.config import CreateOn, LiaisonConfig
from bot.config.store import SettingsStore
from bot.domain import outbox, trackers
from bot.domain.home import expanded_sections, home_for
from bot.domain.models import HomeVisit, OutboxMessage, Request, Workspace
from bot.domain.request_types import request_type_of
from bot.domain.requests import fields_awaited
from bot.domain.usergroups import directory_for_workspace
from bot.slack.blocks.card import IssueOnCard, card_for
from bot.slack.blocks.home import home_view
from bot.slack.blocks.settings import settings_section
from bot.slack.blocks.setup import not_set_up_home, setup_home
from bot.slack.messages import Rendering, render
from bot.slack.permissions import Permissions
from bot.slack.sending import recovery
from bot.slack.sending.effects import Effect, Sender, SendResult
from bot.slack.sending.transport import NETWORK_ERRORS, Failed, Retry, error_code
from bot.trackers.sender import TrackerSender

log = logging.getLogger(__name__)


class CardSender:
    """Posts the request's card the first time, then updates it in place. It is drawn from the
    request as it is when sent, so every refresh queued meanwhile is served by one call."""

    coalesces = True

    def build(self, effect: Effect, session: Session, config: LiaisonConfig) -> dict[str, Any]:
        assert effect.request is not None
        request = effect.request
        return card_for(
            request,
            config,
            issue=issue_on_card(session, config, request),
            awaited=fields_awaited(session, config, request),
        )

    def conversation(self, effect: Effect) -> str | None:
        assert effect.request is not None and effect.request.card_channel
        return effect.request.card_channel

    def send(self, effect: Effect, client: WebClient) -> SendResult:
        request = effect.request
        assert request is not None
        if not request.card_channel:
            raise Failed("the fulfilling department has no intake channel")
        if request.card_ts:
            try:  # an update whose answer was lost is harmless to repeat: same content
                client.chat_update(
                    channel=request.card_channel, ts=request.card_ts, **effect.content
                )
                return SendResult(request.card_ts)
            except SlackApiError as error:
                if error_code(error) != "message_not_found":
                    raise
                # Someone deleted the card: post it again rather than lose the live view.
        earlier = recovery.earlier_post(client, effect, request.card_channel, None)
        if earlier is not None:
            channel, ts = earlier
            # Rendered from an older state back then: bring it up to date.
            client.chat_update(channel=channel, ts=ts, **effect.content)
        else:
            channel, ts = recovery.post(
                client, effect, channel=request.card_channel, **effect.content
            )
        return SendResult(ts, _card_fields(client, request.id, channel, ts))


def issue_on_card(session: Session, config: LiaisonConfig, request: Request) -> IssueOnCard | None:
    """What the card shows of the request's issue, if its department links a tracker; nothing,
    and no read, in a workspace that links none (as after unlinking the last one)."""
    if not config.trackers:
        return None
    tracker = trackers.tracker_of(config, request)
    row = trackers.issue_of(session, request.id)
    if row is None:
        if tracker is None:
            return None
        return IssueOnCard(offer=tracker.create_on == CreateOn.MANUAL)
    return IssueOnCard(state=row.state, key=row.key, url=row.url)


class MessageSender:
    """Posts a message rendered from its template: in a channel, a DM, or the card's thread."""

    coalesces = False

    def build(self, effect: Effect, session: Session, config: LiaisonConfig) -> dict[str, Any]:
        content = render(Rendering(message=effect.row, request=effect.request, config=config))
        parent_id = effect.row.payload.get(outbox.REPLY_TO) if effect.row.in_thread else None
        if parent_id is not None:
            parent = session.get(OutboxMessage, parent_id)
            content[_PARENT] = (
                {"status": parent.status, "channel": parent.channel, "ts": parent.sent_ts}
                if parent is not None
                else None
            )
        return content

    def conversation(self, effect: Effect) -> str | None:
        return _destination(effect)[0]

    def send(self, effect: Effect, client: WebClient) -> SendResult:
        channel, thread_ts = _destination(effect)
        earlier = recovery.earlier_post(client, effect, channel, thread_ts)
        if earlier is not None:
            return SendResult(earlier[1])
        content = {k: v for k, v in effect.content.items() if k != _PARENT}
        _, ts = recovery.post(client, effect, channel=channel, thread_ts=thread_ts, **content)
        return SendResult(ts)


class FileSender:
    """Uploads a file rendered from its template (the digest's chart) into a channel.
    At-least-once: an upload whose answer was lost is uploaded again."""

    coalesces = False

    def build(self, effect: Effect, session: Session, config: LiaisonConfig) -> dict[str, Any]:
        return render(Rendering(message=effect.row, request=effect.request, config=config))

    def conversation(self, effect: Effect) -> str | None:
        return effect.row.channel

    def send(self, effect: Effect, client: WebClient) -> SendResult:
        client.files_upload_v2(channel=effect.row.channel, **effect.content)
        return SendResult()


# The blocks a person's Home ends with, by (team id, user id): their Settings section, if any.
HomeTail = Callable[[str, str], list[dict[str, Any]]]


def settings_for_home(store: SettingsStore, permissions: Permissions) -> HomeTail:
    """The Settings section of a person's Home, as far as who they are is known (no Slack call:
    the Home is built inside a transaction; opening the Home asks Slack first)."""

    def tail(team_id: str, user_id: str) -> list[dict[str, Any]]:
        current = store.current(team_id)
        return settings_section(current, permissions.known_access(team_id, user_id, current.config))

    return tail


class HomeSender:
    """Publishes one person's Home tab (the effect's `channel` is their user id), drawn from the
    state when it is sent. Publishing it again is harmless: it replaces the view. `settings`
    gives the blocks it ends with (the Settings section)."""

    coalesces = False

    def __init__(self, settings: HomeTail | None = None) -> None:
        self._settings = settings

    def build(self, effect: Effect, session: Session, config: LiaisonConfig) -> dict[str, Any]:
        row = effect.row
        assert row.channel, "a Home publish names its person"
        setup = setup_view(session, config, row.workspace_id, (row.payload or {}).get("setup"))
        if setup is not None:
            return {"user_id": row.channel, "view": setup}
        tail = []
        if self._settings is not None:
            team_id = session.get_one(Workspace, row.workspace_id).team_id
            tail = self._settings(team_id, row.channel)
        return home_publish(
            session,
            config,
            workspace_id=row.workspace_id,
            user_id=row.channel,
            now=effect.started,
            tail=tail,
        )

    def conversation(self, effect: Effect) -> str | None:
        return None  # views.publish needs no conversation

    def send(self, effect: Effect, client: WebClient) -> SendResult:
        client.views_publish(**effect.content)
        return SendResult()


def home_publish(
    session: Session,
    config: LiaisonConfig,
    *,
    workspace_id: int,
    user_id: str,
    now: datetime,
    tail: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """The arguments of `views.publish` for `user_id`'s Home at `now`, with the sections they
    expanded listed at length and `tail` (their Settings section) at the end (bench/home.py
    times exactly this)."""
    directory = directory_for_workspace(session, config=config, workspace_id=workspace_id)
    visit = session.get(HomeVisit, (workspace_id, user_id))
    home = home_for(
        session,
        config=config,
        directory=directory,
        workspace_id=workspace_id,
        user_id=user_id,
        now=now,
        expanded=expanded_sections(visit.expanded if visit is not None else None),
    )
    return {
        "user_id": user_id,
        "view": home_view(home, tail=tail, kind=lambda r: request_type_of(config, r)),
    }


def setup_view(
    session: Session, config: LiaisonConfig, workspace_id: int, setup: str | None
) -> dict[str, Any] | None:
    """The setup Home asked for (bot/slack/listeners/setup.py `home_setup`) if it still applies
    now: an admin's steps until the setup is finished, the notice until people can file."""
    if setup == "admin":
        workspace = session.get_one(Workspace, workspace_id)
        if not config.is_set_up or workspace.setup_finished_at is None:
            return setup_home(config)
    elif setup == "member" and not config.is_set_up:
        return not_set_up_home()
    return None


# The registry: one sender per effect kind in bot/domain/outbox.py.
SENDERS: Mapping[str, Sender] = {
    outbox.CARD: CardSender(),
    outbox.MESSAGE: MessageSender(),
    outbox.FILE: FileSender(),
    outbox.HOME: HomeSender(),
    outbox.TRACKER: TrackerSender(),  # wired with the settings and the database (bot/wiring.py)
}


def _destination(effect: Effect) -> tuple[str, str | None]:
    """(channel, thread_ts) a message is posted to."""
    row, request = effect.row, effect.request
    if not row.in_thread:
        if not row.channel:
            raise Failed("the message has no channel")
        return row.channel, None
    if outbox.REPLY_TO in row.payload:
        return _parent_thread(effect.content.get(_PARENT))
    if request is None or not request.card_ts or not request.card_channel:
        raise Failed("the request's card was never posted, so it has no thread")
    return request.card_channel, request.card_ts


# What a reply's builder found of the message it replies to (its status, channel and ts).
_PARENT = "_parent"


def _parent_thread(parent: dict[str, Any] | None) -> tuple[str, str]:
    """(channel, ts) of the message a reply goes under, once it is posted."""
    if parent is None or parent["status"] == "failed":
        raise Failed("the message it replies to was never posted, so it has no thread")
    if not parent["ts"] or not parent["channel"]:
        raise Retry("waiting for the message it replies to")
    return parent["channel"], parent["ts"]


def _card_fields(client: WebClient, request_id: int, channel: str, ts: str) -> dict[str, Any]:
    """What the request remembers of its posted card."""
    permalink = None
    try:
        permalink = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink")
    except (SlackApiError, *NETWORK_ERRORS):
        # The card is posted: retrying for its link would post it again.
        log.warning("no permalink for the card of request %s", request_id)
    return {"card_ts": ts, "card_channel": channel, "card_permalink": permalink}
