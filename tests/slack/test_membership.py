"""Liaison gets into the channels it works in: Slack sends reactions and thread replies only from
channels the bot is a member of."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from bot.domain import outbox
from bot.domain.models import OutboxMessage, Request
from bot.slack.membership import INVITE_WAIT, join_channels_at_start, recheck_unusable_channels
from tests.conftest import (
    DIGEST_CHANNEL,
    ENG_LEAD,
    ENGINEER,
    INTAKE_CHANNEL,
    SALES_LEAD,
    SALES_REP,
    Inspector,
    Liaison,
)
from tests.fakes.slack_api import FakeSlack
from tests.slack.helpers import current, dms_to, file_request, react


def test_a_fresh_start_joins_the_configured_channels_and_then_hears_reactions(
    liaison: Liaison, db: Inspector
) -> None:
    # The fixture started Liaison the way `liaison run` does, with the bot in no channel.
    joined = [c.params["channel"] for c in liaison.fake.calls_to("conversations.join")]
    assert sorted(joined) == sorted([INTAKE_CHANNEL, DIGEST_CHANNEL])
    assert liaison.fake.bot_hears(INTAKE_CHANNEL) and liaison.fake.bot_hears(DIGEST_CHANNEL)

    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    assert current(db, card).claimer_id == ENGINEER
    assert httpx.get(liaison.url + "/healthz").json()["channels"] == {"unusable": []}


def test_a_post_that_finds_liaison_outside_a_public_channel_joins_it_first(
    liaison: Liaison, db: Inspector
) -> None:
    liaison.fake.channel_members[INTAKE_CHANNEL].discard(liaison.fake.bot_user_id)  # removed
    liaison.fake.reset()

    card = file_request(liaison, db)

    posts = liaison.fake.calls_to("chat.postMessage", channel=INTAKE_CHANNEL)
    assert [p.response.get("error") for p in posts[:2]] == ["not_in_channel", None]
    liaison.fake.wait_for("conversations.join", channel=INTAKE_CHANNEL)
    react(liaison, card, ENGINEER, "raising_hand")
    assert current(db, card).claimer_id == ENGINEER


def test_slack_withholds_events_from_a_channel_the_bot_is_not_in(liaison: Liaison) -> None:
    liaison.fake.add_channel("CELSEWHERE", members=(ENGINEER,))
    response = liaison.slack.reaction(ENGINEER, "raising_hand", "CELSEWHERE", "1700000000.000100")
    assert response is None
    assert liaison.slack.withheld[-1]["item"]["channel"] == "CELSEWHERE"


class TestAPrivateIntakeChannel:
    @pytest.fixture
    def fake_slack(self, fake_slack: FakeSlack) -> FakeSlack:
        fake_slack.private_channels.add(INTAKE_CHANNEL)
        fake_slack.channel_members[INTAKE_CHANNEL] = {ENGINEER, ENG_LEAD}
        return fake_slack

    def test_leads_are_told_once_and_the_card_waits_for_the_invitation(
        self, liaison: Liaison, db: Inspector
    ) -> None:
        fake = liaison.fake
        assert fake.calls_to("conversations.join", channel=INTAKE_CHANNEL) == []  # cannot see it
        health = httpx.get(liaison.url + "/healthz")
        assert health.status_code == 200
        assert health.json()["channels"] == {"unusable": [INTAKE_CHANNEL]}

        liaison.runtime.outbox.send_due()
        (notice,) = dms_to(liaison, ENG_LEAD)
        assert "/invite @Liaison" in notice and f"<#{INTAKE_CHANNEL}>" in notice
        assert dms_to(liaison, SALES_LEAD) == []  # the digest channel is public: joined

        # A restart checks again but does not tell the leads twice.
        join_channels_at_start(liaison.runtime)
        liaison.slack.command(SALES_REP, "")
        view = fake.wait_for("views.open")[-1].response["view"]
        liaison.slack.view_submission(view, SALES_REP, {"title": "Export invoices as CSV"})
        liaison.settle()
        liaison.runtime.outbox.send_due()
        assert len(dms_to(liaison, ENG_LEAD)) == 1
        notices = db.scalars(
            select(OutboxMessage).where(OutboxMessage.template == outbox.CHANNEL_UNUSABLE)
        )
        assert len(notices) == 1

        # Nothing is lost: the card waits in the outbox, and is posted once Liaison is invited.
        request = db.scalars(select(Request)).one()
        assert request.card_ts is None
        card_row = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "card")).one()
        assert card_row.status == "pending" and "invitation" in (card_row.last_error or "")

        fake.invite(INTAKE_CHANNEL)
        liaison.clock.advance(seconds=INVITE_WAIT.total_seconds())
        liaison.runtime.outbox.send_due()
        request = db.get(Request, request.id)
        assert request.card_ts and request.card_channel == INTAKE_CHANNEL
        assert fake.message(INTAKE_CHANNEL, request.card_ts)
        assert httpx.get(liaison.url + "/healthz").json()["channels"] == {"unusable": []}

        response = liaison.slack.reaction(ENGINEER, "raising_hand", INTAKE_CHANNEL, request.card_ts)
        assert response is not None and response.status_code == 200
        liaison.settle()
        assert db.get(Request, request.id).claimer_id == ENGINEER

    def test_an_invitation_is_noticed_without_anything_to_post(self, liaison: Liaison) -> None:
        assert recheck_unusable_channels(liaison.runtime) == []  # still not invited
        liaison.fake.invite(INTAKE_CHANNEL)
        assert recheck_unusable_channels(liaison.runtime) == [INTAKE_CHANNEL]
        assert httpx.get(liaison.url + "/healthz").json()["channels"] == {"unusable": []}
