"""conversations.*: opening DMs, joining, channel info, history and thread replies."""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.slack.base import Params, _flag, _invalid_arguments, _SlackError
from tests.fakes.slack.paging import MAX_PAGE, _cursor_metadata, _page, _TimeWindow, _ts_key


class ConversationsMethods:
    """conversations.* handlers; use the workspace FakeSlack sets up."""

    def _conversations_open(self, params: Params) -> dict[str, Any]:
        if params.get("channel"):
            return {"ok": True, "channel": {"id": params["channel"]}}
        users = [u for u in str(params.get("users") or "").split(",") if u]
        if not users:
            raise _SlackError("users_list_not_supplied")
        channel_id = "D" + users[0] if len(users) == 1 else "G" + "".join(sorted(users))
        already_open = channel_id in self.channels
        self.channels.add(channel_id)
        self.channel_members.setdefault(channel_id, set()).update([*users, self.bot_user_id])
        return {
            "ok": True,
            "no_op": already_open,
            "already_open": already_open,
            "channel": {"id": channel_id},
        }

    def _conversations_join(self, params: Params) -> dict[str, Any]:
        """Join a public channel. A private channel the bot is not in is invisible to it."""
        channel = str(params.get("channel") or "")
        if channel not in self.channels or (
            channel in self.private_channels and not self._bot_in(channel)
        ):
            raise _SlackError("channel_not_found")
        if channel.startswith("D") or channel in self.private_channels:
            raise _SlackError("method_not_supported_for_channel_type")
        already = self._bot_in(channel)
        self.channel_members.setdefault(channel, set()).add(self.bot_user_id)
        answer: dict[str, Any] = {"ok": True, "channel": self._channel_info(channel)}
        if already:
            answer["warning"] = "already_in_channel"
            answer["response_metadata"] = {"warnings": ["already_in_channel"]}
        return answer

    def _conversations_info(self, params: Params) -> dict[str, Any]:
        channel = str(params.get("channel") or "")
        if channel not in self.channels or (
            channel in self.private_channels and not self._bot_in(channel)
        ):
            raise _SlackError("channel_not_found")
        return {"ok": True, "channel": self._channel_info(channel)}

    def _channel_info(self, channel: str) -> Params:
        """A conversation object as conversations.info shows it to the bot."""
        is_im = channel.startswith("D")
        info: Params = {
            "id": channel,
            "created": 1_700_000_000,
            "is_archived": False,
            "is_im": is_im,
            "is_mpim": self._kind_of(channel) == "mpim",
            "is_private": is_im or channel in self.private_channels,
            "context_team_id": self.team_id,
        }
        if is_im:
            return {**info, "user": channel[1:], "is_user_deleted": False}
        return {
            **info,
            "name": channel.lower(),
            "is_channel": channel not in self.private_channels,
            "is_group": False,
            "is_general": False,
            "is_member": self._bot_in(channel),
            "num_members": len(self.channel_members.get(channel, set())),
        }

    def _conversations_history(self, params: Params) -> dict[str, Any]:
        """Top-level messages (thread replies left out), newest first, a page at a time."""
        channel = self._readable_channel(params)
        window = _TimeWindow.of(params)
        found = [
            m
            for (c, ts), m in self.messages.items()
            if c == channel and m.get("thread_ts", ts) == ts and window.holds(ts)
        ]
        found.sort(key=lambda m: _ts_key(m["ts"]), reverse=True)
        page, next_cursor = _page(found, params, default_limit=100, newest_first=True)
        return {
            "ok": True,
            "messages": [self._listed(channel, m, params) for m in page],
            "has_more": next_cursor is not None,
            "pin_count": 0,
            **_cursor_metadata(next_cursor),
        }

    def _conversations_replies(self, params: Params) -> dict[str, Any]:
        """A thread oldest first: its parent (on the first page only), then the replies."""
        channel = self._readable_channel(params)
        if not params.get("ts"):
            raise _invalid_arguments("missing required field: ts")
        asked = self.messages.get((channel, str(params["ts"])))
        parent = (
            self.messages.get((channel, asked.get("thread_ts", asked["ts"]))) if asked else None
        )
        if parent is None:
            raise _SlackError("thread_not_found")
        window = _TimeWindow.of(params)
        replies = [m for m in self._replies_to(channel, parent["ts"]) if window.holds(m["ts"])]
        page, next_cursor = _page(replies, params, default_limit=MAX_PAGE, newest_first=False)
        thread = page if params.get("cursor") else [parent, *page]
        return {
            "ok": True,
            "messages": [self._listed(channel, m, params) for m in thread],
            "has_more": next_cursor is not None,
            **_cursor_metadata(next_cursor),
        }

    def _listed(self, channel: str, message: Params, params: Params) -> Params:
        """A stored message as conversations.history/.replies show it: metadata only when asked
        for, and a thread's parent with its reply count."""
        listed = copy.deepcopy(message)
        if not _flag(params.get("include_all_metadata")):
            listed.pop("metadata", None)
        replies = self._replies_to(channel, message["ts"])
        if replies:
            listed["thread_ts"] = message["ts"]
            listed["reply_count"] = len(replies)
            listed["latest_reply"] = replies[-1]["ts"]
        return listed
