"""reactions.get (reactions.add and .remove only answer ok)."""

from __future__ import annotations

import copy
from typing import Any

from tests.fakes.slack.base import Params, _flag, _SlackError

PARTIAL_REACTION_USERS = 3  # users listed per reaction by reactions.get without full=true


class ReactionsMethods:
    """reactions.* handlers; use the workspace FakeSlack sets up."""

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
