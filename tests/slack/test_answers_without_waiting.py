"""Nothing slow before the answer, and no Slack call while a database transaction is open.

Slack gives every answer 3 seconds, and `usergroups.users.list` is a slow, rate-limited method:
membership is read from the database, which the `refresh-usergroups` job fills from Slack without
holding a transaction while Slack answers. The check that no Slack call is ever made inside a
transaction runs around every test (tests/guards.py); the first test shows that it bites.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from bot.db.session import transaction
from bot.domain.models import Request
from bot.jobs.usergroups import refresh_usergroups
from tests import guards
from tests.conftest import DEFAULT_CONFIG, INTAKE_CHANNEL, Liaison
from tests.slack.helpers import click_answers, current, file_request, react

SALES_BY_GROUP = "USALESGRP"
ENGINEER_BY_GROUP = "UENGGRP"
SLOW = 6.0  # seconds Slack takes to list a group's members in these tests
ANSWERED_IN = 3.0  # Slack's own bound for every answer


@pytest.fixture
def config_text() -> str:
    # Sales is known only through its user group; Engineering through names and a group.
    return DEFAULT_CONFIG.replace('members = ["USALES1", "USALES2"]', 'usergroup = "SSALES"')


@pytest.fixture
def fake_slack(fake_slack):  # type: ignore[no-untyped-def]
    fake_slack.usergroups["SSALES"] = [SALES_BY_GROUP]
    fake_slack.usergroups["SENG"] = [ENGINEER_BY_GROUP]
    return fake_slack


def test_the_guard_sees_a_slack_call_made_inside_a_transaction(liaison: Liaison) -> None:
    client = liaison.runtime.client_for("")
    client.auth_test()
    assert guards.violations == []
    with transaction(liaison.runtime.sessions) as session:
        session.execute(text("SELECT 1"))
        client.auth_test()
    found, guards.violations[:] = list(guards.violations), []
    assert len(found) == 1 and "auth.test" in found[0]


def test_answers_come_at_once_while_slack_is_slow_to_list_a_group(liaison: Liaison, db) -> None:
    # Every listing of a group is slow from now on, and the scheduler is reading both groups
    # while people use Liaison.
    liaison.fake.slow_down("usergroups.users.list", SLOW, times=100)
    refresh = threading.Thread(target=refresh_usergroups, args=(liaison.runtime,))
    refresh.start()
    liaison.fake.wait_for("auth.test", count=2)  # the refresh is under way
    try:
        # /request
        response = liaison.slack.command(SALES_BY_GROUP, "Export invoices")
        assert response.status_code == 200
        assert response.elapsed.total_seconds() < ANSWERED_IN
        view = liaison.fake.wait_for("views.open", timeout=ANSWERED_IN)[-1].response["view"]
        # the modal's submission, which writes the request
        response = liaison.slack.view_submission(view, SALES_BY_GROUP, {"title": "Export"})
        assert (response.status_code, response.text) == (200, "")
        assert response.elapsed.total_seconds() < ANSWERED_IN
        liaison.fake.wait_for("chat.postMessage", channel=INTAKE_CHANNEL, timeout=ANSWERED_IN)
        liaison.settle()
        request = db.scalars(select(Request)).one()
        message = liaison.fake.message(request.card_channel, request.card_ts)
        # a button click, by an engineer known only through the group
        response = liaison.slack.block_action(
            ENGINEER_BY_GROUP,
            "card_claim",
            value=str(request.id),
            channel_id=request.card_channel,
            message=message,
        )
        assert response.status_code == 200
        assert response.elapsed.total_seconds() < ANSWERED_IN
        liaison.settle()
        assert db.get(Request, request.id).claimer_id == ENGINEER_BY_GROUP
        # the message shortcut
        response = liaison.slack.message_shortcut(
            SALES_BY_GROUP, {"text": "Can we get SSO?", "user": "UCLIENTFACING"}
        )
        assert response.status_code == 200
        assert response.elapsed.total_seconds() < ANSWERED_IN
        liaison.fake.wait_for("views.open", count=2, timeout=ANSWERED_IN)
        # All of it happened while Slack was still listing the first group.
        assert refresh.is_alive()
    finally:
        refresh.join()
    lookups = liaison.fake.calls_to("usergroups.users.list")
    assert len(lookups) == 2 + 2  # at start, and by the refresh: never while answering


def test_group_members_act_with_no_slack_call_inside_a_transaction(liaison: Liaison, db) -> None:
    """Every check of membership in the workflow (claim, estimate, ask, decline, snooze) reads
    the database; the guard around this test fails it if any of them called Slack."""
    card = file_request(liaison, db, user=SALES_BY_GROUP)
    react(liaison, card, ENGINEER_BY_GROUP, "raising_hand")
    react(liaison, card, ENGINEER_BY_GROUP, "three")
    assert current(db, card).claimer_id == ENGINEER_BY_GROUP
    assert current(db, card).estimate_days == 3
    response = liaison.slack.block_action(
        ENGINEER_BY_GROUP,
        "nudge_snooze",
        selected_option_value=f"{card.request_id}:due_soon:1",
        channel_id="D" + ENGINEER_BY_GROUP,
    )
    assert response.status_code == 200
    liaison.settle()
    assert len(click_answers(liaison)) == 1
    # Both groups were read once, at start.
    assert len(liaison.fake.calls_to("usergroups.users.list")) == 2
