"""Steps shared by the tracker tests: a committed request linked to an issue, and webhooks
signed the way each tracker signs them, posted to Liaison's `/trackers/<kind>`."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import date, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.lifecycle import Status
from bot.domain.models import TrackerIssue
from tests.conftest import DEFAULT_CONFIG, ENGINEER, Liaison
from tests.slack.helpers import Card, current, file_request, react

GITHUB_SECRET = "github-webhook-secret"
JIRA_SECRET = "jira-webhook-secret"
LINEAR_SECRET = "linear-webhook-secret"
ENG_GITHUB = "eng-one"  # ENGINEER's GitHub login (the config's user map)

TRACKER_CONFIG = {
    "github": 'repo = "acme/backend"',
    "jira": 'project = "ENG"\nissue_type = "Task"',
    "linear": 'team = "team-eng"',
}


def config_with_tracker(kind: str) -> str:
    return (
        DEFAULT_CONFIG
        + f"""
[[trackers]]
department = "eng"
kind = "{kind}"
{TRACKER_CONFIG[kind]}
users = {{ {ENGINEER} = "{ENG_GITHUB}" }}
"""
    )


def with_webhook_secrets(liaison: Liaison) -> None:
    settings = liaison.runtime.settings
    settings.github_webhook_secret = GITHUB_SECRET
    settings.jira_webhook_secret = JIRA_SECRET
    settings.linear_webhook_secret = LINEAR_SECRET


# How each kind's issue is stored once created: (target, external id, key, url).
LINKS = {
    "github": (
        "acme/backend",
        "12",
        "acme/backend#12",
        "https://github.com/acme/backend/issues/12",
    ),
    "jira": ("ENG", "10042", "ENG-4", "https://acme.atlassian.net/browse/ENG-4"),
    "linear": (
        "team-eng",
        "9cfb482a-81e3-4154-b5b9-2c805e70a02d",
        "ENG-12",
        "https://linear.app/acme/issue/ENG-12",
    ),
}


def commit_request(liaison: Liaison, db: Any, **values: Any) -> Card:
    """A request filed in Slack (with `values`), claimed by ENGINEER by reaction and estimated at
    three days, so committed for Fri 18 Dec."""
    card = file_request(liaison, db, desired_date="2026-12-18", **values)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")
    assert current(db, card).status is Status.COMMITTED
    return card


def github_issues_event(action: str, issue: dict[str, Any], sender: str) -> dict[str, Any]:
    """An `issues` event about `issue` (as GitHub's API shows it) in the fake's repository."""
    return {
        "action": action,
        "issue": issue,
        "repository": {"full_name": "acme/backend"},
        "sender": {"login": sender},
    }


def committed_and_linked(
    liaison: Liaison, db: Any, kind: str, *, due_on: date | None = date(2026, 12, 18)
) -> Card:
    """A request claimed by ENGINEER, estimated at three days (committed for Fri 18 Dec), whose
    issue `kind` holds open."""
    card = commit_request(liaison, db)
    request = current(db, card)
    target, external_id, key, url = LINKS[kind]
    now = liaison.clock()
    # Committing queued the issue's creation (the tracker has no credentials here, so it waits):
    # the issue stands as if the tracker had created it.
    with Session(liaison.runtime.engine) as session, session.begin():
        issue = session.scalar(select(TrackerIssue).where(TrackerIssue.request_id == request.id))
        if issue is None:
            issue = TrackerIssue(
                workspace_id=request.workspace_id, request_id=request.id, created_at=now
            )
            session.add(issue)
        issue.kind, issue.target, issue.state = kind, target, "open"
        issue.external_id, issue.key, issue.url, issue.due_on = external_id, key, url, due_on
        issue.assignee = ENG_GITHUB if kind == "github" else None
        issue.updated_at = now
    return card


def sign(secret: str, body: bytes) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def post_webhook(
    liaison: Liaison, kind: str, body: bytes, headers: dict[str, str]
) -> httpx.Response:
    response = httpx.post(f"{liaison.url}/trackers/{kind}", content=body, headers=headers)
    liaison.settle()
    return response


def github_webhook(
    liaison: Liaison,
    payload: dict[str, Any],
    *,
    event: str = "issues",
    delivery: str = "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    secret: str = GITHUB_SECRET,
) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery,
        "X-Hub-Signature-256": "sha256=" + sign(secret, body),
    }
    return post_webhook(liaison, "github", body, headers)


def jira_webhook(
    liaison: Liaison, payload: dict[str, Any], *, identifier: str = "1234567"
) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Atlassian-Webhook-Identifier": identifier,
        "X-Hub-Signature": "sha256=" + sign(JIRA_SECRET, body),
    }
    return post_webhook(liaison, "jira", body, headers)


def linear_webhook(
    liaison: Liaison,
    payload: dict[str, Any],
    *,
    delivery: str = "234d1a4e-b617-4388-90fe-adc3633d6b72",
    sent_at: datetime | None = None,
) -> httpx.Response:
    moment = sent_at or liaison.clock()
    payload = {**payload, "webhookTimestamp": int(moment.timestamp() * 1000)}
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "Linear-Delivery": delivery,
        "Linear-Event": "Issue",
        "Linear-Signature": sign(LINEAR_SECRET, body),
    }
    return post_webhook(liaison, "linear", body, headers)


def github_issue_event(action: str, *, state: str, assignee: str | None = ENG_GITHUB) -> dict:
    """An `issues` event as GitHub sends it (the fields Liaison reads, and a few around them)."""
    return {
        "action": action,
        "issue": {
            "id": 1347,
            "number": 12,
            "html_url": LINKS["github"][3],
            "title": "REQ-1 Export invoices as CSV",
            "state": state,
            "state_reason": "completed" if state == "closed" else None,
            "assignee": {"login": assignee, "id": 583231} if assignee else None,
            "assignees": [{"login": assignee, "id": 583231}] if assignee else [],
            "labels": [{"name": "liaison"}],
            "updated_at": "2026-11-30T15:10:00Z",
            "body": "REQ-1",
        },
        "repository": {"id": 1296269, "full_name": "acme/backend"},
        "sender": {"login": ENG_GITHUB, "id": 583231},
    }


def jira_issue_updated(
    *,
    status: str = "In Progress",
    category: str = "indeterminate",
    resolution: str | None = None,
    duedate: str | None = "2026-12-18",
    assignee: tuple[str, str] | None = None,
    changelog: list[dict[str, Any]] | None = None,
    updated: str = "2026-11-30T15:10:00.000+0000",
) -> dict[str, Any]:
    """`jira:issue_updated` as Jira Cloud sends it."""
    return {
        "timestamp": 1764515400000,
        "webhookEvent": "jira:issue_updated",
        "issue_event_type_name": "issue_generic",
        "user": {"accountId": "5b10ac8d82e05b22cc7d4ef5", "displayName": "Mia Krystof"},
        "issue": {
            "id": "10042",
            "key": "ENG-4",
            "self": "https://acme.atlassian.net/rest/api/3/issue/10042",
            "fields": {
                "summary": "REQ-1 Export invoices as CSV",
                "status": {"name": status, "statusCategory": {"key": category}},
                "resolution": {"name": resolution} if resolution else None,
                "duedate": duedate,
                "assignee": (
                    {"accountId": assignee[0], "displayName": assignee[1]} if assignee else None
                ),
                "project": {"key": "ENG"},
                "updated": updated,
            },
        },
        "changelog": {"id": "10001", "items": changelog or []},
    }


def linear_issue_update(
    *,
    state_type: str = "started",
    due: str | None = "2026-12-18",
    assignee: tuple[str, str] | None = None,
    updated_from: dict[str, Any] | None = None,
    updated_at: str = "2026-11-30T15:10:00.000Z",
) -> dict[str, Any]:
    """An `Issue` update as Linear sends it."""
    return {
        "action": "update",
        "type": "Issue",
        "createdAt": updated_at,
        "organizationId": "org-1",
        "webhookId": "000042e3-d123-4980-b49f-8e140eef9329",
        "url": LINKS["linear"][3],
        "actor": {"id": "user-mia", "name": "Mia Krystof", "type": "user"},
        "data": {
            "id": LINKS["linear"][1],
            "identifier": "ENG-12",
            "title": "REQ-1 Export invoices as CSV",
            "teamId": "team-eng",
            "state": {"id": "s1", "name": state_type.title(), "type": state_type},
            "dueDate": due,
            "assigneeId": assignee[0] if assignee else None,
            **({"assignee": {"id": assignee[0], "name": assignee[1]}} if assignee else {}),
            "updatedAt": updated_at,
        },
        "updatedFrom": updated_from or {"updatedAt": "2026-11-30T14:00:00.000Z"},
    }
