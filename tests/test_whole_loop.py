"""The whole loop on a workspace set up as the README says: the bot invited nowhere, the requester
in none of the team's channels. File, claim by reaction, ask, answer from the DM, estimate, accept
from the DM, deliver, give feedback from the DM, and the weekly digest with its chart; the fake
Slack refuses whatever the real one would."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.domain.lifecycle import Status
from bot.jobs.digest import post_digests
from tests.conftest import DIGEST_CHANNEL, ENGINEER, INTAKE_CHANNEL, SALES_REP, Liaison
from tests.slack.helpers import (
    click_in_dm,
    current,
    dm_with,
    dms_to,
    events_of,
    file_request,
    opened_view,
    react,
    thread_texts,
)

# Wed 2 Dec: five days of work from Tue 1 Dec 16:00 in Berlin cannot make it.
TOO_SOON = "2026-12-02"


def test_the_whole_loop_from_a_fresh_install(liaison: Liaison, db) -> None:
    fake = liaison.fake
    # Nobody invited the bot: it joined the public intake and digest channels itself at start.
    joined = {c.params["channel"] for c in fake.calls_to("conversations.join")}
    assert joined == {INTAKE_CHANNEL, DIGEST_CHANNEL}
    fake.invite(INTAKE_CHANNEL, ENGINEER)
    # The requester is in none of them.
    assert all(SALES_REP not in fake.channel_members.get(c, set()) for c in fake.channels)

    card = file_request(liaison, db, desired_date=TOO_SOON, details="Invoices as CSV & more")
    assert any("REQ-1" in t for t in dms_to(liaison, SALES_REP))  # the receipt

    # Claim and ask, with reactions Slack delivers because the bot is in the channel.
    react(liaison, card, ENGINEER, "raising_hand")
    assert current(db, card).status is Status.CLAIMED
    react(liaison, card, ENGINEER, "question")
    assert current(db, card).status is Status.NEEDS_INFO

    # The requester answers from the DM: a button, a modal, the answer copied into the thread.
    click_in_dm(liaison, SALES_REP, "requester_answer")
    view = opened_view(liaison, "requester_answer")
    response = liaison.slack.view_submission(view, SALES_REP, {"answer": "All of them, weekly."})
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()
    assert current(db, card).status is Status.CLAIMED
    assert any("All of them, weekly." in t for t in thread_texts(liaison, card))

    # An estimate that misses the desired date: at risk, decided from the DM.
    react(liaison, card, ENGINEER, "five")
    assert current(db, card).status is Status.AT_RISK
    click_in_dm(liaison, SALES_REP, "negotiation_accept")
    request = current(db, card)
    assert request.status is Status.COMMITTED and request.committed_date is not None

    # Delivered by reaction; the requester's feedback from the DM.
    react(liaison, card, ENGINEER, "white_check_mark")
    assert current(db, card).status is Status.DELIVERED
    assert dm_with(liaison, SALES_REP, "feedback_helpful")
    click_in_dm(liaison, SALES_REP, "feedback_helpful")
    assert len(events_of(db, card, "feedback")) == 1

    # The weekly digest and its chart, in the channel the bot joined.
    liaison.clock.set(datetime(2026, 12, 14, 14, 0, tzinfo=UTC))  # Mon 09:00 New York
    [outcome] = post_digests(liaison.runtime)
    liaison.settle()
    assert outcome.posted
    fake.wait_for("chat.postMessage", channel=DIGEST_CHANNEL)
    uploads = fake.wait_for("files.completeUploadExternal")
    assert uploads[0].response["ok"]

    # Nothing was said where the requester cannot see it, and nothing asked them to go there.
    assert fake.calls_to("chat.postEphemeral", user=SALES_REP) == []
    for text in dms_to(liaison, SALES_REP):
        assert "in the thread" not in text and "go to" not in text.lower(), text
    # Slack refused nothing the app asked of it.
    refused = [c for c in fake.calls if c.response and c.response.get("ok") is False]
    assert refused == [], [(c.method, c.response) for c in refused]
