"""Membership read from a Slack user group, and acknowledging before asking Slack about it."""

from __future__ import annotations

import pytest

from tests.conftest import DEFAULT_CONFIG, Liaison


@pytest.fixture
def config_text() -> str:
    return DEFAULT_CONFIG.replace('members = ["USALES1", "USALES2"]', 'usergroup = "SSALES"')


def test_a_member_of_the_user_group_may_file(liaison: Liaison) -> None:
    liaison.fake.usergroups["SSALES"] = ["USALESNEW"]
    liaison.slack.command("USALESNEW", "From the group")
    view = liaison.fake.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "request_intake"
    liaison.slack.command("UNOTINGROUP")
    [refusal] = liaison.fake.wait_for("response_url")
    assert "Only members of a requesting department" in refusal.params["text"]
    # The group was read once and cached.
    assert len(liaison.fake.calls_to("usergroups.users.list", usergroup="SSALES")) == 1


def test_the_command_is_acknowledged_before_slack_is_asked_about_the_group(
    liaison: Liaison,
) -> None:
    liaison.fake.usergroups["SSALES"] = ["USALESNEW"]
    liaison.fake.slow_down("usergroups.users.list", 2.0)
    response = liaison.slack.command("USALESNEW")
    # The acknowledgement came back while Slack was still answering the membership question.
    assert response.status_code == 200
    assert liaison.fake.calls_to("usergroups.users.list") == []
    liaison.fake.wait_for("views.open", timeout=10)


def test_a_rate_limited_membership_lookup_is_retried_on_the_spot(liaison: Liaison) -> None:
    liaison.fake.usergroups["SSALES"] = ["USALESNEW"]
    liaison.fake.fail("usergroups.users.list", status=429, retry_after=0)
    liaison.slack.command("USALESNEW", "Despite the rate limit")
    view = liaison.fake.wait_for("views.open", timeout=10)[0].params["view"]
    assert view["callback_id"] == "request_intake"
    lookups = liaison.fake.calls_to("usergroups.users.list", usergroup="SSALES")
    assert [call.status for call in lookups] == [429, 200]


def test_a_long_rate_limit_is_not_waited_out_by_a_listener(liaison: Liaison) -> None:
    liaison.fake.usergroups["SSALES"] = ["USALESNEW"]
    liaison.fake.fail("usergroups.users.list", status=429, retry_after=60)
    liaison.slack.command("USALESNEW", "During a long rate limit")
    [refusal] = liaison.fake.wait_for("response_url", timeout=10)
    assert "Only members of a requesting department" in refusal.params["text"]
    assert len(liaison.fake.calls_to("usergroups.users.list")) == 1
