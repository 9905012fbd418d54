"""The tracker clients' reading of answers (what is retried, what is told to the leads, in the
tracker's words) and what an issue says, without a server where none is needed."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest

from bot.config import Tracker, TrackerKind
from bot.domain.models import Request
from bot.settings import Settings
from bot.trackers.clients import tracker_client
from bot.trackers.http import TrackerError, Unanswered, refusal, send
from bot.trackers.issue import IssueDraft, draft_for
from tests.fakes.trackers import GITHUB_REPO, GITHUB_TOKEN, FakeTrackers

GITHUB_AUTH = {"Authorization": f"Bearer {GITHUB_TOKEN}"}


def answer(status: int, body: Any, **headers: str) -> TrackerError:
    response = httpx.Response(status, json=body, headers=headers)
    return refusal(response, response.json())


def test_rate_limits_are_retried_after_the_wait_the_tracker_asks() -> None:
    limited = answer(429, {"message": "API rate limit exceeded"}, **{"Retry-After": "30"})
    assert limited.retryable and limited.retry_after == 30
    # GitHub's primary rate limit: 403 with no requests left.
    github = answer(403, {"message": "API rate limit exceeded"}, **{"x-ratelimit-remaining": "0"})
    assert github.retryable
    # Linear: a GraphQL error coded RATELIMITED, with HTTP 400.
    linear = answer(400, {"errors": [{"message": "x", "extensions": {"code": "RATELIMITED"}}]})
    assert linear.retryable


def test_a_nonsense_retry_after_is_no_wait() -> None:
    assert answer(429, {}, **{"Retry-After": "soon"}).retry_after is None
    assert answer(429, {}, **{"Retry-After": "-5"}).retry_after is None
    assert answer(429, {}, **{"Retry-After": str(10**30)}).retry_after is None


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (401, {"message": "Bad credentials"}, "Bad credentials"),
        (403, {"message": "Resource not accessible by integration"}, "not accessible"),
        (404, {"errorMessages": ["No project could be found with key 'X'."]}, "No project"),
        (
            422,
            {"message": "Validation Failed", "errors": [{"field": "assignees", "code": "invalid"}]},
            "Validation Failed; assignees invalid",
        ),
        (400, {"errorMessages": [], "errors": {"duedate": "Error parsing date"}}, "duedate: Error"),
        (
            400,
            {"errors": [{"message": "m", "extensions": {"userPresentableMessage": "Team gone"}}]},
            "Team gone",
        ),
    ],
)
def test_a_refusal_is_permanent_and_in_the_trackers_words(
    status: int, body: Any, words: str
) -> None:
    error = answer(status, body)
    assert not error.retryable and words in error.message


def test_server_errors_are_retried_and_timeouts_may_have_been_done(
    fake_trackers: FakeTrackers,
) -> None:
    assert answer(502, {}).retryable
    fake_trackers.hang("github.repo")
    with (
        httpx.Client(base_url=fake_trackers.github_url, headers=GITHUB_AUTH, timeout=0.3) as http,
        pytest.raises(Unanswered) as lost,
    ):
        send(http, "GET", f"/repos/{GITHUB_REPO}")
    assert lost.value.retryable


def test_a_draft_knows_its_own_issue_and_no_other() -> None:
    draft = IssueDraft(
        title="Export",
        marker="REQ-1",
        lines=(("Details", "CSV please"),),
        card_url="https://acme.slack.com/archives/C1/p1",
        due_on=date(2026, 12, 18),
    )
    assert draft.is_mine(draft.markdown())
    assert not draft.is_mine(draft.markdown().replace("REQ-1", "REQ-12"))
    # Another workspace's REQ-1 links another card.
    assert not draft.is_mine(draft.markdown().replace("/C1/", "/C2/"))
    adf = draft.adf()
    assert adf["type"] == "doc" and adf["version"] == 1
    assert all(node["type"] == "paragraph" for node in adf["content"])


def test_the_check_names_a_repository_the_token_cannot_see(fake_trackers: FakeTrackers) -> None:
    settings = Settings(_env_file=None, **fake_trackers.environment())  # type: ignore[call-arg]
    tracker = Tracker(department="eng", kind=TrackerKind.GITHUB, repo=GITHUB_REPO)
    with httpx.Client(base_url=fake_trackers.github_url, headers=GITHUB_AUTH) as http:
        client = tracker_client(tracker, settings, http)
        client.check()
        fake_trackers.github_repos.clear()
        with pytest.raises(TrackerError, match="not found, or GITHUB_TOKEN cannot see it"):
            client.check()


def test_a_typed_request_brings_its_fields_by_their_labels() -> None:
    request = Request(
        number=7,
        title="Export",
        details="CSV",
        client="",
        impact="Renewal",
        desired_date=date(2026, 12, 18),
        hard_deadline=True,
        committed_date=None,
        card_permalink=None,
        type_fields={"rows": 5000, "formats": ["csv", "xlsx"], "urgent": True, "note": ""},
    )
    draft = draft_for(request, type_labels={"rows": "Rows per export"})
    assert draft.marker == "REQ-7" and draft.due_on is None
    assert draft.lines == (
        ("Details", "CSV"),
        ("Business impact", "Renewal"),
        ("Desired date", "2026-12-18 (hard deadline)"),
        ("Rows per export", "5000"),
        ("formats", "csv, xlsx"),
        ("urgent", "yes"),
    )
    assert "**Rows per export:** 5000" in draft.markdown()
    assert draft.markdown().endswith("Liaison request REQ-7")
