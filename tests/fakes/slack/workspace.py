"""The workspace a test arranges: channels and who is in them, messages people post, and the
reactions they add, kept as Slack would store them."""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.slack.base import Params, _dm_channel
from tests.fakes.slack.paging import _ts_key


class Workspace:
    """What tests arrange and read back; uses the state FakeSlack sets up."""

    def add_channel(
        self, channel: str, *, private: bool = False, members: tuple[str, ...] = ()
    ) -> None:
        """Declare a channel (public unless ``private``) with ``members``; the bot is not in it
        unless named (or it joins, or ``invite`` adds it later)."""
        with self._cond:
            self.channels.add(channel)
            if private:
                self.private_channels.add(channel)
            self.channel_members.setdefault(channel, set()).update(members)

    def invite(self, channel: str, *users: str) -> None:
        """Add ``users`` (the bot by default) to ``channel``, as ``/invite`` does."""
        with self._cond:
            if channel not in self.channels:
                raise AssertionError(f"no channel {channel}; declare it with add_channel")
            self.channel_members.setdefault(channel, set()).update(users or (self.bot_user_id,))

    def add_message(self, channel: str, user: str, text: str, **fields: Any) -> str:
        """A message a person posted in ``channel`` (for shortcuts on it); returns its ts."""
        with self._cond:
            if channel not in self.channels:
                raise AssertionError(f"no channel {channel}; declare it with add_channel")
            ts = self._next_ts()
            message = {"type": "message", "user": user, "text": text, "ts": ts, **fields}
            self.messages[(channel, ts)] = message
            return ts

    def message(self, channel: str, ts: str) -> dict[str, Any]:
        """The message as it currently stands (a copy); AssertionError if there is none."""
        key = (_dm_channel(channel), ts)
        with self._cond:
            if key not in self.messages:
                raise AssertionError(f"no message {key}; stored: {sorted(self.messages)}")
            return copy.deepcopy(self.messages[key])

    def thread(self, channel: str, ts: str) -> list[dict[str, Any]]:
        """Replies in the thread under ``ts``, oldest first (the parent excluded)."""
        with self._cond:
            return copy.deepcopy(self._replies_to(_dm_channel(channel), ts))

    def add_reaction(self, channel: str, ts: str, user: str, name: str) -> bool:
        """``user`` reacts with ``name`` to a stored message, as a person does in Slack (events
        are the test client's business); False when there is no such message."""
        with self._cond:
            message = self.messages.get((_dm_channel(channel), ts))
            if message is None:
                return False
            reactions = message.setdefault("reactions", [])
            reaction = next((r for r in reactions if r["name"] == name), None)
            if reaction is None:
                reaction = {"name": name, "users": [], "count": 0}
                reactions.append(reaction)
            if user not in reaction["users"]:
                reaction["users"].append(user)
                reaction["count"] += 1
            return True

    def remove_reaction(self, channel: str, ts: str, user: str, name: str) -> bool:
        """``user`` takes their ``name`` reaction off a stored message; False if it was not on."""
        with self._cond:
            message = self.messages.get((_dm_channel(channel), ts)) or {}
            reactions = message.get("reactions", [])
            reaction = next((r for r in reactions if r["name"] == name), None)
            if reaction is None or user not in reaction["users"]:
                return False
            reaction["users"].remove(user)
            reaction["count"] -= 1
            if not reaction["users"]:
                reactions.remove(reaction)
            if not reactions:
                del message["reactions"]
            return True

    def post_as(self, user: str, channel: str, text: str, *, thread_ts: str | None = None) -> str:
        """A message ``user`` writes (in the thread under ``thread_ts``); its ts. Only stored: the
        test client sends the event, or not, as the test wants."""
        with self._cond:
            ts = self._next_ts()
            message: Params = {"type": "message", "user": user, "text": text, "ts": ts}
            if thread_ts:
                message["thread_ts"] = thread_ts
            self.messages[(channel, ts)] = message
            self.channels.add(channel)
            return ts

    def _next_id(self, prefix: str) -> str:
        return f"{prefix}{next(self._ids):09d}"

    def _next_ts(self) -> str:
        """A message ts: the fake's clock, and always later than the one before."""
        now = round(self.clock().timestamp() * 1_000_000)
        self._last_ts = max(now, self._last_ts + 100)
        return f"{self._last_ts // 1_000_000}.{self._last_ts % 1_000_000:06d}"

    def _permalink(self, channel: str, ts: str) -> str:
        return f"https://{self.team_domain}.slack.com/archives/{channel}/p{ts.replace('.', '')}"

    def _replies_to(self, channel: str, ts: str) -> list[Params]:
        """The stored replies in the thread under ``ts``, oldest first."""
        replies = [
            m
            for (c, m_ts), m in self.messages.items()
            if c == channel and m.get("thread_ts") == ts and m_ts != ts
        ]
        return sorted(replies, key=lambda m: _ts_key(m["ts"]))
