"""A request becomes an issue in its department's tracker (GitHub, Jira, Linear), once, through
the front door: signed Slack requests to the app, the real tracker calls to the fake trackers.
The tracker's failures never hold back Slack; the leads see its refusals and can retry."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.lifecycle import Status
from bot.domain.models import InboxEvent, OutboxMessage, TrackerIssue
from bot.slack.ids import Card as CardIds
from bot.slack.ids import TrackerFailure
from tests.conftest import (
    DEFAULT_CONFIG,
    ENG_LEAD,
    ENGINEER,
    SALES_REP,
    STRANGER,
    Inspector,
    Liaison,
)
from tests.fakes.trackers import GITHUB_REPO, JIRA_PROJECT, LINEAR_TEAM, FakeTrackers
from tests.slack.helpers import (
    Card,
    card_actions,
    click,
    click_answers,
    click_in_dm,
    current,
    dm_with,
    dms_to,
    file_request,
    react,
    thread_texts,
)
from tests.slack.tracker_helpers import (
    commit_request,
    github_issues_event,
    github_webhook,
    with_webhook_secrets,
)

TARGETS = {
    "github": f'repo = "{GITHUB_REPO}"',
    "jira": f'project = "{JIRA_PROJECT}"\nissue_type = "Task"',
    "linear": f'team = "{LINEAR_TEAM}"',
}
CREATE_ROUTE = {
    "github": "github.create_issue",
    "jira": "jira.create_issue",
    "linear": "linear.issueCreate",
}
SEARCH_ROUTE = {"github": "github.search", "jira": "jira.search", "linear": "linear.issues"}
ENGINEER_EMAIL = "ana@acme.example"
ACCOUNTS = {"github": "ana-gh", "jira": "5b10ac8d82e05b22cc7d4ef5", "linear": "user-ana"}


def tracker_config(kind: str, create_on: str = "commit") -> str:
    return (
        DEFAULT_CONFIG
        + f"""
[[trackers]]
department = "eng"
kind = "{kind}"
{TARGETS[kind]}
create_on = "{create_on}"
"""
    )


@pytest.fixture(params=["github", "jira", "linear"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def create_on() -> str:
    return "commit"


@pytest.fixture
def config_text(kind: str, create_on: str) -> str:
    return tracker_config(kind, create_on)


@pytest.fixture
def extra_settings(fake_trackers: FakeTrackers) -> dict[str, Any]:
    # A short timeout: the hang test waits this long for an answer that never comes.
    return {**fake_trackers.environment(), "tracker_timeout_seconds": 0.5}


@pytest.fixture
def trackers(liaison: Liaison, fake_trackers: FakeTrackers) -> FakeTrackers:
    """The fake trackers, knowing the engineer by the e-mail Slack has for them."""
    liaison.fake.users[ENGINEER] = {
        "tz": "Europe/Berlin",
        "profile": {"real_name": "Ana", "display_name": "ana", "email": ENGINEER_EMAIL},
    }
    fake_trackers.github_users_by_email[ENGINEER_EMAIL] = ACCOUNTS["github"]
    fake_trackers.jira_users_by_email[ENGINEER_EMAIL] = ACCOUNTS["jira"]
    fake_trackers.linear_users_by_email[ENGINEER_EMAIL] = ACCOUNTS["linear"]
    return fake_trackers


def committed(liaison: Liaison, db: Inspector) -> Card:
    """A request claimed by ENGINEER, estimated at three days, committed for Fri 18 Dec."""
    return commit_request(liaison, db, client="Globex", impact="Renewal")


def send(liaison: Liaison) -> Any:
    """One pass of the outbox job (the tracker effect, then what its success queued)."""
    report = liaison.runtime.outbox.send_due()
    liaison.runtime.outbox.send_due()
    return report


def issue_row(db: Inspector, card: Card) -> TrackerIssue:
    return db.scalars(select(TrackerIssue).where(TrackerIssue.request_id == card.request_id)).one()


def tracker_effect(db: Inspector) -> OutboxMessage:
    return db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "tracker")).one()


def created_text(kind: str, body: dict[str, Any]) -> str:
    """The description the app sent, as text."""
    if kind == "github":
        return str(body["body"])
    if kind == "jira":
        return str(body["fields"]["description"])
    return str(body["variables"]["input"]["description"])


# -- creation ------------------------------------------------------------------------------------


def test_a_committed_request_becomes_one_issue_with_its_facts(
    liaison: Liaison, db: Inspector, trackers: FakeTrackers, kind: str
) -> None:
    card = committed(liaison, db)
    # Right after the commitment, as its Slack messages are: no outbox job has run.
    [call] = trackers.calls_to(CREATE_ROUTE[kind])
    body = call.body
    text = created_text(kind, body)
    request = current(db, card)
    assert "REQ-1" in text and "Globex" in text and "Renewal" in text
    assert request.card_permalink and request.card_permalink in text
    if kind == "github":
        assert body["title"] == "Export invoices as CSV"
        assert body["labels"] == ["liaison"] and body["assignees"] == [ACCOUNTS["github"]]
        assert "2026-12-18" in text  # no due date in GitHub: the body says it
    elif kind == "jira":
        fields = body["fields"]
        assert fields["description"]["type"] == "doc"
        assert fields["duedate"] == "2026-12-18" and fields["labels"] == ["liaison"]
        assert fields["assignee"] == {"accountId": ACCOUNTS["jira"]}
        assert fields["project"] == {"key": JIRA_PROJECT} and fields["issuetype"]["name"] == "Task"
    else:
        data = body["variables"]["input"]
        assert data["teamId"] == LINEAR_TEAM and data["dueDate"] == "2026-12-18"
        assert data["assigneeId"] == ACCOUNTS["linear"] and len(data["labelIds"]) == 1
    # Authenticated as each vendor wants.
    assert call.request.headers["authorization"]

    row = issue_row(db, card)
    [made] = trackers.issues(kind)
    assert row.state == "open" and row.key and row.url
    assert row.due_on == date(2026, 12, 18)
    assert row.key in {f"{GITHUB_REPO}#1", "ENG-1"}
    # On the card, in its thread, and told to the requester.
    updated = liaison.fake.calls_to("chat.update", ts=card.ts)[-1]
    assert row.key in str(updated.params["blocks"]) and row.url in str(updated.params["blocks"])
    assert any(row.key in t for t in thread_texts(liaison, card))
    assert any(row.key in t and "REQ-1" in t for t in dms_to(liaison, SALES_REP))

    # Later changes never create a second one.
    react(liaison, card, ENGINEER, "two")
    send(liaison)
    assert len(trackers.calls_to(CREATE_ROUTE[kind])) == 1
    assert made is not None


def test_only_the_change_that_queues_the_issue_asks_for_its_creation(
    liaison: Liaison,
    db: Inspector,
    trackers: FakeTrackers,
    kind: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    outbox = liaison.runtime.outbox
    asked: list[int] = []
    send_issue_of = outbox.send_issue_of

    def asking(request_id: int) -> Any:
        asked.append(request_id)
        return send_issue_of(request_id)

    monkeypatch.setattr(outbox, "send_issue_of", asking)
    card = file_request(liaison, db, desired_date="2026-12-18")
    react(liaison, card, ENGINEER, "raising_hand")  # claimed: the tracker waits for commitment
    assert asked == []
    react(liaison, card, ENGINEER, "three")  # committed: the issue is queued and created at once
    assert asked == [card.request_id]
    assert issue_row(db, card).state == "open"
    react(liaison, card, ENGINEER, "two")
    assert asked == [card.request_id]


def test_the_slack_side_is_not_held_back_by_the_tracker(
    liaison: Liaison, db: Inspector, trackers: FakeTrackers, kind: str
) -> None:
    trackers.fail(CREATE_ROUTE[kind], 503, times=5)
    card = committed(liaison, db)
    send(liaison)
    # The commitment was told, on the card and to the requester, while the tracker is down.
    assert any("Committed for" in t for t in thread_texts(liaison, card))
    assert any("committed for" in t for t in dms_to(liaison, SALES_REP))
    effect = tracker_effect(db)
    assert effect.status == "pending" and "503" in (effect.last_error or "")
    assert issue_row(db, card).state == "creating"
    # A reply in the thread is handled as usual meanwhile.
    react(liaison, card, ENGINEER, "two")
    assert current(db, card).estimate_days == 2


@pytest.mark.parametrize("create_on", ["claim"])
def test_a_tracker_that_creates_on_claim(
    liaison: Liaison, db: Inspector, trackers: FakeTrackers, kind: str
) -> None:
    card = file_request(liaison, db)
    send(liaison)
    trackers.assert_no_call(CREATE_ROUTE[kind])
    react(liaison, card, ENGINEER, "raising_hand")
    send(liaison)
    assert len(trackers.calls_to(CREATE_ROUTE[kind])) == 1
    row = issue_row(db, card)
    assert row.state == "open" and row.due_on is None  # not committed yet: no due date
    if kind == "jira":
        assert "duedate" not in trackers.calls_to(CREATE_ROUTE[kind])[0].body["fields"]


@pytest.mark.parametrize("create_on", ["manual"])
def test_a_manual_tracker_offers_a_create_issue_button_to_the_department(
    liaison: Liaison, db: Inspector, trackers: FakeTrackers, kind: str
) -> None:
    card = committed(liaison, db)
    send(liaison)
    trackers.assert_no_call(CREATE_ROUTE[kind])
    assert CardIds.create_issue in card_actions(liaison, card)

    click(liaison, card, STRANGER, CardIds.create_issue, value=str(card.request_id))
    assert "Only members of Engineering" in click_answers(liaison)[-1]
    send(liaison)
    trackers.assert_no_call(CREATE_ROUTE[kind])

    click(liaison, card, ENGINEER, CardIds.create_issue, value=str(card.request_id))
    assert "Creating the issue" in click_answers(liaison)[-1]
    send(liaison)
    assert len(trackers.issues(kind)) == 1
    assert CardIds.create_issue not in card_actions(liaison, card)

    click(liaison, card, ENGINEER, CardIds.create_issue, value=str(card.request_id))
    assert "already tracked as" in click_answers(liaison)[-1]
    assert len(trackers.calls_to(CREATE_ROUTE[kind])) == 1


# -- once, whatever happens to the answer ---------------------------------------------------------


def test_a_retry_after_a_lost_answer_adopts_the_issue_instead_of_creating_another(
    liaison: Liaison, db: Inspector, trackers: FakeTrackers, kind: str
) -> None:
    trackers.lose_answer(CREATE_ROUTE[kind])
    card = committed(liaison, db)
    send(liaison)
    assert len(trackers.issues(kind)) == 1  # it was created; the app cannot know
    assert issue_row(db, card).state == "creating"
    effect = tracker_effect(db)
    assert effect.status == "pending"
    # The next attempt waits until the tracker's search can see what it may have created.
    assert effect.next_attempt_at == liaison.clock() + timedelta(minutes=1)

    liaison.clock.advance(seconds=30)
    send(liaison)
    trackers.assert_no_call(SEARCH_ROUTE[kind])
    liaison.clock.advance(seconds=30)
    send(liaison)
    assert len(trackers.calls_to(SEARCH_ROUTE[kind])) == 1
    assert len(trackers.calls_to(CREATE_ROUTE[kind])) == 1
    assert len(trackers.issues(kind)) == 1
    row = issue_row(db, card)
    assert row.state == "open" and row.key in {f"{GITHUB_REPO}#1", "ENG-1"}
    assert any(row.key in t for t in thread_texts(liaison, card))


def test_a_timeout_is_retried_and_looks_first(
    liaison: Liaison, db: Inspector, trackers: FakeTrackers, kind: str
) -> None:
    trackers.hang(CREATE_ROUTE[kind])
    card = committed(liaison, db)
    # The tracker was asked right away, apart from Slack: the commitment was told all the same.
    assert any("Committed for" in t for t in thread_texts(liaison, card))
    assert any("committed for" in t for t in dms_to(liaison, SALES_REP))
    effect = tracker_effect(db)
    assert effect.status == "pending" and "no answer in time" in (effect.last_error or "")
    assert trackers.issues(kind) == []

    liaison.clock.advance(minutes=1)
    send(liaison)
    assert len(trackers.calls_to(SEARCH_ROUTE[kind])) == 1
    assert len(trackers.issues(kind)) == 1
    assert issue_row(db, card).state == "open"


# -- refusals ------------------------------------------------------------------------------------


def test_a_rate_limit_waits_as_long_as_the_tracker_asks(
    liaison: Liaison, db: Inspector, trackers: FakeTrackers, kind: str
) -> None:
    trackers.fail(CREATE_ROUTE[kind], 429, retry_after=120)
    card = committed(liaison, db)
    sent_at = liaison.clock()
    send(liaison)
    effect = tracker_effect(db)
    assert effect.status == "pending" and "rate limited" in (effect.last_error or "")
    assert effect.next_attempt_at == sent_at + timedelta(seconds=120)

    liaison.clock.advance(seconds=60)
    send(liaison)
    assert len(trackers.calls_to(CREATE_ROUTE[kind])) == 1  # not before the wait is over
    liaison.clock.advance(seconds=61)
    send(liaison)
    assert issue_row(db, card).state == "open"
    assert dms_to(liaison, ENG_LEAD) == []


@pytest.mark.parametrize("kind", ["github"])
def test_a_server_error_is_retried_with_backoff(
    liaison: Liaison, db: Inspector, trackers: FakeTrackers
) -> None:
    trackers.fail("github.create_issue", 502, times=2)
    card = committed(liaison, db)
    send(liaison)
    assert tracker_effect(db).next_attempt_at == liaison.clock() + timedelta(seconds=5)
    liaison.clock.advance(seconds=5)
    send(liaison)
    second = tracker_effect(db)
    assert second.attempts == 2 and "502" in (second.last_error or "")
    assert second.next_attempt_at == liaison.clock() + timedelta(seconds=10)  # backing off
    liaison.clock.advance(seconds=10)
    send(liaison)
    assert issue_row(db, card).state == "open"
    assert len(trackers.issues("github")) == 1


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (401, "Bad credentials"),
        (403, "Resource not accessible by integration"),
        (404, "Not Found"),
        (422, "Validation Failed"),
    ],
)
def test_a_refusal_is_shown_to_the_leads_with_the_trackers_words_and_a_retry(
    liaison: Liaison,
    db: Inspector,
    trackers: FakeTrackers,
    kind: str,
    status: int,
    words: str,
) -> None:
    trackers.fail(CREATE_ROUTE[kind], status)
    card = committed(liaison, db)
    send(liaison)
    effect = tracker_effect(db)
    assert effect.status == "failed"
    row = issue_row(db, card)
    assert row.state == "failed" and words in (row.last_error or "")
    [notice] = [t for t in dms_to(liaison, ENG_LEAD) if "could not create the issue" in t]
    assert "REQ-1" in notice and words in notice
    assert TrackerFailure.retry in str(dm_with(liaison, ENG_LEAD, TrackerFailure.retry)["blocks"])
    # Slack went on: the card says so and the commitment was told.
    assert "refused its issue" in str(liaison.fake.calls_to("chat.update", ts=card.ts)[-1].params)
    assert any("committed for" in t for t in dms_to(liaison, SALES_REP))
    if status == 422 and kind == "github":
        assert "assignees invalid" in (row.last_error or "")


def test_the_leads_retry_creates_the_issue_and_others_are_refused(
    liaison: Liaison, db: Inspector, trackers: FakeTrackers, kind: str
) -> None:
    trackers.fail(CREATE_ROUTE[kind], 422)
    card = committed(liaison, db)
    send(liaison)
    assert issue_row(db, card).state == "failed"

    click_in_dm(liaison, ENG_LEAD, TrackerFailure.retry, user=SALES_REP)
    assert issue_row(db, card).state == "failed"
    assert "Only members of Engineering can retry the issue of REQ-1" in click_answers(liaison)[-1]
    click_in_dm(liaison, ENG_LEAD, TrackerFailure.retry)
    # Right after the click: it looked first (the refusal may have come after the issue was
    # made), then created.
    assert len(trackers.calls_to(SEARCH_ROUTE[kind])) == 1
    assert len(trackers.issues(kind)) == 1
    assert issue_row(db, card).state == "open"
    click_in_dm(liaison, ENG_LEAD, TrackerFailure.retry)
    send(liaison)
    assert len(trackers.issues(kind)) == 1


@pytest.mark.parametrize("kind", ["jira"])
def test_missing_credentials_fail_with_the_variable_named(
    liaison: Liaison, db: Inspector, trackers: FakeTrackers, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(liaison.runtime.settings, "jira_api_token", None)
    card = committed(liaison, db)
    send(liaison)
    row = issue_row(db, card)
    assert row.state == "failed" and "JIRA_API_TOKEN" in (row.last_error or "")
    trackers.assert_no_call("jira.create_issue")


@pytest.mark.parametrize("kind", ["linear"])
def test_without_the_email_scope_the_issue_goes_unassigned(
    liaison: Liaison, db: Inspector, trackers: FakeTrackers
) -> None:
    liaison.fake.scopes = ",".join(
        s for s in liaison.fake.scopes.split(",") if s != "users:read.email"
    )
    committed(liaison, db)
    send(liaison)
    [call] = trackers.calls_to("linear.issueCreate")
    assert "assigneeId" not in call.body["variables"]["input"]
    trackers.assert_no_call("linear.users")


# -- nothing missed while the issue is being created ---------------------------------------------

CLOSE = {
    "github": lambda fake: fake.github_close(1),
    "jira": lambda fake: fake.jira_resolve("ENG-1"),
    "linear": lambda fake: fake.linear_complete("ENG-1"),
}


def test_an_issue_closed_before_its_lost_creation_answer_was_recovered_delivers_the_request(
    liaison: Liaison, db: Inspector, trackers: FakeTrackers, kind: str
) -> None:
    trackers.lose_answer(CREATE_ROUTE[kind])
    card = committed(liaison, db)
    assert issue_row(db, card).state == "creating"
    CLOSE[kind](trackers)  # done in the tracker before Liaison knew the issue

    liaison.clock.advance(minutes=1)
    send(liaison)  # the retry finds the issue by its marker, closed
    row = issue_row(db, card)
    assert row.state == "closed" and row.key in {f"{GITHUB_REPO}#1", "ENG-1"}
    assert current(db, card).status is Status.DELIVERED
    assert "Did it meet the need?" in dm_with(liaison, SALES_REP, "feedback_helpful")["text"]
    assert len(trackers.issues(kind)) == 1


@pytest.mark.parametrize("kind", ["github"])
def test_a_webhook_for_an_issue_still_being_created_is_kept_and_applied_once_it_is_known(
    liaison: Liaison, db: Inspector, trackers: FakeTrackers
) -> None:
    with_webhook_secrets(liaison)
    trackers.lose_answer("github.create_issue")
    card = committed(liaison, db)
    [made] = trackers.issues("github")
    # Closed at once (an automation, say); the webhook comes while the row is still `creating`.
    closed = {**made, "state": "closed"}
    payload = github_issues_event("closed", closed, ACCOUNTS["github"])
    assert github_webhook(liaison, payload).status_code == 200
    [kept] = db.scalars(select(InboxEvent))
    assert (kept.last_error or "").startswith("postponed") and kept.gave_up_at is None
    assert current(db, card).status is Status.COMMITTED

    # The retry finds the issue (its search still shows it open) and records it...
    liaison.clock.advance(minutes=1)
    send(liaison)
    assert issue_row(db, card).state == "open"
    # ...and the kept webhook, handled again, applies to it.
    liaison.clock.advance(minutes=5)
    liaison.runtime.inbox.handle_due()
    liaison.settle()
    assert issue_row(db, card).state == "closed"
    assert current(db, card).status is Status.DELIVERED
    assert list(db.scalars(select(InboxEvent))) == []


@pytest.mark.parametrize("kind", ["github"])
def test_a_webhook_for_an_issue_liaison_did_not_create_is_not_kept(
    liaison: Liaison, db: Inspector, trackers: FakeTrackers
) -> None:
    with_webhook_secrets(liaison)
    trackers.lose_answer("github.create_issue")
    committed(liaison, db)
    [made] = trackers.issues("github")
    other = {**made, "number": 99, "body": "Someone else's issue mentioning REQ-1"}
    payload = github_issues_event("closed", {**other, "state": "closed"}, "someone")
    assert github_webhook(liaison, payload).status_code == 200
    assert list(db.scalars(select(InboxEvent))) == []  # handled: nothing to do
