"""Dates and times in messages are Slack `<!date^…>` tokens, so each reader sees their own local
time, with a fallback written in the department's zone."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.slack import text
from bot.slack.blocks.digest import digest_message
from bot.slack.dates import slack_date
from tests.conftest import ENGINEER, SALES_REP, Liaison
from tests.slack.helpers import dms_to, file_request, react

BERLIN = ZoneInfo("Europe/Berlin")
# Tuesday 1 December 2026, 15:00 UTC: the clock fixture's start.
FILED = int(datetime(2026, 12, 1, 15, 0, tzinfo=UTC).timestamp())


def test_a_moment_shows_date_and_time_with_a_fallback_in_the_given_zone() -> None:
    moment = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    assert slack_date(moment, BERLIN) == (
        f"<!date^{FILED}^{{date_short_pretty}} {{time}}|Tue 1 Dec 2026 16:00 CET>"
    )
    # SQLite hands datetimes back without a zone: they are UTC.
    assert slack_date(moment.replace(tzinfo=None), BERLIN) == slack_date(moment, BERLIN)
    assert slack_date(moment).endswith("|Tue 1 Dec 2026 15:00 UTC>")


def test_a_date_shows_no_time_and_is_the_same_day_across_the_world() -> None:
    token = slack_date(date(2026, 12, 18))
    noon = int(datetime(2026, 12, 18, 12, tzinfo=UTC).timestamp())
    assert token == f"<!date^{noon}^{{date_short_pretty}}|Fri 18 Dec 2026>"
    for zone in ("Pacific/Honolulu", "America/New_York", "Europe/Berlin", "Asia/Tokyo"):
        assert datetime.fromtimestamp(noon, ZoneInfo(zone)).date() == date(2026, 12, 18)
    assert slack_date(None) == "no date given"


def test_cutting_long_mrkdwn_never_leaves_half_a_token() -> None:
    line = slack_date(datetime(2026, 12, 1, 15, tzinfo=UTC), BERLIN)
    cut = text.cut_mrkdwn(f"{'x' * 40} {line}", 60)
    assert cut == f"{'x' * 40} …"


def test_status_timeline_card_and_dms_use_slack_dates(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")

    status = str(liaison.slack.command(SALES_REP, "status REQ-1").json())
    # Each event at its instant, with the fulfilling department's (Berlin) time as fallback.
    assert f"<!date^{FILED}^{{date_short_pretty}} {{time}}|Tue 1 Dec 2026 16:00 CET> · Filed" in (
        status
    )
    assert "UTC`" not in status

    desired = "<!date^1797595200^{date_short_pretty}|Fri 18 Dec 2026>"
    assert desired in str(liaison.fake.message(card.channel, card.ts)["blocks"])
    assert any(desired in dm for dm in dms_to(liaison, SALES_REP))  # the filing confirmation


def test_digest_header_stays_plain_text() -> None:
    payload = {
        "period_start": "2026-11-30T14:00:00+00:00",
        "period_end": "2026-12-07T14:00:00+00:00",
        "pairs": [],
    }
    header = digest_message(payload)["blocks"][0]
    assert header["text"] == {
        "type": "plain_text",
        "text": "Weekly digest: Mon 30 Nov 2026 – Mon 7 Dec 2026",
    }


def test_a_long_timeline_keeps_its_newest_entries_whole(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    for days in ["one", "two"] * 12 + ["five"]:
        liaison.clock.advance(minutes=1)
        react(liaison, card, ENGINEER, days)

    blocks = liaison.slack.command(SALES_REP, "status REQ-1").json()["blocks"]
    history = next(b["text"]["text"] for b in blocks if "*History*" in str(b))
    assert len(history) <= 3000 and not history.endswith("…")
    assert history.count("<!date^") == len(re.findall(r"<!date\^\d+\^[^<>|]+\|[^<>]+>", history))
    assert history.splitlines()[0].startswith("*History* (showing the latest ")
    assert "Estimated: 5 d" in history.splitlines()[1]  # the newest entry is there, first
