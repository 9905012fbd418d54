"""chat.*: posting, updating and deleting messages, ephemeral messages and permalinks."""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.slack.base import Params, _dm_channel, _SlackError
from tests.fakes.slack.blockkit import MAX_MESSAGE_BLOCKS, block_errors

MAX_TEXT = 40_000
TRUNCATED_WARNING = {
    "warning": "message_truncated",
    "response_metadata": {
        "messages": [
            "[WARN] Your message was truncated but still posted. "
            "The `text` field accepts up to 40,000 characters."
        ],
        "warnings": ["message_truncated"],
    },
}


class ChatMethods:
    """chat.* handlers; use the workspace FakeSlack sets up."""

    def _message_content(self, params: Params, *, update: bool = False) -> tuple[Params, Params]:
        """Validate text/blocks/attachments; return (fields to store, extra response keys)."""
        fields: Params = {}
        extra: Params = {}
        blocks = params.get("blocks")
        if blocks is not None:
            if not isinstance(blocks, list) or not all(isinstance(b, dict) for b in blocks):
                raise _SlackError("invalid_blocks_format")
            problems = block_errors(blocks, "/blocks", MAX_MESSAGE_BLOCKS)
            if problems:
                raise _SlackError(
                    "invalid_blocks",
                    errors=problems,
                    response_metadata={"messages": [f"[ERROR] {p}" for p in problems]},
                )
            fields["blocks"] = blocks
        attachments = params.get("attachments")
        if attachments is not None:
            if not isinstance(attachments, list):
                raise _SlackError("invalid_attachments")
            fields["attachments"] = attachments
        text = params.get("text", params.get("markdown_text"))
        if text is not None:
            text = str(text)
            if len(text) > MAX_TEXT:
                text = text[:MAX_TEXT]
                extra = copy.deepcopy(TRUNCATED_WARNING)
            fields["text"] = text
        has_content = bool(fields.get("text") or fields.get("blocks") or fields.get("attachments"))
        if not has_content and not (update and fields):
            raise _SlackError("no_text")
        return fields, extra

    def _chat_post_message(self, params: Params) -> dict[str, Any]:
        if not params.get("channel"):
            raise _SlackError("channel_not_found")
        channel = self._postable_channel(str(params["channel"]))
        fields, extra = self._message_content(params)
        _check_metadata(params.get("metadata"))
        ts = self._next_ts()
        message: Params = {
            "type": "message",
            "subtype": "bot_message",
            "text": "",
            **fields,
            "ts": ts,
            "bot_id": self.bot_id,
            "user": self.bot_user_id,
            "team": self.team_id,
        }
        for key in ("thread_ts", "metadata", "username", "icon_emoji", "icon_url"):
            if params.get(key) is not None:
                message[key] = params[key]
        self.messages[(channel, ts)] = message
        answer = {"ok": True, "channel": channel, "ts": ts, "message": copy.deepcopy(message)}
        return {**answer, **extra}

    def _postable_channel(self, channel: str) -> str:
        """Where chat.postMessage may post: a DM, a channel the bot is in, or (with
        chat:write.public only) a public channel it is not in."""
        channel = _dm_channel(channel)
        if channel.startswith("D"):
            self.channels.add(channel)  # posting to a user opens the DM
            return channel
        if channel not in self.channels:
            raise _SlackError("channel_not_found")
        public = channel not in self.private_channels
        if self._bot_in(channel) or (public and "chat:write.public" in self.scopes.split(",")):
            return channel
        raise _SlackError("not_in_channel")

    def _stored_message(self, params: Params, ts_key: str = "ts") -> tuple[str, str, Params]:
        channel = _dm_channel(str(params.get("channel") or ""))
        ts = str(params.get(ts_key) or "")
        message = self.messages.get((channel, ts))
        if message is None:
            raise _SlackError("message_not_found")
        return channel, ts, message

    def _chat_update(self, params: Params) -> dict[str, Any]:
        channel, ts, message = self._stored_message(params)
        # Slack keeps blocks/attachments that an update leaves out.
        fields, extra = self._message_content(params, update=True)
        message.update(fields)
        message["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {
            "ok": True,
            "channel": channel,
            "ts": ts,
            "text": message.get("text", ""),
            "message": copy.deepcopy(message),
            **extra,
        }

    def _chat_delete(self, params: Params) -> dict[str, Any]:
        channel, ts, _ = self._stored_message(params)
        del self.messages[(channel, ts)]
        return {"ok": True, "channel": channel, "ts": ts}

    def _chat_post_ephemeral(self, params: Params) -> dict[str, Any]:
        if not params.get("channel"):
            raise _SlackError("channel_not_found")
        if not params.get("user"):
            raise _SlackError("user_not_found")
        members = self.channel_members.get(str(params["channel"]))
        if members is not None and params["user"] not in members:
            raise _SlackError("user_not_in_channel")
        _, extra = self._message_content(params)
        return {"ok": True, "message_ts": self._next_ts(), **extra}

    def _chat_get_permalink(self, params: Params) -> dict[str, Any]:
        channel = _dm_channel(str(params.get("channel") or ""))
        ts = str(params.get("message_ts") or "")
        if not channel or not ts:
            raise _SlackError("message_not_found")
        if channel in self.private_channels and not self._bot_in(channel):
            raise _SlackError("channel_not_found")
        if (channel, ts) not in self.messages:
            raise _SlackError("message_not_found")
        permalink = self._permalink(channel, ts)
        thread_ts = self.messages.get((channel, ts), {}).get("thread_ts")
        if thread_ts and thread_ts != ts:
            permalink += f"?thread_ts={thread_ts}&cid={channel}"
        return {"ok": True, "channel": channel, "permalink": permalink}


def _check_metadata(metadata: object) -> None:
    """Slack's checks on chat.postMessage's ``metadata`` (a JSON string is decoded already)."""
    if metadata is None:
        return
    if not isinstance(metadata, dict):
        raise _SlackError("invalid_metadata_format")
    if not isinstance(metadata.get("event_type"), str) or not isinstance(
        metadata.get("event_payload"), dict
    ):
        raise _SlackError("invalid_metadata_schema")
