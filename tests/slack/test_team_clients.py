"""Each workspace's client: its current token, kept for the most recently used workspaces."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient

from bot.slack.installations import NotInstalled, TeamClients


def test_a_client_per_workspace_with_its_current_token_and_a_bounded_cache() -> None:
    tokens = {"T1": "xoxb-1", "T2": "xoxb-2", "T3": "xoxb-3"}
    made: list[str] = []

    def make(token: str) -> WebClient:
        made.append(token)
        return WebClient(token=token)

    clients = TeamClients(tokens.get, make, size=2)
    first = clients("T1")
    assert clients("T1") is first and first.token == "xoxb-1"
    assert clients("T2").token == "xoxb-2"
    assert clients("T3").token == "xoxb-3"  # T1, the least recently used, is dropped
    assert clients("T1") is not first and made == ["xoxb-1", "xoxb-2", "xoxb-3", "xoxb-1"]
    tokens["T3"] = "xoxb-3-reinstalled"
    assert clients("T3").token == "xoxb-3-reinstalled"
    del tokens["T2"]  # uninstalled
    with pytest.raises(NotInstalled):
        clients("T2")
    with pytest.raises(NotInstalled):
        clients("")
