"""The `poll-trackers` job, for installations without a public URL: each workspace's tracker is
asked for its linked issues updated since the last poll (conditionally, where the tracker allows
it), and what changed is handled as a webhook would be."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.domain.lifecycle import Status
from bot.domain.models import TrackerIssue, TrackerPoll
from bot.jobs.trackers import poll_trackers
from tests.conftest import SALES_REP, Liaison
from tests.fakes.trackers import FakeTrackers
from tests.slack.helpers import current, dms_to, thread_texts
from tests.slack.tracker_helpers import LINKS, committed_and_linked, config_with_tracker


def point_at(liaison: Liaison, fake: FakeTrackers) -> None:
    for name, value in fake.environment().items():
        setattr(liaison.runtime.settings, name, value)
    fake.now = liaison.clock()


def stamp(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def github_issue(number: int, *, state: str, updated_at: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": 9000 + number,
        "number": number,
        "html_url": f"https://github.com/acme/backend/issues/{number}",
        "title": f"Issue {number}",
        "body": "",
        "state": state,
        "assignee": {"login": "eng-one"},
        "assignees": [{"login": "eng-one"}],
        "labels": [],
        "updated_at": updated_at,
        **extra,
    }


@pytest.mark.parametrize("config_text", [config_with_tracker("github")])
def test_github_is_polled_conditionally_and_a_closed_issue_delivers(
    liaison: Liaison, db, fake_trackers: FakeTrackers
) -> None:
    fake = fake_trackers
    point_at(liaison, fake)
    card = committed_and_linked(liaison, db, "github")
    start = liaison.clock()
    fake.github_issues["acme/backend"] = [
        github_issue(12, state="open", updated_at=stamp(start + timedelta(minutes=1))),
        # Not linked, changed later: where the next poll starts all the same.
        github_issue(13, state="open", updated_at=stamp(start + timedelta(minutes=2))),
        github_issue(
            14, state="closed", updated_at=stamp(start), pull_request={"url": "..."}
        ),  # a pull request, in the same list
    ]

    first = poll_trackers(liaison.runtime)
    assert first.failed == {} and first.followed == 1  # seen, nothing new about it
    [call] = fake.calls_to("github.list_issues")
    assert call.request.query["since"] == stamp(start) and call.request.query["state"] == "all"
    assert "if-none-match" not in call.request.headers
    assert current(db, card).status is Status.COMMITTED

    # Within the interval: not polled again.
    liaison.clock.advance(minutes=1)
    poll_trackers(liaison.runtime)
    assert len(fake.calls_to("github.list_issues")) == 1

    liaison.clock.advance(minutes=2)
    poll_trackers(liaison.runtime)  # asks since the latest change seen, gets its ETag
    liaison.clock.advance(minutes=2)
    unchanged = poll_trackers(liaison.runtime)
    calls = fake.calls_to("github.list_issues")
    assert calls[1].request.query["since"] == stamp(start + timedelta(minutes=2))
    # The same question again, with the ETag of the answer it had: 304, and nothing to do.
    assert calls[2].request.query == calls[1].request.query
    [poll] = db.scalars(select(TrackerPoll))
    assert calls[2].request.headers["if-none-match"] == poll.etag
    assert calls[2].status == 304 and unchanged.unchanged and unchanged.followed == 0

    closed_at = liaison.clock() - timedelta(seconds=30)
    fake.github_issues["acme/backend"][0].update(state="closed", updated_at=stamp(closed_at))
    liaison.clock.advance(minutes=2)
    closing = poll_trackers(liaison.runtime)
    liaison.settle()
    last = fake.calls_to("github.list_issues")[-1]
    assert last.status == 200 and [i["number"] for i in last.response] == [13, 12]
    assert closing.followed == 1
    assert current(db, card).status is Status.DELIVERED
    assert any("Did it meet the need?" in t for t in dms_to(liaison, SALES_REP))
    [poll] = db.scalars(select(TrackerPoll))
    assert poll.since == closed_at.replace(microsecond=0) and poll.lease_until is None


@pytest.mark.parametrize("config_text", [config_with_tracker("github")])
def test_a_tracker_that_sends_webhooks_is_not_polled(
    liaison: Liaison, db, fake_trackers: FakeTrackers
) -> None:
    point_at(liaison, fake_trackers)
    liaison.runtime.settings.github_webhook_secret = "set"
    committed_and_linked(liaison, db, "github")
    poll_trackers(liaison.runtime)
    fake_trackers.assert_no_call("github.list_issues")


@pytest.mark.parametrize("config_text", [config_with_tracker("jira")])
def test_jira_is_asked_for_the_linked_issues_updated_since_and_a_due_date_change_is_told(
    liaison: Liaison, db, fake_trackers: FakeTrackers
) -> None:
    fake = fake_trackers
    point_at(liaison, fake)
    card = committed_and_linked(liaison, db, "jira")
    _, issue_id, key, _ = LINKS["jira"]
    fields = {
        "summary": "REQ-1",
        "description": None,
        "status": {"name": "In Progress", "statusCategory": {"key": "indeterminate"}},
        "resolution": None,
        "duedate": "2026-12-18",
        "assignee": None,
        "updated": "2026-12-01T15:00:30.000+0000",
    }
    fake.jira_issues = [
        {"id": issue_id, "key": key, "project": "ENG", "fields": fields},
        {"id": "10043", "key": "ENG-5", "project": "ENG", "fields": dict(fields)},
    ]
    liaison.clock.advance(minutes=5)
    fake.now = liaison.clock()
    fields["duedate"] = "2026-12-21"
    fields["updated"] = "2026-12-01T15:04:00.000+0000"
    report = poll_trackers(liaison.runtime)
    liaison.settle()
    assert report.failed == {}
    [call] = fake.calls_to("jira.search")
    assert call.body["jql"].startswith('key in ("ENG-4") AND updated >= -')
    assert [i["key"] for i in call.response["issues"]] == ["ENG-4"]
    assert any("The due date of" in t for t in thread_texts(liaison, card))
    assert any("due date of your request" in t for t in dms_to(liaison, SALES_REP))


@pytest.mark.parametrize("config_text", [config_with_tracker("linear")])
def test_linear_is_asked_for_the_linked_issues_updated_since_and_completion_delivers(
    liaison: Liaison, db, fake_trackers: FakeTrackers
) -> None:
    fake = fake_trackers
    point_at(liaison, fake)
    card = committed_and_linked(liaison, db, "linear")
    _, issue_id, key, url = LINKS["linear"]
    fake.linear_issues = [
        {
            "id": issue_id,
            "identifier": key,
            "url": url,
            "title": "REQ-1",
            "description": "REQ-1",
            "dueDate": "2026-12-18",
            "assignee": None,
            "team": {"id": "team-eng", "key": "ENG"},
            "state": {"name": "Done", "type": "completed"},
            "updatedAt": stamp(liaison.clock() + timedelta(minutes=1)),
        }
    ]
    liaison.clock.advance(minutes=3)
    poll_trackers(liaison.runtime)
    liaison.settle()
    [call] = fake.calls_to("linear.issues")
    variables = call.body["variables"]["filter"]
    assert variables["id"] == {"in": [issue_id]} and "gte" in variables["updatedAt"]
    assert current(db, card).status is Status.DELIVERED


@pytest.mark.parametrize("config_text", [config_with_tracker("github")])
def test_a_tracker_that_fails_is_asked_again_after_the_interval_and_slack_is_untouched(
    liaison: Liaison, db, fake_trackers: FakeTrackers
) -> None:
    fake = fake_trackers
    point_at(liaison, fake)
    card = committed_and_linked(liaison, db, "github")
    fake.github_issues["acme/backend"] = [
        github_issue(12, state="closed", updated_at=stamp(liaison.clock()))
    ]
    fake.fail("github.list_issues", 502)
    failed = poll_trackers(liaison.runtime)
    assert list(failed.failed.values()) == ["HTTP 502 Bad Gateway"]
    assert current(db, card).status is Status.COMMITTED
    [poll] = db.scalars(select(TrackerPoll))
    assert poll.lease_until is None and poll.since is None  # nothing seen: asked again from there

    liaison.clock.advance(minutes=2)
    assert poll_trackers(liaison.runtime).failed == {}
    liaison.settle()
    assert current(db, card).status is Status.DELIVERED


def set_issue(liaison: Liaison, request_id: int, **values: Any) -> None:
    with Session(liaison.runtime.engine) as session, session.begin():
        session.execute(
            update(TrackerIssue).where(TrackerIssue.request_id == request_id).values(**values)
        )


def jira_stamp(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000+0000")


@pytest.mark.parametrize("config_text", [config_with_tracker("jira")])
def test_an_issue_recorded_after_a_poll_is_asked_about_from_its_creation(
    liaison: Liaison, db, fake_trackers: FakeTrackers
) -> None:
    fake = fake_trackers
    point_at(liaison, fake)
    start = liaison.clock()
    first = committed_and_linked(liaison, db, "jira")
    second = committed_and_linked(liaison, db, "jira")  # its issue is recorded later, below
    set_issue(liaison, second.request_id, state="creating", external_id=None, key=None)

    def issue(issue_id: str, key: str, *, done: bool, updated: Any) -> dict[str, Any]:
        category = "done" if done else "indeterminate"
        fields = {"status": {"statusCategory": {"key": category}}, "updated": jira_stamp(updated)}
        return {"id": issue_id, "key": key, "project": "ENG", "fields": fields}

    # The second request's issue is done at +2 min, before Liaison records it; the first one
    # changes at +3 min, so the poll at +3 min sees changes up to then.
    fake.jira_issues = [
        issue("10042", "ENG-4", done=False, updated=start + timedelta(minutes=3)),
        issue("10049", "ENG-9", done=True, updated=start + timedelta(minutes=2)),
    ]
    liaison.clock.advance(minutes=3)
    fake.now = liaison.clock()
    assert poll_trackers(liaison.runtime).followed == 1
    [poll] = db.scalars(select(TrackerPoll))
    assert poll.since == start + timedelta(minutes=3)

    set_issue(liaison, second.request_id, state="open", external_id="10049", key="ENG-9")
    liaison.clock.advance(minutes=2)
    fake.now = liaison.clock()
    poll_trackers(liaison.runtime)
    liaison.settle()
    # Asked from the second issue's creation, not from +3 min: its closing is not missed.
    last = fake.calls_to("jira.search")[-1]
    assert "updated >= -6m" in last.body["jql"]
    assert current(db, second).status is Status.DELIVERED
    assert current(db, first).status is Status.COMMITTED
