"""Strictness: what Slack refuses. The token has the manifest's scopes and nothing more, the bot
reads and posts only where it is a member, methods are rate limited by Slack's tiers and posts
by each channel's pace, and trigger ids expire."""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

from bot.slack.manifest import bot_scopes
from tests.fakes.slack.base import Params, _Answer, _dm_channel, _SlackError

# The token of an app installed from the project's manifest has exactly its scopes.
DEFAULT_SCOPES = ",".join(bot_scopes())

# The scope a bot token needs for each method (any one of those listed), from Slack's method
# docs. Methods that read or join a conversation need the scope of its kind (see
# CONVERSATION_SCOPES); methods not listed need none.
METHOD_SCOPES: dict[str, tuple[str, ...]] = {
    "chat.postMessage": ("chat:write",),
    "chat.update": ("chat:write",),
    "chat.delete": ("chat:write",),
    "chat.postEphemeral": ("chat:write",),
    "conversations.open": ("im:write", "mpim:write"),
    "conversations.join": ("channels:join",),
    "usergroups.list": ("usergroups:read",),
    "usergroups.users.list": ("usergroups:read",),
    "users.info": ("users:read",),
    "reactions.add": ("reactions:write",),
    "reactions.remove": ("reactions:write",),
    "reactions.get": ("reactions:read",),
    "files.getUploadURLExternal": ("files:write",),
    "files.completeUploadExternal": ("files:write",),
}
_KINDS = (("public", "channels"), ("private", "groups"), ("im", "im"), ("mpim", "mpim"))
# method -> {kind of conversation -> the scope it needs there}.
CONVERSATION_SCOPES: dict[str, dict[str, str]] = {
    method: {kind: f"{prefix}:{verb}" for kind, prefix in _KINDS}
    for method, verb in (
        ("conversations.history", "history"),
        ("conversations.replies", "history"),
        ("conversations.info", "read"),
        ("conversations.members", "read"),
    )
}
# Calls a minute per method (Slack's tiers 2, 3 and 4: "20+", "50+", "100+"); chat.postMessage
# is limited per channel instead (POSTS_PER_SECOND, CHANNEL_BURST). Counted on the fake's clock.
TIER_2, TIER_3, TIER_4 = 20, 50, 100
METHOD_TIERS: dict[str, int] = {
    "usergroups.list": TIER_2,
    "usergroups.users.list": TIER_2,
    "chat.update": TIER_3,
    "chat.delete": TIER_3,
    "conversations.history": TIER_3,
    "conversations.replies": TIER_3,
    "conversations.info": TIER_3,
    "conversations.join": TIER_3,
    "conversations.open": TIER_3,
    "reactions.add": TIER_3,
    "reactions.remove": TIER_3,
    "reactions.get": TIER_3,
    "users.info": TIER_4,
    "conversations.members": TIER_4,
    "views.open": TIER_4,
    "views.push": TIER_4,
    "views.update": TIER_4,
    "views.publish": TIER_4,
    "chat.postEphemeral": TIER_4,
    "chat.getPermalink": TIER_4,
    "files.getUploadURLExternal": TIER_4,
    "files.completeUploadExternal": TIER_4,
}
RATE_WINDOW = timedelta(minutes=1)
POSTS_PER_SECOND = 1
CHANNEL_BURST = 10  # messages a channel takes at once before the one-a-second pace applies
TRIGGER_LIFETIME = timedelta(seconds=3)


class Strictness:
    """Slack's refusals; uses the workspace, clock and counters FakeSlack sets up."""

    def bot_hears(self, channel: str, team_id: str | None = None) -> bool:
        """Whether Slack sends the app events from ``channel``: only where the bot (of workspace
        ``team_id``, the home one by default) is a member."""
        with self._cond:
            if channel.startswith("D"):
                return True
            bot = self._teams[team_id].bot_user_id if team_id in self._teams else self.bot_user_id
            return channel in self.channels and bot in self.channel_members.get(channel, set())

    def issue_trigger(self, trigger_id: str) -> None:
        """Note when a user's click made ``trigger_id`` (the signer calls this); it expires
        TRIGGER_LIFETIME later on the fake's clock. Trigger ids never issued do not expire."""
        with self._cond:
            self._triggers.setdefault(trigger_id, self.clock())

    def raise_rate_limits(self, factor: int = 100) -> None:
        """Multiply every rate limit by ``factor``, for a test that needs volume."""
        with self._cond:
            self._rate_factor = factor
            self._channel_posts.clear()  # every channel's burst allowance starts full again

    def _check_auth(
        self, headers: dict[str, str], params: Params
    ) -> tuple[str | None, _Answer | None]:
        """The workspace the call's token belongs to, or Slack's refusal (installs.py)."""
        authorization = headers.get("authorization", "")
        if authorization:
            token = authorization.removeprefix("Bearer").strip()
        else:
            token = str(params.get("token") or "")
        return self._check_token(token)

    def _check_scope(self, method: str, params: Params) -> _Answer | None:
        if method in CONVERSATION_SCOPES:
            kind = self._kind_of(str(params.get("channel") or ""))
            needed: tuple[str, ...] = (CONVERSATION_SCOPES[method][kind],)
        else:
            needed = METHOD_SCOPES.get(method, ())
        provided = [scope for scope in self.scopes.split(",") if scope]
        if not needed or any(scope in provided for scope in needed):
            return None
        body = {
            "ok": False,
            "error": "missing_scope",
            "needed": ",".join(needed),
            "provided": self.scopes,
        }
        return _Answer(200, body, {})

    def _check_rate(self, method: str, params: Params) -> _Answer | None:
        """429 with Retry-After when the call would exceed its tier (or, for chat.postMessage,
        its channel's pace); the call is counted when it is let through."""
        now = self.clock()
        with self._cond:
            if method == "chat.postMessage" and params.get("channel"):
                return self._check_channel_pace(_dm_channel(str(params["channel"])), now)
            limit = METHOD_TIERS.get(method)
            if limit is None:
                return None
            recent = self._method_calls.setdefault(method, deque())
            while recent and not (now - RATE_WINDOW < recent[0] <= now):
                recent.popleft()
            if len(recent) >= limit * self._rate_factor:
                wait = (recent[0] + RATE_WINDOW - now).total_seconds()
                return _rate_limited(wait)
            recent.append(now)
            return None

    def _check_channel_pace(self, channel: str, now: datetime) -> _Answer | None:
        burst = CHANNEL_BURST * self._rate_factor
        tokens, as_of = self._channel_posts.get(channel, (float(burst), now))
        elapsed = max((now - as_of).total_seconds(), 0.0)
        tokens = min(float(burst), tokens + elapsed * POSTS_PER_SECOND * self._rate_factor)
        if tokens < 1:
            self._channel_posts[channel] = (tokens, now)
            return _rate_limited((1 - tokens) / POSTS_PER_SECOND)
        self._channel_posts[channel] = (tokens - 1, now)
        return None

    def _kind_of(self, channel: str) -> str:
        """public, private, im or mpim: which of a method's scopes a conversation needs."""
        if channel[:1] in ("D", "U", "W"):
            return "im"
        if channel.startswith("G") and channel not in self.private_channels:
            return "mpim"
        return "private" if channel in self.private_channels else "public"

    def _bot_in(self, channel: str) -> bool:
        if channel.startswith("D"):
            return True
        return self.bot_user_id in self.channel_members.get(channel, set())

    def _readable_channel(self, params: Params, key: str = "channel") -> str:
        """A channel the bot may read or post in: it exists and the bot is a member."""
        channel = str(params.get(key) or "")
        if channel not in self.channels:
            raise _SlackError("channel_not_found")
        if not self._bot_in(channel):
            raise _SlackError("not_in_channel")
        return channel


def _rate_limited(wait_seconds: float) -> _Answer:
    retry_after = max(1, int(-(-wait_seconds // 1)))  # whole seconds, rounded up, as Slack does
    body = {"ok": False, "error": "ratelimited"}
    return _Answer(429, body, {"Retry-After": str(retry_after)})
