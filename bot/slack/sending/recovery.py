"""Posts whose answer was lost. A timeout or a dropped connection while posting is ambiguous:
Slack may have posted the message and only its answer was lost. Every post therefore carries
message metadata naming its outbox row, and such a row is marked unconfirmed; before posting it
again, its sender looks for the earlier post in the conversation's history (the card's thread,
for a reply) and, when it is there, records it as sent instead. A failed look-up is retried like
a failed post; when Slack will not let Liaison read the conversation at all, the message is
posted again (a possible double rather than a lost message). This needs a client that never
resends a post by itself (`delivery_client` in bot/runtime.py: slack_sdk's default retry
handler would)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.metadata import Metadata

from bot.slack.sending.effects import Effect
from bot.slack.sending.transport import NETWORK_ERRORS, Retry, error_code

log = logging.getLogger(__name__)

# The event type of the metadata naming the outbox row a post sends.
OUTBOX_EVENT = "liaison_outbox"
# How far before an unconfirmed attempt to look for it, for Slack's clock being behind ours.
LOOKBACK = timedelta(minutes=5)
# Answers to a history look-up meaning Liaison may post there but not read there: a bot that
# posts cards through chat:write.public without being a member, or an install that predates
# the history scopes.
HISTORY_UNREADABLE = frozenset({"not_in_channel", "missing_scope"})


def post(client: WebClient, effect: Effect, **arguments: Any) -> tuple[str, str]:
    """chat.postMessage, tagged with the outbox row; (channel, ts) of the new message. A card's
    coalesced refreshes are tagged with the oldest row's id (`effect`), which stays the first of
    the batch until it is sent."""
    try:
        posted = client.chat_postMessage(
            unfurl_links=False,
            metadata=Metadata(event_type=OUTBOX_EVENT, event_payload={"outbox_id": effect.id}),
            **arguments,
        )
    except NETWORK_ERRORS as error:
        raise Retry(f"no answer: {error}", unconfirmed_since=effect.started) from error
    return posted["channel"], posted["ts"]


def earlier_post(
    client: WebClient, effect: Effect, channel: str, thread_ts: str | None
) -> tuple[str, str] | None:
    """(channel, ts) of this row's post from an attempt whose answer was lost, if Slack has it;
    None when there was no such attempt or it never arrived."""
    if effect.unconfirmed_since is None:
        return None
    try:
        return _find_post(client, effect, channel, thread_ts)
    except SlackApiError as error:
        if error_code(error) not in HISTORY_UNREADABLE:
            raise
        # Posting again may double the message; failing it would lose it.
        log.warning(
            "cannot look for outbox %s in %s (%s); posting it again",
            effect.id,
            channel,
            error_code(error),
        )
        return None


def _find_post(
    client: WebClient, effect: Effect, channel: str, thread_ts: str | None
) -> tuple[str, str] | None:
    assert effect.unconfirmed_since is not None
    conversation = _conversation_of(client, channel)
    bot_id = client.auth_test()["bot_id"]
    arguments: dict[str, Any] = {
        "channel": conversation,
        "oldest": f"{(effect.unconfirmed_since - LOOKBACK).timestamp():.6f}",
        "include_all_metadata": True,
        "limit": 200,
    }
    if thread_ts:
        pages = client.conversations_replies(ts=thread_ts, **arguments)
    else:
        pages = client.conversations_history(**arguments)
    for page in pages:  # the SDK follows the cursor from page to page
        for found in page.get("messages") or []:
            if found.get("bot_id") == bot_id and _outbox_id(found) == effect.id:
                log.info("outbox %s was posted before its answer was lost", effect.id)
                return conversation, found["ts"]
    return None


def _conversation_of(client: WebClient, channel: str) -> str:
    """The conversation a post to `channel` lands in: a user id stands for the bot's DM."""
    if channel[:1] in ("U", "W"):
        return client.conversations_open(users=channel)["channel"]["id"]
    return channel


def _outbox_id(found: dict[str, Any]) -> object:
    metadata = found.get("metadata") or {}
    if metadata.get("event_type") != OUTBOX_EVENT:
        return None
    return (metadata.get("event_payload") or {}).get("outbox_id")
