"""The weekly digest: posted at its moment with its numbers and chart, exactly once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import select

from bot.domain import outbox
from bot.domain.models import DigestRun, OutboxMessage
from bot.jobs.digest import post_digests
from tests.conftest import DIGEST_CHANNEL, ENG_LEAD, ENGINEER, Liaison
from tests.slack.helpers import file_request, react

MONDAY_9_NEW_YORK = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)


def a_week_of_work(liaison: Liaison, db) -> None:
    """Tue 1 Dec: two requests filed; one claimed, estimated at 1 day and delivered on Wed."""
    done = file_request(liaison, db, title="Done on time", desired_date="2026-12-04")
    file_request(liaison, db, title="Still waiting", promised="yes")
    react(liaison, done, ENGINEER, "raising_hand")
    react(liaison, done, ENGINEER, "one")
    liaison.clock.set(datetime(2026, 12, 2, 12, tzinfo=UTC))
    react(liaison, done, ENGINEER, "white_check_mark")


def in_the_digest_channel(db) -> list[OutboxMessage]:
    return list(db.scalars(select(OutboxMessage).where(OutboxMessage.channel == DIGEST_CHANNEL)))


def test_the_digest_posts_its_numbers_and_chart_at_its_moment(liaison: Liaison, db) -> None:
    a_week_of_work(liaison, db)
    assert post_digests(liaison.runtime, at=datetime(2026, 12, 7, 13, 59, tzinfo=UTC)) == []
    liaison.clock.set(MONDAY_9_NEW_YORK)
    [outcome] = post_digests(liaison.runtime)
    liaison.settle()
    assert outcome.posted
    [message] = liaison.fake.wait_for("chat.postMessage", channel=DIGEST_CHANNEL, thread_ts=None)
    text = message.params["text"]
    # The fallback text carries the key numbers for clients that show no blocks or images.
    assert "Sales → Engineering: 2 opened, 1 delivered, on time 100%, 1 open" in text
    assert "1 dates promised before an estimate (0 infeasible)" in text
    # Too few requests for any movement to be more than noise.
    assert "A steady week: no figure moved beyond its usual week-to-week noise" in text
    blocks = str(message.params["blocks"])
    # One line for the pair, each figure marked against last week.
    assert (
        "*Sales → Engineering*: 2 opened ↑ (was 0) · 1 delivered ↑ better (was 0) · "
        "on time 100% · 0 overdue · 0 at risk"
    ) in blocks
    assert "Opened: *2*" not in blocks  # the full figures are in the thread
    assert "Oldest unclaimed" in blocks and "Still waiting" in blocks
    # Claimed Tue 16:00 Berlin, delivered Wed 13:00: 5 business hours for a 1-day estimate.
    assert "Engineering takes ×0.62 its estimates (new)" in blocks
    # The full figures, in the digest's thread.
    [reply] = liaison.fake.wait_for(
        "chat.postMessage", channel=DIGEST_CHANNEL, thread_ts=message.response["ts"]
    )
    figures = str(reply.params["blocks"])
    assert "Opened: *2* ↑ (last week 0)" in figures
    assert "Delivered: *1* ↑ better (last week 0)" in figures
    assert "Declined: *0* (last week 0)" in figures
    assert "On time: *100%* (last week —)" in figures
    assert "Dates promised before an estimate: *1* ↑ worse (last week 0)" in figures
    assert "Opened: 2 ↑ (last week 0)" in reply.params["text"]
    upload = liaison.fake.wait_for("files.completeUploadExternal")[0]
    assert upload.params["channel_id"] == DIGEST_CHANNEL
    [png] = liaison.fake.uploads.values()
    assert png.startswith(b"\x89PNG")


def test_the_full_figures_wait_for_the_digest_they_reply_to(liaison: Liaison, db) -> None:
    """Slack is down when the digest is posted: its thread reply waits, and follows it under the
    digest once Slack is back."""
    a_week_of_work(liaison, db)
    liaison.clock.set(MONDAY_9_NEW_YORK)
    liaison.fake.fail("chat.postMessage", status=500, times=1, channel=DIGEST_CHANNEL)
    [outcome] = post_digests(liaison.runtime)
    assert outcome.posted
    waiting = {m.template: m for m in in_the_digest_channel(db)}
    assert waiting[outbox.WEEKLY_DIGEST].status == "pending"
    assert waiting[outbox.DIGEST_FIGURES].status == "pending"
    assert waiting[outbox.DIGEST_FIGURES].last_error == "waiting for the message it replies to"
    liaison.fake.assert_no_call("chat.postMessage", channel=DIGEST_CHANNEL, thread_ts=lambda t: t)

    liaison.clock.advance(minutes=1)
    liaison.runtime.outbox.send_due()
    liaison.clock.advance(minutes=1)
    liaison.runtime.outbox.send_due()
    calls = liaison.fake.calls_to("chat.postMessage", channel=DIGEST_CHANNEL)
    posts = [c for c in calls if c.status == 200]
    assert [bool(c.params.get("thread_ts")) for c in posts] == [False, True]
    assert posts[1].params["thread_ts"] == posts[0].response["ts"]
    assert "Full figures" in posts[1].params["text"]


def test_the_full_figures_fail_with_the_digest(liaison: Liaison, db) -> None:
    """A digest Slack refuses for good leaves its reply nothing to go under: it fails too, and
    only the digest's failure is told to the leads (once per lead)."""
    a_week_of_work(liaison, db)
    liaison.clock.set(MONDAY_9_NEW_YORK)
    liaison.fake.fail("chat.postMessage", "is_archived", times=1, channel=DIGEST_CHANNEL)
    post_digests(liaison.runtime)
    states = {m.template: (m.status, m.last_error) for m in in_the_digest_channel(db)}
    assert states[outbox.WEEKLY_DIGEST] == ("failed", "is_archived")
    assert states[outbox.DIGEST_FIGURES][0] == "failed"
    assert "never posted" in states[outbox.DIGEST_FIGURES][1]
    liaison.runtime.outbox.send_due()  # the notices queued on the way
    [told] = liaison.fake.calls_to("chat.postMessage", channel=ENG_LEAD)
    assert "the weekly digest" in told.params["text"] and "is_archived" in told.params["text"]


def test_posted_once_however_often_the_job_runs(liaison: Liaison, db) -> None:
    a_week_of_work(liaison, db)
    liaison.clock.set(MONDAY_9_NEW_YORK)
    outcomes: list = []
    start = threading.Barrier(4)

    def scheduler() -> None:
        start.wait()
        outcomes.extend(post_digests(liaison.runtime))

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    liaison.settle()
    assert len([o for o in outcomes if o.posted]) == 1
    # The digest once, and its full figures once in its thread.
    assert len(liaison.fake.calls_to("chat.postMessage", channel=DIGEST_CHANNEL)) == 2
    [_digest] = liaison.fake.calls_to("chat.postMessage", channel=DIGEST_CHANNEL, thread_ts=None)
    assert len(db.scalars(select(DigestRun)).all()) == 1


def test_a_missed_digest_is_caught_up_once_within_the_grace_period(liaison: Liaison, db) -> None:
    a_week_of_work(liaison, db)
    # No scheduler ran on Monday; it comes back on Tuesday morning.
    liaison.clock.set(datetime(2026, 12, 8, 10, tzinfo=UTC))
    assert [o.posted for o in post_digests(liaison.runtime)] == [True]
    assert post_digests(liaison.runtime) == []
    # Back only on Wednesday: more than 24 h late, that week's digest is skipped.
    liaison.clock.set(datetime(2026, 12, 16, 10, tzinfo=UTC))
    assert post_digests(liaison.runtime) == []
    liaison.settle()
    # The digest once, and its full figures once in its thread.
    assert len(liaison.fake.calls_to("chat.postMessage", channel=DIGEST_CHANNEL)) == 2
    [_digest] = liaison.fake.calls_to("chat.postMessage", channel=DIGEST_CHANNEL, thread_ts=None)


def test_dry_run_posts_nothing(liaison: Liaison, db) -> None:
    a_week_of_work(liaison, db)
    [outcome] = post_digests(liaison.runtime, at=MONDAY_9_NEW_YORK, dry_run=True)
    liaison.settle()
    assert not outcome.posted and outcome.facts.payload["pairs"]
    liaison.fake.assert_no_call("chat.postMessage", channel=DIGEST_CHANNEL)
    assert db.scalars(select(DigestRun)).all() == []
