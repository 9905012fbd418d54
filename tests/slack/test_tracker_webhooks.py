"""Trackers' webhooks at /trackers/<kind>: each verified before its body is read (401 and nothing
stored otherwise), stored like Slack events before the answer, handled once; closing the issue
delivers the request, reopening it returns it to work, a new due date or assignee is noted in the
thread and told to the requester, and a comment is not mirrored."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.config import TrackerKind
from bot.domain.lifecycle import Status
from bot.domain.models import InboxEvent, ProcessedEvent, TrackerIssue
from bot.trackers import webhooks
from tests.conftest import ENGINEER, SALES_REP, Liaison
from tests.slack.helpers import current, dm_with, dms_to, events_of, thread_texts
from tests.slack.tracker_helpers import (
    GITHUB_SECRET,
    committed_and_linked,
    config_with_tracker,
    github_issue_event,
    github_webhook,
    jira_issue_updated,
    jira_webhook,
    linear_issue_update,
    linear_webhook,
    post_webhook,
    sign,
    with_webhook_secrets,
)

# GitHub's published example ("Validating webhook deliveries").
VECTOR_SECRET = "It's a Secret to Everybody"
VECTOR_PAYLOAD = b"Hello, World!"
VECTOR_SIGNATURE = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_githubs_published_test_vector_verifies() -> None:
    headers = {"HTTP_X_HUB_SIGNATURE_256": VECTOR_SIGNATURE}
    assert webhooks.unsigned(TrackerKind.GITHUB, VECTOR_SECRET, VECTOR_PAYLOAD, headers) is None
    wrong = {"HTTP_X_HUB_SIGNATURE_256": VECTOR_SIGNATURE[:-1] + "0"}
    assert webhooks.unsigned(TrackerKind.GITHUB, VECTOR_SECRET, VECTOR_PAYLOAD, wrong)
    assert webhooks.unsigned(TrackerKind.GITHUB, VECTOR_SECRET, VECTOR_PAYLOAD, {})


def stored(db) -> list[InboxEvent]:
    return list(db.scalars(select(InboxEvent)))


def test_the_published_vector_passes_the_front_door_and_an_unsigned_body_does_not(
    liaison: Liaison, db
) -> None:
    liaison.runtime.settings.github_webhook_secret = VECTOR_SECRET
    signed = post_webhook(
        liaison, "github", VECTOR_PAYLOAD, {"X-Hub-Signature-256": VECTOR_SIGNATURE}
    )
    # Verified, then read: "Hello, World!" is no JSON object, so it is refused as malformed.
    assert signed.status_code == 400
    for headers in ({}, {"X-Hub-Signature-256": VECTOR_SIGNATURE.replace("75", "57", 1)}):
        response = post_webhook(liaison, "github", VECTOR_PAYLOAD, headers)
        assert response.status_code == 401
    assert stored(db) == []


@pytest.mark.parametrize("config_text", [config_with_tracker("github")])
def test_unsigned_mis_signed_and_unconfigured_webhooks_are_refused_and_not_stored(
    liaison: Liaison, db
) -> None:
    card = committed_and_linked(liaison, db, "github")
    closed = json.dumps(github_issue_event("closed", state="closed")).encode()
    # No secret set: nothing can be verified, so nothing is taken.
    no_secret = post_webhook(
        liaison, "github", closed, {"X-Hub-Signature-256": "sha256=" + sign("", closed)}
    )
    assert no_secret.status_code == 401
    with_webhook_secrets(liaison)
    unsigned = post_webhook(liaison, "github", closed, {"X-GitHub-Event": "issues"})
    wrong = post_webhook(
        liaison,
        "github",
        closed,
        {"X-GitHub-Event": "issues", "X-Hub-Signature-256": "sha256=" + sign("guess", closed)},
    )
    jira = post_webhook(liaison, "jira", closed, {"X-Hub-Signature": "sha256=" + sign("x", closed)})
    linear = post_webhook(liaison, "linear", closed, {"Linear-Signature": sign("x", closed)})
    assert [r.status_code for r in (unsigned, wrong, jira, linear)] == [401] * 4
    assert all(r.text == "invalid request\n" for r in (unsigned, wrong, jira, linear))
    handled = db.scalars(select(ProcessedEvent.event_id))
    assert stored(db) == []
    assert not [e for e in handled if e.split(":")[0] in ("github", "jira", "linear")]
    assert current(db, card).status is Status.COMMITTED


@pytest.mark.parametrize("config_text", [config_with_tracker("linear")])
def test_a_stale_linear_webhook_is_refused(liaison: Liaison, db) -> None:
    with_webhook_secrets(liaison)
    card = committed_and_linked(liaison, db, "linear")
    done = linear_issue_update(state_type="completed")
    old = linear_webhook(liaison, done, sent_at=liaison.clock() - timedelta(minutes=2))
    ahead = linear_webhook(liaison, done, sent_at=liaison.clock() + timedelta(minutes=2))
    assert (old.status_code, ahead.status_code) == (401, 401)
    assert stored(db) == []
    assert current(db, card).status is Status.COMMITTED
    assert linear_webhook(liaison, done).status_code == 200
    assert current(db, card).status is Status.DELIVERED


def test_a_get_or_an_oversized_webhook_is_refused(liaison: Liaison, db) -> None:
    import httpx

    with_webhook_secrets(liaison)
    assert httpx.get(f"{liaison.url}/trackers/github").status_code == 405
    big = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    headers = {"X-Hub-Signature-256": "sha256=" + sign(GITHUB_SECRET, big)}
    assert post_webhook(liaison, "github", big, headers).status_code == 413
    assert stored(db) == []


@pytest.mark.parametrize("config_text", [config_with_tracker("github")])
def test_closing_the_github_issue_delivers_the_request_once(liaison: Liaison, db) -> None:
    with_webhook_secrets(liaison)
    card = committed_and_linked(liaison, db, "github")
    closed = github_issue_event("closed", state="closed")
    assert github_webhook(liaison, closed).status_code == 200
    assert github_webhook(liaison, closed).status_code == 200  # GitHub's redelivery
    liaison.settle()

    request = current(db, card)
    assert request.status is Status.DELIVERED
    [delivered] = events_of(db, card, "delivered")
    # The closer's GitHub login maps to ENGINEER: the delivery is theirs.
    assert (delivered.actor, delivered.surface) == (ENGINEER, "tracker")
    dm = dm_with(liaison, SALES_REP, "feedback_helpful")
    assert "Did it meet the need?" in dm["text"] and "acme/backend#12" in dm["text"]
    notes = [t for t in thread_texts(liaison, card) if "was closed in GitHub" in t]
    assert len(notes) == 1
    assert db.scalar(select(TrackerIssue.state)) == "closed"
    assert stored(db) == []  # handled, and the twin recognised


@pytest.mark.parametrize("config_text", [config_with_tracker("github")])
def test_reopening_the_github_issue_returns_the_request_to_committed(liaison: Liaison, db) -> None:
    with_webhook_secrets(liaison)
    card = committed_and_linked(liaison, db, "github")
    github_webhook(liaison, github_issue_event("closed", state="closed"), delivery="d-1")
    assert current(db, card).status is Status.DELIVERED
    reopened = github_issue_event("reopened", state="open")
    reopened["issue"]["updated_at"] = "2026-11-30T16:00:00Z"
    assert github_webhook(liaison, reopened, delivery="d-2").status_code == 200
    request = current(db, card)
    assert request.status is Status.COMMITTED and request.delivered_at is None
    assert [e.to_status for e in events_of(db, card, "reopened")] == ["committed"]
    assert any("was reopened in GitHub" in t for t in thread_texts(liaison, card))
    assert any("is being worked on again" in t for t in dms_to(liaison, SALES_REP))


@pytest.mark.parametrize("config_text", [config_with_tracker("github")])
def test_an_older_delivery_arriving_late_changes_nothing(liaison: Liaison, db) -> None:
    with_webhook_secrets(liaison)
    card = committed_and_linked(liaison, db, "github")
    reopened = github_issue_event("reopened", state="open")
    reopened["issue"]["updated_at"] = "2026-11-30T16:00:00Z"
    github_webhook(liaison, reopened, delivery="d-new")
    github_webhook(liaison, github_issue_event("closed", state="closed"), delivery="d-old")
    assert current(db, card).status is Status.COMMITTED


@pytest.mark.parametrize("config_text", [config_with_tracker("github")])
def test_a_comment_mentioning_the_request_is_not_mirrored(liaison: Liaison, db) -> None:
    with_webhook_secrets(liaison)
    card = committed_and_linked(liaison, db, "github")
    before = (len(thread_texts(liaison, card)), len(dms_to(liaison, SALES_REP)))
    comment = github_issue_event("created", state="open") | {
        "comment": {"id": 99, "body": "Working on REQ-1 now", "user": {"login": "eng-one"}}
    }
    assert github_webhook(liaison, comment, event="issue_comment").status_code == 200
    assert (len(thread_texts(liaison, card)), len(dms_to(liaison, SALES_REP))) == before
    assert current(db, card).status is Status.COMMITTED


@pytest.mark.parametrize("config_text", [config_with_tracker("github")])
def test_a_new_assignee_is_noted_and_told_and_an_unknown_issue_ignored(
    liaison: Liaison, db
) -> None:
    with_webhook_secrets(liaison)
    card = committed_and_linked(liaison, db, "github")
    assigned = github_issue_event("assigned", state="open", assignee="octo<!channel>")
    assert github_webhook(liaison, assigned, delivery="d-a").status_code == 200
    [note] = [t for t in thread_texts(liaison, card) if "is now assigned to" in t]
    assert "octo&lt;!channel&gt;" in note and "<!channel>" not in note
    assert any("now assigned to octo" in t for t in dms_to(liaison, SALES_REP))
    assert db.scalar(select(TrackerIssue.assignee)) == "octo<!channel>"

    other = github_issue_event("closed", state="closed")
    other["issue"]["number"] = 13
    assert github_webhook(liaison, other, delivery="d-other").status_code == 200
    assert current(db, card).status is Status.COMMITTED


@pytest.mark.parametrize("config_text", [config_with_tracker("jira")])
def test_jira_due_date_and_assignee_changes_then_resolution(liaison: Liaison, db) -> None:
    with_webhook_secrets(liaison)
    card = committed_and_linked(liaison, db, "jira")
    moved = jira_issue_updated(
        duedate="2026-12-22",
        assignee=("5b10ac8d82e05b22cc7d4ef5", "Mia Krystof"),
        changelog=[
            {"field": "duedate", "fromString": "2026-12-18", "toString": "2026-12-22"},
            {"field": "assignee", "fromString": None, "toString": "Mia Krystof"},
        ],
    )
    assert jira_webhook(liaison, moved, identifier="j-1").status_code == 200
    thread = thread_texts(liaison, card)
    assert any("The due date of" in t and "ENG-4" in t and "(was" in t for t in thread)
    assert any("is now assigned to Mia Krystof" in t for t in thread)
    dms = dms_to(liaison, SALES_REP)
    assert any("due date of your request" in t for t in dms)
    assert any("assigned to Mia Krystof in Jira" in t for t in dms)
    issue = db.scalar(select(TrackerIssue))
    assert issue.due_on == date(2026, 12, 22) and issue.assignee == "5b10ac8d82e05b22cc7d4ef5"
    assert current(db, card).status is Status.COMMITTED

    resolved = jira_issue_updated(
        status="Done",
        category="done",
        resolution="Done",
        duedate="2026-12-22",
        assignee=("5b10ac8d82e05b22cc7d4ef5", "Mia Krystof"),
        updated="2026-11-30T16:00:00.000+0000",
    )
    assert jira_webhook(liaison, resolved, identifier="j-2").status_code == 200
    assert current(db, card).status is Status.DELIVERED
    # Comments and other events change nothing followed.
    comment = {"webhookEvent": "comment_created", "comment": {"body": "REQ-1 done"}}
    assert jira_webhook(liaison, comment, identifier="j-3").status_code == 200
    assert len([t for t in thread_texts(liaison, card) if "ENG-4" in t]) == 3


@pytest.mark.parametrize("config_text", [config_with_tracker("linear")])
def test_linear_due_date_change_and_completion(liaison: Liaison, db) -> None:
    with_webhook_secrets(liaison)
    card = committed_and_linked(liaison, db, "linear")
    later = linear_issue_update(due="2026-12-23", updated_from={"dueDate": "2026-12-18"})
    assert linear_webhook(liaison, later, delivery="l-1").status_code == 200
    assert linear_webhook(liaison, later, delivery="l-1").status_code == 200  # redelivered
    assert len([t for t in thread_texts(liaison, card) if "The due date of" in t]) == 1
    assert len([t for t in dms_to(liaison, SALES_REP) if "due date of your request" in t]) == 1
    done = linear_issue_update(
        state_type="completed", due="2026-12-23", updated_at="2026-11-30T16:00:00.000Z"
    )
    assert linear_webhook(liaison, done, delivery="l-2").status_code == 200
    assert current(db, card).status is Status.DELIVERED
    assert any("ENG-12> was closed in Linear" in t for t in dms_to(liaison, SALES_REP))
