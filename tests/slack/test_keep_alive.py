"""The Web API client keeps its connection to Slack open between calls, replaces one Slack
closed, and reads Slack's errors exactly as slack_sdk's own client does."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.slack.connections import KeepAliveWebClient
from tests.conftest import BOT_TOKEN, SALES_REP, TEAM_ID, Liaison
from tests.fakes.slack_api import FakeSlack


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(team_id=TEAM_ID, token=BOT_TOKEN) as fake:
        fake.channels.add("CGENERAL")
        yield fake


def client(fake: FakeSlack) -> KeepAliveWebClient:
    return KeepAliveWebClient(token=BOT_TOKEN, base_url=fake.base_url, timeout=5)


def test_calls_from_one_thread_share_one_connection(fake: FakeSlack) -> None:
    slack = client(fake)
    for _ in range(3):
        assert slack.auth_test()["ok"]
    assert fake.connections_accepted == 1
    assert len(fake.calls_to("auth.test")) == 3


def test_each_thread_keeps_its_own_connection(fake: FakeSlack) -> None:
    slack = client(fake)
    slack.auth_test()
    other = threading.Thread(target=lambda: [slack.auth_test() for _ in range(2)])
    other.start()
    other.join()
    slack.auth_test()
    assert fake.connections_accepted == 2
    assert len(fake.calls_to("auth.test")) == 4


def test_a_connection_slack_closed_is_replaced_and_nothing_is_sent_twice(fake: FakeSlack) -> None:
    slack = client(fake)
    slack.conversations_join(channel="CGENERAL")
    slack.chat_postMessage(channel="CGENERAL", text="first")
    fake.close_connections()  # as Slack does with an idle connection
    slack.chat_postMessage(channel="CGENERAL", text="second")
    assert fake.connections_accepted == 2
    assert [c.params["text"] for c in fake.calls_to("chat.postMessage")] == ["first", "second"]


@pytest.mark.parametrize(
    ("status", "error"), [(429, "ratelimited"), (500, "internal_error"), (200, "invalid_blocks")]
)
def test_slack_errors_read_as_with_slack_sdks_own_client(
    fake: FakeSlack, status: int, error: str
) -> None:
    seen = []
    for slack in (WebClient(token=BOT_TOKEN, base_url=fake.base_url), client(fake)):
        fake.fail("auth.test", error, status=status, retry_after=7 if status == 429 else None)
        with pytest.raises(SlackApiError) as raised:
            slack.auth_test()
        response = raised.value.response
        seen.append(
            (response.status_code, response.get("error"), response.headers.get("Retry-After"))
        )
        assert slack.auth_test()["ok"]  # the connection is still good afterwards
    assert seen[0] == seen[1]
    assert seen[0][0] == status


def test_a_stopped_slack_is_a_connection_error(fake: FakeSlack) -> None:
    slack = client(fake)
    slack.auth_test()
    fake.stop()
    with pytest.raises(OSError):
        slack.auth_test()


def test_the_app_calls_slack_through_kept_connections(liaison: Liaison) -> None:
    assert isinstance(liaison.runtime.client_for(TEAM_ID), KeepAliveWebClient)


def test_the_listeners_calls_keep_their_connection_too(liaison: Liaison) -> None:
    """Bolt makes a new client for each request; the modals the listeners open still go over the
    connections kept open, not one new connection per call."""
    opened_before = liaison.fake.connections_accepted
    for _ in range(12):
        assert liaison.slack.command(SALES_REP).status_code == 200
        liaison.settle()
    assert len(liaison.fake.calls_to("views.open")) == 12
    # At most one per thread of the listeners' pool (8), where each call used to open its own.
    assert liaison.fake.connections_accepted - opened_before <= 8
