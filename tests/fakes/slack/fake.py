"""A fake Slack Web API on loopback that the real ``slack_sdk.WebClient`` talks to.

It records whole requests (method, decoded params, headers, raw body) and answers with the
shapes Slack uses, including the Block Kit and view limits Slack enforces, so tests catch
payloads the real API would reject.

It is as strict as Slack where Slack is strict (see strictness.py): the token has the
manifest's scopes and nothing more, the bot reads and posts only where it is a member, trigger
ids expire, and methods are rate limited by Slack's tiers. A test that needs kindness asks for
it explicitly (``invite``, ``raise_rate_limits``...).

FakeSlack holds the state and answers one request (auth, scope, rate, injected failure, the
method's handler, the record); the rest is mixed in, one concern a module: server.py (HTTP),
recorder.py (calls and injected failures), strictness.py, workspace.py (what a test arranges),
methods/ (one module per method family), with blockkit.py and paging.py as helpers.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.fakes.slack.base import Params, _Answer, _SlackError, copied
from tests.fakes.slack.installs import CLIENT_ID, CLIENT_SECRET, Installs, Team, _counter
from tests.fakes.slack.methods import (
    ChatMethods,
    ConversationsMethods,
    FilesMethods,
    ReactionsMethods,
    UsersMethods,
    ViewsMethods,
)
from tests.fakes.slack.recorder import Call, Recorder, _Failure, _failure_answer
from tests.fakes.slack.server import Serving, _parse_params, _Server
from tests.fakes.slack.strictness import DEFAULT_SCOPES, Strictness
from tests.fakes.slack.workspace import Workspace


class FakeSlack(
    Installs,
    Serving,
    Recorder,
    Strictness,
    Workspace,
    ChatMethods,
    ConversationsMethods,
    ReactionsMethods,
    ViewsMethods,
    UsersMethods,
    FilesMethods,
):
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
        client_id: str = CLIENT_ID,
        client_secret: str = CLIENT_SECRET,
    ) -> None:
        # Workspaces by team id: the home one has the app installed with `token`; tests add
        # others (installs.py). A call is answered for its token's workspace (`_caller`).
        self._home = team_id
        self._teams = {team_id: Team(team_id, team_domain, bot_user_id, bot_id, token)}
        self._caller: str | None = None
        self._revoked: set[str] = set()
        self._codes: dict[str, Any] = {}
        self._codes_issued = _counter()
        self.client_id = client_id
        self.client_secret = client_secret
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
        if method == "oauth.v2.access":  # the app's credentials, no token
            answer = self._oauth_v2_access(headers, params)
            call = Call(method, params, headers, body, answer.status, copied(answer.body))
            with self._cond:
                self._calls.append(call)
                self._cond.notify_all()
            return answer
        team_id, answer = self._check_auth(headers, params)
        if answer is None:
            answer = self._check_scope(method, params) or self._check_rate(method, params)
        failure = self._take_failure(method, params) if answer is None else None
        if failure is not None and not failure.handle_first:
            time.sleep(failure.delay)
        if answer is None:
            if failure is not None and failure.error is not None:
                answer = _failure_answer(failure)
            else:
                answer = self._answer(method, params, team_id)
        answer.headers.setdefault("x-oauth-scopes", self.scopes)
        call = Call(
            method, params, headers, body, answer.status, copied(answer.body), team_id or ""
        )
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        if failure is not None and failure.handle_first:
            time.sleep(failure.delay)
        return answer

    def _answer(self, method: str, params: Params, team_id: str | None) -> _Answer:
        handler = self._methods.get(method)
        if handler is None:
            return _Answer(200, {"ok": False, "error": "unknown_method"}, {})
        try:
            with self._cond:
                self._caller = team_id  # the handler answers for the token's workspace
                try:
                    body = handler(params)
                finally:
                    self._caller = None
        except _SlackError as error:
            body = error.body
        return _Answer(200, body, {})


def _real_time() -> datetime:
    return datetime.now(UTC)
