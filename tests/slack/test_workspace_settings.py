"""Settings per workspace, through the front door: the config file applied at start and
read-only in Slack, a first run with no file (nothing can be filed, nothing is nudged, and
`/request` says who can set Liaison up), and a change seen by the very next request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bot.jobs.digest import post_digests
from bot.jobs.nudges import send_nudges
from bot.jobs.reconcile import reconcile_cards
from bot.jobs.usergroups import refresh_usergroups
from tests.conftest import (
    ENGINEER,
    INTAKE_CHANNEL,
    SALES_LEAD,
    SALES_REP,
    TEAM_ID,
    Liaison,
)
from tests.slack.helpers import file_request

SALES = {"key": "sales", "name": "Sales", "role": "requester", "members": [SALES_REP]}
ENG = {
    "key": "eng",
    "name": "Engineering",
    "role": "fulfiller",
    "intake_channel": INTAKE_CHANNEL,
    "members": [ENGINEER],
}


def test_the_config_file_is_applied_at_start_and_read_only(
    liaison: Liaison, config_path: Path
) -> None:
    store = liaison.runtime.workspace_settings
    current = store.current(TEAM_ID)
    assert (current.source, current.path) == ("file", str(config_path.resolve()))
    assert [d.key for d in current.config.departments] == ["sales", "eng"]
    assert {entry.changed_by for entry in store.history(TEAM_ID)} == {"file"}

    [problem] = store.change(TEAM_ID, "departments", [SALES, ENG], by=SALES_LEAD)
    assert str(config_path.resolve()) in str(problem)
    assert store.current(TEAM_ID).version == current.version


class TestFirstRun:
    """No config file at all: Liaison starts, and is set up in Slack."""

    @pytest.fixture
    def config_text(self) -> None:
        return None

    def test_request_says_liaison_is_not_set_up_and_who_can_do_it(self, liaison: Liaison) -> None:
        liaison.slack.command(SALES_REP, "Please build a thing")
        [answer] = liaison.fake.wait_for("response_url")
        assert answer.params["response_type"] == "ephemeral"
        assert "isn't set up" in answer.params["text"]
        assert "workspace admin or owner" in answer.params["text"]
        liaison.settle()
        liaison.fake.assert_no_call("views.open")

    def test_the_shortcut_says_so_in_a_modal(self, liaison: Liaison) -> None:
        liaison.slack.message_shortcut(SALES_REP, {"text": "hi", "user": SALES_REP})
        view = liaison.fake.wait_for("views.open")[0].params["view"]
        assert "isn't set up" in json.dumps(view)

    def test_a_change_is_seen_by_the_next_request(self, liaison: Liaison) -> None:
        store = liaison.runtime.workspace_settings
        liaison.slack.command(SALES_REP)
        liaison.fake.wait_for("response_url")  # not set up: and now cached as such

        assert store.change(TEAM_ID, "departments", [SALES], by=SALES_LEAD) == []
        liaison.slack.command(SALES_REP)
        answers = liaison.fake.wait_for("response_url", count=2)
        assert "isn't set up" in answers[-1].params["text"]  # nobody to do the work yet

        assert store.change(TEAM_ID, "departments", [SALES, ENG], by=SALES_LEAD) == []
        liaison.slack.command(SALES_REP, "Now it works")
        [opened] = liaison.fake.wait_for("views.open")
        assert "Now it works" in json.dumps(opened.params["view"])
        assert [e.section for e in store.history(TEAM_ID)] == ["departments", "departments"]

    def test_from_nothing_to_a_filed_request_and_back(self, liaison: Liaison, db) -> None:
        store = liaison.runtime.workspace_settings
        assert store.change(TEAM_ID, "departments", [SALES, ENG], by=SALES_LEAD) == []
        card = file_request(liaison, db)
        assert card.channel == INTAKE_CHANNEL
        assert reconcile_cards(liaison.runtime).checked == 1

        # Departments cleared: the workspace is not set up any more, and the jobs leave it.
        assert store.change(TEAM_ID, "departments", [], by=SALES_LEAD) == []
        assert reconcile_cards(liaison.runtime).checked == 0
        liaison.clock.advance(days=3)
        assert send_nudges(liaison.runtime).nudges == []
        liaison.slack.command(SALES_REP)
        assert "isn't set up" in liaison.fake.wait_for("response_url")[-1].params["text"]

    def test_jobs_do_nothing_for_a_workspace_with_no_settings(self, liaison: Liaison) -> None:
        liaison.settle()
        before = len(liaison.fake.calls)
        assert send_nudges(liaison.runtime).nudges == []
        assert post_digests(liaison.runtime) == []
        assert reconcile_cards(liaison.runtime).checked == 0
        assert refresh_usergroups(liaison.runtime).read == []
        methods = {call.method for call in liaison.fake.calls[before:]}
        assert methods <= {"auth.test"}
