"""Reading what a tracker says about an issue (webhook or poll) into an `IssueSnapshot`: closed
or open, due date and assignee when told, nothing made of what is not told, and nothing at all
from events that change nothing followed."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.config import TrackerKind
from bot.domain.workflow.tracker_sync import NOT_TOLD
from bot.trackers import webhooks
from bot.trackers.changes import jira_issue, linear_issue, webhook_snapshots
from tests.slack.tracker_helpers import (
    github_issue_event,
    jira_issue_updated,
    linear_issue_update,
)


def test_a_github_issues_event_says_closed_and_assignee_but_no_due_date() -> None:
    stored = {"event": "issues", "payload": github_issue_event("closed", state="closed")}
    [seen] = webhook_snapshots(TrackerKind.GITHUB, stored)
    assert (seen.external_id, seen.target, seen.closed) == ("12", "acme/backend", True)
    assert seen.assignee == "eng-one" and seen.due_on is NOT_TOLD
    assert seen.actor == "eng-one"
    assert seen.updated_at == datetime(2026, 11, 30, 15, 10, tzinfo=UTC)


def test_comments_openings_and_pings_say_nothing() -> None:
    comment = github_issue_event("created", state="open")
    for stored in (
        {"event": "issue_comment", "payload": comment},
        {"event": "ping", "payload": {"zen": "Keep it logically awesome."}},
        {"event": "issues", "payload": github_issue_event("opened", state="open")},
    ):
        assert webhook_snapshots(TrackerKind.GITHUB, stored) == [], stored
    jira_comment = {"webhookEvent": "comment_created", "comment": {"body": "REQ-1"}}
    assert webhook_snapshots(TrackerKind.JIRA, {"payload": jira_comment}) == []
    linear_comment = {"action": "create", "type": "Comment", "data": {"body": "REQ-1"}}
    assert webhook_snapshots(TrackerKind.LINEAR, {"payload": linear_comment}) == []
    assert webhook_snapshots(TrackerKind.GITHUB, {"event": "issues", "payload": []}) == []


def test_jira_is_closed_by_its_done_category_or_a_resolution() -> None:
    done = jira_issue_updated(status="Closed", category="done")["issue"]
    resolved = jira_issue_updated(status="Won't do", resolution="Won't Do")["issue"]
    working = jira_issue_updated()["issue"]
    assert [jira_issue(i).closed for i in (done, resolved, working)] == [True, True, False]
    seen = jira_issue(jira_issue_updated(assignee=("acc-1", "Mia"), duedate=None)["issue"])
    assert seen.assignee == "acc-1" and seen.assignee_name == "Mia" and seen.due_on is None
    assert (seen.external_id, seen.key) == ("10042", "ENG-4")
    # Fields the search was not asked for are not told, not cleared.
    bare = jira_issue({"id": "10042", "key": "ENG-4", "fields": {}})
    assert bare.closed is None and bare.due_on is NOT_TOLD and bare.assignee is NOT_TOLD


def test_linear_is_closed_when_completed_or_canceled() -> None:
    for state, closed in (("completed", True), ("canceled", True), ("started", False)):
        assert linear_issue(linear_issue_update(state_type=state)["data"]).closed is closed
    seen = linear_issue(linear_issue_update(due="2026-12-23", assignee=("u-1", "Mia"))["data"])
    assert seen.due_on == date(2026, 12, 23) and seen.assignee == "u-1" and seen.key == "ENG-12"


def test_a_delivery_is_named_by_its_header_or_else_by_its_body() -> None:
    named = webhooks.delivery_id(TrackerKind.GITHUB, b"{}", {"HTTP_X_GITHUB_DELIVERY": "abc"})
    assert named == "github:abc"
    body = webhooks.delivery_id(TrackerKind.JIRA, b"{}", {})
    assert body.startswith("jira:") and len(body) <= 64
    assert body == webhooks.delivery_id(TrackerKind.JIRA, b"{}", {})
    long = webhooks.delivery_id(TrackerKind.LINEAR, b"", {"HTTP_LINEAR_DELIVERY": "x" * 500})
    assert len(long) <= 64
