"""A fake Slack Web API on loopback that the real ``slack_sdk.WebClient`` talks to.

It records whole requests (method, decoded params, headers, raw body) and answers with the
shapes Slack uses, including the Block Kit and view limits Slack enforces, so tests catch
payloads the real API would reject.

It is as strict as Slack where Slack is strict (see "Strictness" below): the token has the
manifest's scopes and nothing more, the bot reads and posts only where it is a member, trigger
ids expire, and methods are rate limited by Slack's tiers. A test that needs kindness asks for
it explicitly (``invite``, ``raise_rate_limits``...).

This module has grown past one concern; it should be split by concern (server and recorder,
method handlers, strictness, Block Kit validation) once no one else is adding methods to it.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from tests.fakes.slack.base import (
    Params,
    _Answer,
    _dm_channel,
    _flag,
    _invalid_arguments,
    _SlackError,
)
from tests.fakes.slack.blockkit import MAX_MESSAGE_BLOCKS, block_errors, view_errors
from tests.fakes.slack.paging import MAX_PAGE, _cursor_metadata, _page, _TimeWindow, _ts_key
from tests.fakes.slack.recorder import Call, Recorder, _Failure, _failure_answer
from tests.fakes.slack.strictness import (
    CHANNEL_BURST,
    DEFAULT_SCOPES,
    TIER_2,
    TRIGGER_LIFETIME,
    Strictness,
)
from tests.fakes.slack.workspace import Workspace

# What tests and bench scripts import from here.
__all__ = ["CHANNEL_BURST", "TIER_2", "Call", "FakeSlack", "block_errors", "view_errors"]

# Fields slack_sdk may send as JSON strings inside a form body; decoded so tests see objects.
JSON_STRING_FIELDS = ("blocks", "attachments", "view", "metadata", "files")
MAX_TEXT = 40_000
PARTIAL_REACTION_USERS = 3  # users listed per reaction by reactions.get without full=true
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


class FakeSlack(Recorder, Strictness, Workspace):
    """Fake Slack Web API server; see the module docstring."""

    def __init__(
        self,
        *,
        team_id: str = "T0001",
        team_domain: str = "acme",
        bot_user_id: str = "UBOT",
        bot_id: str = "BBOT",
        token: str = "xoxb-test",
        app_id: str = "A0001",
        scopes: str = DEFAULT_SCOPES,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.team_id = team_id
        self.team_domain = team_domain
        self.bot_user_id = bot_user_id
        self.bot_id = bot_id
        self.token = token
        self.app_id = app_id
        self.scopes = scopes
        # Message timestamps follow this clock (give tests' injected clock, so that Slack's time
        # and the app's agree); the real time by default.
        self.clock = clock or _real_time
        # Conversations that exist: declared by tests (public unless in private_channels) or
        # opened as DMs. Who is in each channel is in channel_members; the bot is in no channel
        # until it joins (conversations.join) or a test invites it, as on a fresh install.
        self.channels: set[str] = set()
        self.private_channels: set[str] = set()
        self.channel_members: dict[str, set[str]] = {}
        self.gone_users: set[str] = set()  # every other user id exists (users.info)
        self.usergroups: dict[str, list[str]] = {}
        # Who is in a channel, for the channels a test declares it for: chat.postEphemeral to
        # anyone else there answers user_not_in_channel, as Slack does.
        self.channel_members: dict[str, set[str]] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.messages: dict[tuple[str, str], dict[str, Any]] = {}
        self.views: dict[str, dict[str, Any]] = {}
        self.home_tabs: dict[str, dict[str, Any]] = {}  # user id -> published home view
        self.uploads: dict[str, bytes] = {}
        self._pending_files: dict[str, dict[str, Any]] = {}
        self._used_triggers: set[str] = set()
        self._triggers: dict[str, datetime] = {}  # trigger id -> when the user clicked
        self._rate_factor = 1
        self._method_calls: dict[str, deque[datetime]] = {}
        self._channel_posts: dict[str, tuple[float, datetime]] = {}  # tokens left, as of
        self._calls: list[Call] = []
        self._failures: dict[str, list[_Failure]] = {}
        self._cond = threading.Condition(threading.RLock())
        self._ids = itertools.count(1)
        self._last_ts = 0  # microseconds
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._methods: dict[str, Callable[[Params], dict[str, Any]]] = {
            "auth.test": self._auth_test,
            "chat.postMessage": self._chat_post_message,
            "chat.update": self._chat_update,
            "chat.delete": self._chat_delete,
            "chat.postEphemeral": self._chat_post_ephemeral,
            "chat.getPermalink": self._chat_get_permalink,
            "conversations.open": self._conversations_open,
            "conversations.join": self._conversations_join,
            "conversations.info": self._conversations_info,
            "conversations.history": self._conversations_history,
            "conversations.replies": self._conversations_replies,
            "views.open": self._views_open,
            "views.push": self._views_open,
            "views.update": self._views_update,
            "views.publish": self._views_publish,
            "usergroups.users.list": self._usergroups_users_list,
            "usergroups.list": self._usergroups_list,
            "users.info": self._users_info,
            "reactions.add": lambda params: {"ok": True},
            "reactions.get": self._reactions_get,
            "reactions.remove": lambda params: {"ok": True},
            "files.getUploadURLExternal": self._files_get_upload_url,
            "files.completeUploadExternal": self._files_complete_upload,
        }

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeSlack:
        server = _Server(self)
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeSlack:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("FakeSlack is not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def reset(self) -> None:
        """Forget calls, failures, messages, views and files (keeps users, usergroups and
        channels)."""
        with self._cond:
            self._calls.clear()
            self._failures.clear()
            self.messages.clear()
            self.views.clear()
            self.home_tabs.clear()
            self.uploads.clear()
            self._pending_files.clear()
            self._used_triggers.clear()
            self._method_calls.clear()
            self._channel_posts.clear()

    # -- request plumbing (called from server threads) ------------------------------------

    def _handle_api(self, method: str, query: str, headers: dict[str, str], body: bytes) -> _Answer:
        params = _parse_params(query, headers.get("content-type", ""), body)
        answer = self._check_auth(headers, params)
        if answer is None:
            answer = self._check_scope(method, params) or self._check_rate(method, params)
        failure = self._take_failure(method, params) if answer is None else None
        if failure is not None and not failure.handle_first:
            time.sleep(failure.delay)
        if answer is None:
            if failure is not None and failure.error is not None:
                answer = _failure_answer(failure)
            else:
                answer = self._answer(method, params)
        answer.headers.setdefault("x-oauth-scopes", self.scopes)
        call = Call(method, params, headers, body, answer.status, copy.deepcopy(answer.body))
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        if failure is not None and failure.handle_first:
            time.sleep(failure.delay)
        return answer

    @property
    def root_url(self) -> str:
        """Where response_urls point in tests: `http://127.0.0.1:{port}`."""
        return f"http://127.0.0.1:{self.port}"

    def _answer(self, method: str, params: Params) -> _Answer:
        handler = self._methods.get(method)
        if handler is None:
            return _Answer(200, {"ok": False, "error": "unknown_method"}, {})
        try:
            with self._cond:
                body = handler(params)
        except _SlackError as error:
            body = error.body
        return _Answer(200, body, {})

    def _handle_upload(self, file_id: str, body: bytes) -> tuple[int, bytes]:
        with self._cond:
            if file_id not in self._pending_files:
                return 404, b"Not Found"
            self.uploads[file_id] = body
        return 200, f"OK - {len(body)}".encode()

    # -- helpers for the method handlers --------------------------------------------------

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

    # -- Web API methods ------------------------------------------------------------------

    def _auth_test(self, params: Params) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": f"{self.team_domain.capitalize()} Workspace",
            "user": "liaison",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

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

    def _reactions_get(self, params: Params) -> dict[str, Any]:
        """A message with its reactions ([{name, users, count}]); like Slack, without ``full``
        a reaction lists only some of its users (``count`` stays the whole number)."""
        if not params.get("channel") or not params.get("timestamp"):
            raise _SlackError("no_item_specified")
        channel = str(params["channel"])
        # A private channel the bot is not in is one it cannot see.
        hidden = channel in self.private_channels and not self._bot_in(channel)
        if channel not in self.channels or hidden:
            raise _SlackError("channel_not_found")
        message = self.messages.get((channel, str(params["timestamp"])))
        if message is None:
            raise _SlackError("message_not_found")
        shown = copy.deepcopy(message)
        if not _flag(params.get("full")):
            for reaction in shown.get("reactions", []):
                reaction["users"] = reaction["users"][:PARTIAL_REACTION_USERS]
        shown["permalink"] = self._permalink(channel, message["ts"])
        return {"ok": True, "type": "message", "channel": channel, "message": shown}

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

    def _views_open(self, params: Params) -> dict[str, Any]:
        trigger_id = params.get("trigger_id")
        if not trigger_id:
            raise _invalid_arguments("missing required field: trigger_id")
        view = self._valid_view(params)
        issued = self._triggers.get(trigger_id)
        if issued is not None and self.clock() - issued > TRIGGER_LIFETIME:
            raise _SlackError("expired_trigger_id")
        if trigger_id in self._used_triggers:
            raise _SlackError("exchanged_trigger_id")
        self._used_triggers.add(trigger_id)
        return {"ok": True, "view": self._store_view(view, self._next_id("V"))}

    def _views_update(self, params: Params) -> dict[str, Any]:
        view = self._valid_view(params)
        view_id, external_id = params.get("view_id"), params.get("external_id")
        if not view_id and not external_id:
            raise _invalid_arguments("either view_id or external_id is required")
        current = self.views.get(view_id) if view_id else self._view_by_external_id(external_id)
        if current is None:
            raise _SlackError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise _SlackError("hash_conflict")
        stored = self._store_view(view, current["id"])
        stored["root_view_id"] = current["root_view_id"]
        stored["previous_view_id"] = current["previous_view_id"]
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _views_publish(self, params: Params) -> dict[str, Any]:
        user_id = params.get("user_id")
        if not user_id:
            raise _invalid_arguments("invalid `user_id`")
        view = self._valid_view(params)
        if view.get("type") != "home":
            raise _invalid_arguments("must be home [json-pointer:/view/type]")
        current = self.home_tabs.get(user_id)
        stored = self._store_view(view, current["id"] if current else self._next_id("V"))
        self.home_tabs[user_id] = stored
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _valid_view(self, params: Params) -> Params:
        view = params.get("view")
        if not isinstance(view, dict):
            raise _invalid_arguments("missing required field: view")
        problems = view_errors(view)
        if problems:
            raise _invalid_arguments(*problems)
        return view

    def _view_by_external_id(self, external_id: str | None) -> Params | None:
        return next((v for v in self.views.values() if v["external_id"] == external_id), None)

    def _store_view(self, view: Params, view_id: str) -> Params:
        stored: Params = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "title": view.get("title"),
            "blocks": view.get("blocks", []),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._ids):08d}",
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "external_id": view.get("external_id", ""),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self.views[view_id] = copy.deepcopy(stored)
        return stored

    def _usergroups_users_list(self, params: Params) -> dict[str, Any]:
        usergroup = params.get("usergroup")
        if usergroup not in self.usergroups:
            raise _SlackError("no_such_subteam")
        return {"ok": True, "users": list(self.usergroups[usergroup])}

    def _usergroups_list(self, params: Params) -> dict[str, Any]:
        groups = []
        for group_id, users in self.usergroups.items():
            group: Params = {
                "id": group_id,
                "team_id": self.team_id,
                "is_usergroup": True,
                "name": f"Group {group_id}",
                "handle": group_id.lower(),
                "date_delete": 0,
                "user_count": len(users),
            }
            if _flag(params.get("include_users")):
                group["users"] = list(users)
            groups.append(group)
        return {"ok": True, "usergroups": groups}

    def _users_info(self, params: Params) -> dict[str, Any]:
        user_id = params.get("user")
        if not user_id or user_id in self.gone_users:
            raise _SlackError("user_not_found")
        return {"ok": True, "user": self._user_profile(str(user_id))}

    def _user_profile(self, user_id: str) -> Params:
        name = user_id.lower()
        user: Params = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": f"User {user_id}",
            "deleted": False,
            "is_bot": user_id == self.bot_user_id,
            "tz": "America/New_York",
            **copy.deepcopy(self.users.get(user_id, {})),
        }
        now = datetime.now(ZoneInfo(user["tz"]))
        offset = now.utcoffset()
        user.setdefault("tz_label", now.tzname())
        user.setdefault("tz_offset", int(offset.total_seconds()) if offset else 0)
        user.setdefault(
            "profile",
            {
                "real_name": user["real_name"],
                "display_name": user["name"],
                "email": f"{name}@{self.team_domain}.example",
                "team": self.team_id,
            },
        )
        return user

    def _files_get_upload_url(self, params: Params) -> dict[str, Any]:
        filename, length = params.get("filename"), params.get("length")
        if not filename or length is None or not str(length).isdigit():
            raise _invalid_arguments("missing required field: filename or length")
        file_id = self._next_id("F")
        self._pending_files[file_id] = {"name": filename, "length": int(length)}
        return {
            "ok": True,
            "upload_url": f"http://127.0.0.1:{self.port}/upload/{file_id}",
            "file_id": file_id,
        }

    def _files_complete_upload(self, params: Params) -> dict[str, Any]:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            raise _invalid_arguments("missing required field: files")
        if params.get("channel_id"):
            self._readable_channel(params, "channel_id")
        completed = []
        for item in files:
            file_id = item.get("id") if isinstance(item, dict) else None
            if file_id not in self.uploads:
                raise _SlackError("file_not_found")
            pending = self._pending_files[file_id]
            completed.append(
                {
                    "id": file_id,
                    "created": int(time.time()),
                    "name": pending["name"],
                    "title": item.get("title") or pending["name"],
                    "size": len(self.uploads[file_id]),
                    "user": self.bot_user_id,
                    "permalink": f"https://{self.team_domain}.slack.com/files/"
                    f"{self.bot_user_id}/{file_id}/{pending['name']}",
                }
            )
        return {"ok": True, "files": completed}


# -- HTTP plumbing -------------------------------------------------------------------------


def _real_time() -> datetime:
    return datetime.now(UTC)


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


def _parse_params(query: str, content_type: str, body: bytes) -> Params:
    params: Params = dict(parse_qsl(query, keep_blank_values=True))
    if content_type.startswith("application/json"):
        try:
            decoded = json.loads(body or b"{}")
        except ValueError:
            decoded = {}
        if isinstance(decoded, dict):
            params.update(decoded)
    elif content_type.startswith("application/x-www-form-urlencoded"):
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    for key in JSON_STRING_FIELDS:
        if isinstance(params.get(key), str) and params[key]:
            # Bad JSON stays a string; the method then answers as Slack does to bad JSON.
            with contextlib.suppress(ValueError):
                params[key] = json.loads(params[key])
    return params


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeSlack) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout test) closes the socket before we answer.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeSlack/1.0"

    def do_POST(self) -> None:
        assert isinstance(self.server, _Server)
        fake = self.server.fake
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if url.path.startswith("/upload/"):
            status, text = fake._handle_upload(url.path.removeprefix("/upload/"), body)
            self._send(status, text, {"Content-Type": "text/plain; charset=utf-8"})
        elif url.path.startswith("/api/"):
            headers = {k.lower(): v for k, v in self.headers.items()}
            answer = fake._handle_api(url.path.removeprefix("/api/"), url.query, headers, body)
            if answer.raw is not None:
                content_type = "text/html; charset=utf-8"
                payload = answer.raw
            else:
                content_type = "application/json; charset=utf-8"
                payload = json.dumps(answer.body).encode()
            self._send(answer.status, payload, {"Content-Type": content_type, **answer.headers})
        elif url.path.split("/")[1:2] in (["commands"], ["actions"], ["app"]):
            # A response_url (hooks.slack.com in real life): record it like a Web API call.
            fake._record_response_url(url.path, body)
            self._send(200, b"ok", {"Content-Type": "text/plain"})
        else:
            self._send(404, b"Not Found", {"Content-Type": "text/plain"})

    do_GET = do_POST

    def _send(self, status: int, payload: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet
