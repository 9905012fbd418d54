"""The tracker bridge end to end, for each kind, through the front door: a request filed in Slack,
claimed and estimated by reaction, becomes an issue in the department's tracker with the claimer
as assignee (found by the e-mail Slack has for them), the committed date as due date, the
request's marker and card link and the `liaison` label; the issue's key and link show on the
card, in the thread and in the requester's DM; closing the issue there (a signed webhook for
GitHub and Linear, a poll for Jira) delivers the request in Slack, with the requester's DM and
feedback question. Slack refuses nothing Liaison asks of it along the way."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.lifecycle import Status
from bot.domain.models import TrackerIssue
from bot.jobs.trackers import poll_trackers
from tests.conftest import DEFAULT_CONFIG, ENGINEER, SALES_REP, Inspector, Liaison
from tests.fakes.trackers import GITHUB_REPO, JIRA_PROJECT, LINEAR_TEAM, FakeTrackers
from tests.slack.helpers import current, dm_with, dms_to, thread_texts
from tests.slack.tracker_helpers import (
    GITHUB_SECRET,
    LINEAR_SECRET,
    commit_request,
    github_issues_event,
    github_webhook,
    linear_webhook,
)

EMAIL = "ana@acme.example"
ACCOUNTS = {"github": "ana-gh", "jira": "5b10ac8d82e05b22cc7d4ef5", "linear": "user-ana"}
TARGETS = {
    "github": f'repo = "{GITHUB_REPO}"',
    "jira": f'project = "{JIRA_PROJECT}"\nissue_type = "Task"',
    "linear": f'team = "{LINEAR_TEAM}"',
}


@pytest.fixture(params=["github", "jira", "linear"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def config_text(kind: str) -> str:
    return DEFAULT_CONFIG + (
        f'\n[[trackers]]\ndepartment = "eng"\nkind = "{kind}"\n{TARGETS[kind]}\n'
    )


@pytest.fixture
def extra_settings(fake_trackers: FakeTrackers, kind: str) -> dict[str, Any]:
    # GitHub and Linear send webhooks; Jira has no secret set, so it is polled.
    secrets = {"github_webhook_secret": GITHUB_SECRET, "linear_webhook_secret": LINEAR_SECRET}
    return {**fake_trackers.environment(), **secrets}


def test_a_committed_request_becomes_an_issue_and_closing_it_delivers_the_request(
    liaison: Liaison, db: Inspector, fake_trackers: FakeTrackers, kind: str
) -> None:
    fake = fake_trackers
    fake.now = liaison.clock()
    liaison.fake.users[ENGINEER] = {
        "tz": "Europe/Berlin",
        "profile": {"real_name": "Ana", "display_name": "ana", "email": EMAIL},
    }
    getattr(fake, f"{kind}_users_by_email")[EMAIL] = ACCOUNTS[kind]

    # Filed, claimed and estimated in Slack: committed for Friday 18 December.
    card = commit_request(liaison, db, client="Globex")
    request = current(db, card)
    assert str(request.committed_date) == "2026-12-18"

    # The issue, created right away (no outbox job ran).
    [issue] = fake.issues(kind)
    link = request.card_permalink
    assert link
    if kind == "github":
        text, labels = issue["body"], [label["name"] for label in issue["labels"]]
        assert issue["assignee"]["login"] == ACCOUNTS["github"]
        assert "2026-12-18" in text  # GitHub has no due date: the body says it
    elif kind == "jira":
        fields = issue["fields"]
        text, labels = str(fields["description"]), fields["labels"]
        assert fields["assignee"] == {"accountId": ACCOUNTS["jira"]}
        assert fields["duedate"] == "2026-12-18"
    else:
        text = issue["description"]
        labels = [label["name"] for label in fake.linear_labels if label["id"] in issue["labelIds"]]
        assert issue["assignee"] == {"id": ACCOUNTS["linear"]} and issue["dueDate"] == "2026-12-18"
    assert "REQ-1" in text and link in text and labels == ["liaison"]

    # Its key and link on the card, in the thread and in the requester's DM.
    row = db.scalars(select(TrackerIssue).where(TrackerIssue.request_id == card.request_id)).one()
    assert row.state == "open" and row.key and row.url
    blocks = str(liaison.fake.calls_to("chat.update", ts=card.ts)[-1].params["blocks"])
    assert row.key in blocks and row.url in blocks
    assert any(row.key in t for t in thread_texts(liaison, card))
    assert any(row.key in t and "REQ-1" in t for t in dms_to(liaison, SALES_REP))

    # Closed in the tracker a few minutes later.
    liaison.clock.advance(minutes=5)
    fake.now = liaison.clock()
    if kind == "github":
        payload = github_issues_event("closed", fake.github_close(1), ACCOUNTS["github"])
        assert github_webhook(liaison, payload).status_code == 200
    elif kind == "jira":
        fake.jira_resolve(row.key)
        report = poll_trackers(liaison.runtime)
        assert report.failed == {} and report.followed == 1
        [poll] = fake.calls_to("jira.search")
        assert poll.body["jql"].startswith(f'key in ("{row.key}") AND updated >= -')
    else:
        done = fake.linear_complete(row.key)
        data = {**done, "assigneeId": ACCOUNTS["linear"], "teamId": LINEAR_TEAM}
        payload = {
            "action": "update",
            "type": "Issue",
            "actor": {"id": ACCOUNTS["linear"], "name": "Ana"},
            "data": data,
            "updatedFrom": {"updatedAt": stamp(liaison.clock() - timedelta(minutes=5))},
        }
        assert linear_webhook(liaison, payload).status_code == 200
    liaison.settle()

    assert current(db, card).status is Status.DELIVERED
    feedback = dm_with(liaison, SALES_REP, "feedback_helpful")
    assert "Did it meet the need?" in feedback["text"] and row.key in feedback["text"]
    # Slack refused nothing Liaison asked of it.
    refused = [c for c in liaison.fake.calls if c.response and c.response.get("ok") is False]
    assert refused == [], [(c.method, c.response) for c in refused]


def stamp(moment: Any) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")
