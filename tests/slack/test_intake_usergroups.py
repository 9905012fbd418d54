"""Membership read from a Slack user group: from what Liaison keeps in its database, filled by the
`refresh-usergroups` job at start, and never asked of Slack while someone waits for an answer."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select

from bot.domain.models import Request, UsergroupMember, UsergroupRead
from bot.jobs.usergroups import refresh_usergroups
from tests.conftest import DEFAULT_CONFIG, Liaison

LOADING = "still loading who is in which team"


@pytest.fixture
def config_text() -> str:
    return DEFAULT_CONFIG.replace('members = ["USALES1", "USALES2"]', 'usergroup = "SSALES"')


@pytest.fixture
def fake_slack(fake_slack):  # type: ignore[no-untyped-def]
    fake_slack.usergroups["SSALES"] = ["USALESNEW"]
    return fake_slack


def test_a_member_of_the_user_group_may_file(liaison: Liaison) -> None:
    liaison.slack.command("USALESNEW", "From the group")
    view = liaison.fake.wait_for("views.open")[0].params["view"]
    assert view["callback_id"] == "request_intake"
    liaison.slack.command("UNOTINGROUP")
    [refusal] = liaison.fake.wait_for("response_url")
    assert "Only members of a requesting department" in refusal.params["text"]
    liaison.settle()
    # The group was read once, when the app started; answers never asked Slack.
    assert len(liaison.fake.calls_to("usergroups.users.list", usergroup="SSALES")) == 1


def test_a_change_in_slack_counts_after_the_next_refresh(liaison: Liaison) -> None:
    liaison.fake.usergroups["SSALES"] = ["USALESLATER"]
    liaison.slack.command("USALESLATER")
    [refusal] = liaison.fake.wait_for("response_url")
    assert "Only members of a requesting department" in refusal.params["text"]

    refresh_usergroups(liaison.runtime)

    liaison.slack.command("USALESLATER")
    liaison.fake.wait_for("views.open")
    liaison.slack.command("USALESNEW")  # no longer in the group
    refusals = liaison.fake.wait_for("response_url", count=2)
    assert "Only members of a requesting department" in refusals[-1].params["text"]


def test_a_rate_limited_refresh_keeps_the_members_known(liaison: Liaison) -> None:
    liaison.fake.usergroups["SSALES"] = []
    liaison.fake.fail("usergroups.users.list", status=429, retry_after=60, usergroup="SSALES")

    report = refresh_usergroups(liaison.runtime)

    assert report.failed == {"SSALES": "ratelimited"}
    liaison.slack.command("USALESNEW")
    liaison.fake.wait_for("views.open")


class TestBeforeTheFirstRead:
    """Just after the first start, before the job has read a group."""

    @pytest.fixture
    def read_usergroups_at_start(self) -> bool:
        return False

    def test_the_command_asks_to_try_again_in_a_minute(self, liaison: Liaison) -> None:
        liaison.slack.command("USALESNEW", "Too early")
        [answer] = liaison.fake.wait_for("response_url")
        assert LOADING in answer.params["text"] and "try again in a minute" in answer.params["text"]
        liaison.settle()
        liaison.fake.assert_no_call("views.open")
        liaison.fake.assert_no_call("usergroups.users.list")

        refresh_usergroups(liaison.runtime)

        liaison.slack.command("USALESNEW", "Now")
        assert liaison.fake.wait_for("views.open")[0].params["view"]["callback_id"] == (
            "request_intake"
        )

    def test_the_shortcut_says_so_in_a_modal(self, liaison: Liaison) -> None:
        liaison.slack.message_shortcut("USALESNEW", {"text": "hi", "user": "USALESNEW"})
        view = liaison.fake.wait_for("views.open")[0].params["view"]
        assert LOADING in json.dumps(view)
        liaison.fake.assert_no_call("usergroups.users.list")

    def test_a_form_sent_meanwhile_is_kept_open_with_the_reason(self, liaison: Liaison, db) -> None:
        refresh_usergroups(liaison.runtime)
        liaison.slack.command("USALESNEW")
        view = liaison.fake.wait_for("views.open")[0].response["view"]
        # As if the app had been started afresh on an empty database while the form was open.
        with liaison.runtime.sessions.begin() as session:
            session.execute(delete(UsergroupMember))
            session.execute(delete(UsergroupRead))

        response = liaison.slack.view_submission(view, "USALESNEW", {"title": "Too early"})

        assert response.json()["response_action"] == "errors"
        assert LOADING in response.json()["errors"]["title"]
        assert db.scalars(select(Request)).all() == []


def test_a_group_slack_does_not_know_is_an_empty_one(liaison: Liaison) -> None:
    # SSALES was read at start; a group that Slack says does not exist counts as nobody.
    del liaison.fake.usergroups["SSALES"]
    refresh_usergroups(liaison.runtime)

    liaison.slack.command("USALESNEW")
    [refusal] = liaison.fake.wait_for("response_url")
    assert "Only members of a requesting department" in refusal.params["text"]
