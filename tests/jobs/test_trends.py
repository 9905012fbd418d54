"""The monthly trends: posted in each digest channel on the 1st at the digest's time, with a
chart per series (each with alt text), once a month however often the job runs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bot.domain.models import TrendsRun
from bot.jobs.trends import post_trends
from tests.conftest import DIGEST_CHANNEL, ENGINEER, Liaison
from tests.slack.helpers import file_request, react

# The digest is due Mondays 09:00 in its zone (the organization's, New York): the 1st of
# December 2026 is a Tuesday, so the trends are due then, at 14:00 UTC.
FIRST_OF_DECEMBER = datetime(2026, 12, 1, 14, 0, tzinfo=UTC)


def some_work(liaison: Liaison, db) -> None:
    liaison.clock.set(datetime(2026, 11, 24, 14, tzinfo=UTC))
    done = file_request(liaison, db, title="Done", desired_date="2026-11-27", promised="yes")
    react(liaison, done, ENGINEER, "raising_hand")
    react(liaison, done, ENGINEER, "one")
    liaison.clock.set(datetime(2026, 11, 25, 12, tzinfo=UTC))
    react(liaison, done, ENGINEER, "white_check_mark")


def test_posted_on_the_first_with_its_charts_once_a_month(liaison: Liaison, db) -> None:
    some_work(liaison, db)
    assert post_trends(liaison.runtime, at=datetime(2026, 12, 1, 13, 59, tzinfo=UTC)) == []
    liaison.clock.set(FIRST_OF_DECEMBER)
    [outcome] = post_trends(liaison.runtime)
    assert outcome.posted and outcome.scheduled_for == FIRST_OF_DECEMBER
    assert post_trends(liaison.runtime) == []  # once
    liaison.clock.set(datetime(2026, 12, 8, 14, tzinfo=UTC))
    assert post_trends(liaison.runtime) == []  # not again this month
    liaison.settle()
    [message] = liaison.fake.wait_for("chat.postMessage", channel=DIGEST_CHANNEL)
    text, blocks = message.params["text"], str(message.params["blocks"])
    assert text.startswith("Trends, last 12 weeks: On time was 100 % in the only week")
    assert "1 in 12 weeks" in text and "0 of them slipped" in text
    assert "Dates promised before an estimate" in blocks and "`" in blocks
    uploads = liaison.fake.wait_for("files.completeUploadExternal", count=5)
    assert {u.params["channel_id"] for u in uploads} == {DIGEST_CHANNEL}
    # The alt text goes with the request for an upload URL (slack_sdk's files_upload_v2).
    alts = [
        c.params.get("alt_txt") or "" for c in liaison.fake.calls_to("files.getUploadURLExternal")
    ]
    assert len(alts) == 5
    assert all(alt.strip() for alt in alts)
    assert any(alt.startswith("On time. On time (%) per week, from the week of") for alt in alts)
    assert all(png.startswith(b"\x89PNG") for png in liaison.fake.uploads.values())
    assert len(db.scalars(select(TrendsRun)).all()) == 1
    # The next month's are due on the 1st of January.
    liaison.clock.set(datetime(2027, 1, 1, 14, 5, tzinfo=UTC))
    assert [o.posted for o in post_trends(liaison.runtime)] == [True]


def test_the_command_dry_run_prints_and_posts_nothing(liaison: Liaison, db, capsys) -> None:
    some_work(liaison, db)
    [outcome] = post_trends(liaison.runtime, at=FIRST_OF_DECEMBER, dry_run=True)
    assert not outcome.posted and len(outcome.payload["weeks"]) == 12
    liaison.settle()
    liaison.fake.assert_no_call("chat.postMessage", channel=DIGEST_CHANNEL)
    assert db.scalars(select(TrendsRun)).all() == []
