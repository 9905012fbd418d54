"""Where people are told privately that they may not do something: a click through its own
response_url, a reaction by an ephemeral message in the channel when they are in it and by DM
when they are not; and what happens before the user groups were first read."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.models import InboxEvent
from bot.jobs.usergroups import refresh_usergroups
from tests.conftest import ENGINEER, INTAKE_CHANNEL, STRANGER, Liaison
from tests.slack.helpers import click, click_answers, current, dms_to, file_request, react

REFUSAL = "Only members of Engineering can claim REQ-1."
# The app's client gives up after CLIENT_TIMEOUT; a late answer comes after LATE.
CLIENT_TIMEOUT = 0.5
LATE = 1.5


def test_a_refused_click_is_answered_through_its_response_url(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)

    click(liaison, card, STRANGER, "card_claim", value=str(card.request_id))

    [answer] = click_answers(liaison)
    assert answer.startswith(REFUSAL)
    liaison.fake.assert_no_call("chat.postEphemeral")
    assert current(db, card).claimer_id is None


def test_a_refused_reaction_is_answered_in_the_channel_when_the_person_is_in_it(
    liaison: Liaison, db
) -> None:
    liaison.fake.channel_members[INTAKE_CHANNEL] = {ENGINEER, STRANGER}
    card = file_request(liaison, db)

    react(liaison, card, STRANGER, "raising_hand")

    [ephemeral] = liaison.fake.calls_to("chat.postEphemeral", user=STRANGER)
    assert ephemeral.status == 200 and ephemeral.response["ok"]
    assert ephemeral.params["channel"] == INTAKE_CHANNEL
    assert ephemeral.params["text"].startswith(REFUSAL)
    assert dms_to(liaison, STRANGER) == []


def test_a_refused_reaction_is_answered_by_dm_when_the_person_is_not_in_the_channel(
    liaison: Liaison, db
) -> None:
    liaison.fake.channel_members[INTAKE_CHANNEL] = {ENGINEER}
    card = file_request(liaison, db)

    react(liaison, card, STRANGER, "raising_hand")

    [dm] = dms_to(liaison, STRANGER)
    assert dm.startswith(REFUSAL)


class TestSlackNotAnswering:
    """A private answer is best effort: one whose answer Slack does not send in time is not
    sent again, and the reaction it answers counts as handled (no retry, no error)."""

    @pytest.fixture
    def extra_settings(self) -> dict[str, Any]:
        return {"slack_timeout_seconds": CLIENT_TIMEOUT}

    def test_a_dm_whose_answer_is_lost_is_sent_once(self, liaison: Liaison, db) -> None:
        liaison.fake.channel_members[INTAKE_CHANNEL] = {ENGINEER}
        card = file_request(liaison, db)
        liaison.fake.accept_then_time_out("chat.postMessage", LATE, channel=STRANGER)

        react(liaison, card, STRANGER, "raising_hand")

        [dm] = dms_to(liaison, STRANGER)
        assert dm.startswith(REFUSAL)
        assert db.scalars(select(InboxEvent)).all() == []

    def test_an_ephemeral_whose_answer_is_lost_is_not_sent_again(
        self, liaison: Liaison, db
    ) -> None:
        liaison.fake.channel_members[INTAKE_CHANNEL] = {ENGINEER, STRANGER}
        card = file_request(liaison, db)
        liaison.fake.accept_then_time_out("chat.postEphemeral", LATE, user=STRANGER)

        react(liaison, card, STRANGER, "raising_hand")

        assert len(liaison.fake.calls_to("chat.postEphemeral", user=STRANGER)) == 1
        assert dms_to(liaison, STRANGER) == []
        assert db.scalars(select(InboxEvent)).all() == []


class TestBeforeTheGroupsAreRead:
    @pytest.fixture
    def read_usergroups_at_start(self) -> bool:
        return False

    def test_a_click_is_asked_to_try_again_in_a_minute(self, liaison: Liaison, db) -> None:
        card = file_request(liaison, db)

        click(liaison, card, STRANGER, "card_claim", value=str(card.request_id))

        [answer] = click_answers(liaison)
        assert "try again in a minute" in answer
        liaison.fake.assert_no_call("usergroups.users.list")

    def test_a_person_named_in_the_configuration_needs_no_group(self, liaison: Liaison, db) -> None:
        card = file_request(liaison, db)

        react(liaison, card, ENGINEER, "raising_hand")

        assert current(db, card).claimer_id == ENGINEER

    def test_a_reaction_waits_in_the_inbox_until_the_group_is_read(
        self, liaison: Liaison, db
    ) -> None:
        card = file_request(liaison, db)
        liaison.fake.usergroups["SENG"] = ["UENGNEW"]

        react(liaison, card, "UENGNEW", "raising_hand")

        assert current(db, card).claimer_id is None
        [kept] = db.scalars(select(InboxEvent)).all()
        assert kept.attempts == 1 and kept.gave_up_at is None
        liaison.fake.assert_no_call("usergroups.users.list")

        refresh_usergroups(liaison.runtime)
        liaison.clock.advance(minutes=1)
        liaison.runtime.inbox.handle_due()
        liaison.settle()

        assert current(db, card).claimer_id == "UENGNEW"
        assert db.scalars(select(InboxEvent)).all() == []
