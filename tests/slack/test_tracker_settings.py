"""The tracker of a fulfilling department, set in the Settings section of the Home tab: linked,
changed and unlinked by admins and the department's leads, refused on the right field, audited,
and read-only when the config file manages the settings."""

# The Settings tests' fixtures (`set_up`, `config_text`) are imported and taken by name.
# ruff: noqa: F811

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.config import TrackerKind
from bot.domain.models import TrackerIssue
from bot.jobs.trackers import create_missing_issues
from tests.conftest import ENG_LEAD, ENGINEER, SALES_LEAD, TEAM_ID, Inspector, Liaison
from tests.fakes.trackers import GITHUB_REPO, JIRA_PROJECT, FakeTrackers
from tests.slack.helpers import file_request, react, thread_texts
from tests.slack.test_home import open_home
from tests.slack.test_settings import (  # noqa: F401 (fixtures)
    ADMIN,
    action_ids,
    click_open,
    config_text,
    set_up,
    settings_of,
    submit,
    texts,
)
from tests.slack.tracker_helpers import commit_request, config_with_tracker


def trackers(liaison: Liaison) -> list[dict]:
    return liaison.runtime.workspace_settings.current(TEAM_ID).document.get("trackers", [])


def test_an_admin_links_changes_and_unlinks_a_tracker(set_up: Liaison) -> None:
    shown = texts(settings_of(open_home(set_up, ADMIN)))
    assert "Tracker: none" in shown
    view = click_open(set_up, ADMIN, "settings_tracker", "settings_tracker", "eng")
    answer = submit(
        set_up,
        view,
        ADMIN,
        tracker_kind="github",
        tracker_repo="acme/backend",
        tracker_create_on="claim",
        tracker_users=f"{ENGINEER} = octocat\n<@UENG2> = hubot",
    )
    assert answer == {}
    assert trackers(set_up) == [
        {
            "department": "eng",
            "kind": "github",
            "repo": "acme/backend",
            "create_on": "claim",
            "users": {ENGINEER: "octocat", "UENG2": "hubot"},
        }
    ]
    tracker = set_up.runtime.config_for(TEAM_ID).tracker_for("eng")
    assert tracker is not None and tracker.kind is TrackerKind.GITHUB
    latest = set_up.runtime.workspace_settings.history(TEAM_ID)[0]
    assert (latest.section, latest.changed_by) == ("trackers", ADMIN)
    home = set_up.fake.wait_for("views.publish", user_id=ADMIN)[-1].params["view"]
    assert "Tracker: GitHub `acme/backend` · issues on claim" in texts(settings_of(home))

    # Jira instead: the form shows what is set, and only Jira's keys are kept.
    view = click_open(set_up, ADMIN, "settings_tracker", "settings_tracker", "eng")
    assert view["blocks"][1]["element"]["initial_value"] == "acme/backend"
    assert submit(set_up, view, ADMIN, tracker_kind="jira", tracker_project="ENG") == {}
    [jira] = trackers(set_up)
    assert jira["kind"] == "jira" and jira["project"] == "ENG" and "repo" not in jira

    view = click_open(set_up, ADMIN, "settings_tracker", "settings_tracker", "eng")
    assert submit(set_up, view, ADMIN, tracker_remove=["remove"]) == {}
    assert trackers(set_up) == []
    assert set_up.runtime.config_for(TEAM_ID).tracker_for("eng") is None


def test_bad_values_are_refused_on_their_fields(set_up: Liaison) -> None:
    view = click_open(set_up, ADMIN, "settings_tracker", "settings_tracker", "eng")
    version = set_up.runtime.workspace_settings.current(TEAM_ID).version
    answer = submit(
        set_up, view, ADMIN, tracker_kind="github", tracker_repo="not a repo", tracker_users=""
    )
    assert set(answer["errors"]) == {"tracker_repo"}
    answer = submit(set_up, view, ADMIN, tracker_kind="linear", tracker_repo="")
    assert set(answer["errors"]) == {"tracker_team"}
    answer = submit(
        set_up,
        view,
        ADMIN,
        tracker_kind="jira",
        tracker_project="ENG",
        tracker_users="someone without an equals sign",
    )
    assert set(answer["errors"]) == {"tracker_users"}
    assert set_up.runtime.workspace_settings.current(TEAM_ID).version == version
    assert trackers(set_up) == []


def test_a_lead_sets_their_own_departments_tracker_only(set_up: Liaison) -> None:
    blocks = settings_of(open_home(set_up, ENG_LEAD))
    assert "settings_tracker" in action_ids(blocks)
    view = click_open(set_up, ENG_LEAD, "settings_tracker", "settings_tracker", "eng")
    assert submit(set_up, view, ENG_LEAD, tracker_kind="linear", tracker_team="team-eng") == {}
    assert trackers(set_up)[0]["team"] == "team-eng"

    # The sales lead leads no fulfilling department: no button, and a forged form is refused.
    assert "settings_tracker" not in action_ids(settings_of(open_home(set_up, SALES_LEAD)))
    version = set_up.runtime.workspace_settings.current(TEAM_ID).version
    for person in (SALES_LEAD, ENGINEER):
        answer = submit(set_up, view, person, tracker_kind="linear", tracker_team="other")
        assert "Only workspace admins" in answer["errors"]["tracker_kind"], person
    assert set_up.runtime.workspace_settings.current(TEAM_ID).version == version


class TestFileManaged:
    @pytest.fixture
    def config_text(self) -> str:
        return config_with_tracker("github")

    def test_the_files_tracker_is_shown_read_only(
        self, liaison: Liaison, config_path: Path
    ) -> None:
        liaison.fake.users[ADMIN] = {"is_admin": True}
        blocks = settings_of(open_home(liaison, ADMIN))
        assert "Tracker: GitHub `acme/backend`" in texts(blocks)
        assert "settings_tracker" not in action_ids(blocks)
        home = open_home(liaison, ADMIN)
        liaison.slack.block_action(ADMIN, "settings_tracker", value="eng", view=home)
        liaison.settle()
        shown = liaison.fake.wait_for("views.open")[-1].params["view"]
        assert str(config_path.resolve()) in texts(shown["blocks"])


# -- a tracker linked after requests were committed ---------------------------------------------


@pytest.fixture
def extra_settings(fake_trackers: FakeTrackers) -> dict[str, Any]:
    return fake_trackers.environment()


def issue_rows(db: Inspector) -> dict[int, TrackerIssue]:
    return {row.request_id: row for row in db.scalars(select(TrackerIssue))}


def test_linking_a_tracker_creates_the_issues_of_requests_already_committed_once_each(
    set_up: Liaison, db: Inspector, fake_trackers: FakeTrackers
) -> None:
    committed = commit_request(set_up, db)
    claimed = file_request(set_up, db, title="Bulk import")
    react(set_up, claimed, ENGINEER, "raising_hand")
    untouched = file_request(set_up, db, title="Dark mode")
    assert issue_rows(db) == {}

    view = click_open(set_up, ADMIN, "settings_tracker", "settings_tracker", "eng")
    assert submit(set_up, view, ADMIN, tracker_kind="github", tracker_repo=GITHUB_REPO) == {}
    set_up.settle()
    # The committed request's issue, right away; the others do not meet "commit".
    [issue] = fake_trackers.issues("github")
    assert "REQ-1" in issue["body"] and issue["assignees"] == []
    rows = issue_rows(db)
    assert set(rows) == {committed.request_id} and rows[committed.request_id].state == "open"
    assert any(rows[committed.request_id].key in t for t in thread_texts(set_up, committed))

    # Issues on claim now: the claimed request's too, and the committed one's not again.
    view = click_open(set_up, ADMIN, "settings_tracker", "settings_tracker", "eng")
    answer = submit(
        set_up,
        view,
        ADMIN,
        tracker_kind="github",
        tracker_repo=GITHUB_REPO,
        tracker_create_on="claim",
    )
    assert answer == {}
    set_up.settle()
    assert len(fake_trackers.issues("github")) == 2
    assert set(issue_rows(db)) == {committed.request_id, claimed.request_id}
    assert untouched.request_id not in issue_rows(db)
    # The periodic job finds nothing more to do.
    assert create_missing_issues(set_up.runtime) == []
    assert len(fake_trackers.calls_to("github.create_issue")) == 2


def test_a_tracker_added_to_the_settings_otherwise_is_caught_up_by_the_job(
    set_up: Liaison, db: Inspector, fake_trackers: FakeTrackers
) -> None:
    card = commit_request(set_up, db)
    tracker = {"department": "eng", "kind": "jira", "project": JIRA_PROJECT}
    store = set_up.runtime.workspace_settings
    assert store.change(TEAM_ID, "trackers", [tracker], by="cli") == []
    assert issue_rows(db) == {}

    assert create_missing_issues(set_up.runtime) == [card.request_id]
    set_up.settle()
    [issue] = fake_trackers.issues("jira")
    assert issue["fields"]["duedate"] == "2026-12-18"
    assert issue_rows(db)[card.request_id].key == "ENG-1"
    assert create_missing_issues(set_up.runtime) == []
