"""The weekly digest: posted at its moment with its numbers and chart, exactly once."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import select

from bot.domain.models import DigestRun
from bot.jobs.digest import post_digests
from tests.conftest import DIGEST_CHANNEL, ENGINEER, Liaison
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


def test_the_digest_posts_its_numbers_and_chart_at_its_moment(liaison: Liaison, db) -> None:
    a_week_of_work(liaison, db)
    assert post_digests(liaison.runtime, at=datetime(2026, 12, 7, 13, 59, tzinfo=UTC)) == []
    liaison.clock.set(MONDAY_9_NEW_YORK)
    [outcome] = post_digests(liaison.runtime)
    liaison.settle()
    assert outcome.posted
    message = liaison.fake.wait_for("chat.postMessage", channel=DIGEST_CHANNEL)[0]
    text = message.params["text"]
    # The fallback text carries the key numbers for clients that show no blocks or images.
    assert "Sales → Engineering: 2 opened, 1 delivered, on time 100%, 1 open" in text
    assert "1 dates promised before an estimate (0 infeasible)" in text
    blocks = str(message.params["blocks"])
    assert "Opened: *2* ↑ (last week 0)" in blocks
    assert "Oldest unclaimed" in blocks and "Still waiting" in blocks
    # Claimed Tue 16:00 Berlin, delivered Wed 13:00: 5 business hours for a 1-day estimate.
    assert "Engineering takes ×0.62 its estimates (new)" in blocks
    upload = liaison.fake.wait_for("files.completeUploadExternal")[0]
    assert upload.params["channel_id"] == DIGEST_CHANNEL
    [png] = liaison.fake.uploads.values()
    assert png.startswith(b"\x89PNG")


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
    assert len(liaison.fake.calls_to("chat.postMessage", channel=DIGEST_CHANNEL)) == 1
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
    assert len(liaison.fake.calls_to("chat.postMessage", channel=DIGEST_CHANNEL)) == 1


def test_dry_run_posts_nothing(liaison: Liaison, db) -> None:
    a_week_of_work(liaison, db)
    [outcome] = post_digests(liaison.runtime, at=MONDAY_9_NEW_YORK, dry_run=True)
    liaison.settle()
    assert not outcome.posted and outcome.facts.payload["pairs"]
    liaison.fake.assert_no_call("chat.postMessage", channel=DIGEST_CHANNEL)
    assert db.scalars(select(DigestRun)).all() == []
