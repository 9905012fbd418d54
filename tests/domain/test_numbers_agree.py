"""`liaison stats`, the digest's text and its chart's data say the same thing about a request
whose moment falls just after midnight in the fulfilling department's zone.

Engineering is in Berlin (UTC+1 in December); the digest's zone is New York (UTC-5), so each of
Berlin, UTC and New York can be on a different date. The digest of Monday 7 December 09:00 New
York covers the week from Monday 30 November 09:00 New York.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.config import LiaisonConfig
from bot.domain.calendar import calendar_for
from bot.domain.definitions import Milestone, first_at, is_open, is_overdue
from bot.domain.digest import DigestFacts, build_digest
from bot.domain.lifecycle import Status
from bot.domain.metrics import PairStats, compute_stats
from bot.domain.models import Request, RequestEvent
from bot.domain.nudges import NudgeKind, NudgePlanner
from bot.slack.blocks.digest import digest_figures, digest_message
from bot.slack.chart import weekly_chart
from tests.conftest import ENGINEER, ENGINEER_2
from tests.domain.test_metrics import History, berlin

NEW_YORK = ZoneInfo("America/New_York")
DIGEST_AT = datetime(2026, 12, 7, 9, tzinfo=NEW_YORK)
WEEK = timedelta(days=7)
TUESDAY, WEDNESDAY = date(2026, 12, 1), date(2026, 12, 2)


def stats_at(engine: Engine, config: LiaisonConfig, end: datetime) -> PairStats:
    """What `liaison stats --at end --days 7` prints, as the metrics API returns it."""
    with Session(engine) as session:
        [stats] = compute_stats(session, config=config, start=end - WEEK, end=end)
    return stats


def digest_at(engine: Engine, config: LiaisonConfig, end: datetime) -> DigestFacts:
    with Session(engine) as session:
        return build_digest(session, config=config, digest=config.digests[0], scheduled_for=end)


def committed_request(h: History, committed: date) -> Request:
    request = h.file(berlin(11, 30, 16))
    h.claim(request, berlin(11, 30, 17), ENGINEER)
    h.estimate(request, berlin(11, 30, 17), ENGINEER, 1)
    h.commit(request, berlin(11, 30, 17), committed)
    return request


@pytest.mark.parametrize(
    ("delivered_at", "committed", "on_time"),
    [
        # 00:30 Wednesday in Berlin is 23:30 Tuesday in UTC: on time for Wednesday.
        (berlin(12, 2, 0, 30), WEDNESDAY, True),
        # The same moment is late for a Tuesday commitment, though still Tuesday in UTC.
        (berlin(12, 2, 0, 30), TUESDAY, False),
        # 00:30 Thursday in Berlin is still Wednesday in UTC: late for Wednesday.
        (berlin(12, 3, 0, 30), WEDNESDAY, False),
    ],
    ids=["on-time-just-after-midnight", "late-by-minutes", "late-though-same-utc-day"],
)
def test_on_time(
    engine: Engine,
    config: LiaisonConfig,
    delivered_at: datetime,
    committed: date,
    on_time: bool,
) -> None:
    with Session(engine) as session, session.begin():
        h = History(session, config)
        h.deliver(committed_request(h, committed), delivered_at)
    rate = 1.0 if on_time else 0.0

    stats = stats_at(engine, config, DIGEST_AT)
    assert (stats.delivered, stats.delivered_on_time, stats.on_time_rate) == (1, int(on_time), rate)

    facts = digest_at(engine, config, DIGEST_AT)
    text = digest_message(facts.payload)["text"]
    assert f"1 delivered, on time {100 * rate:.0f}%" in text

    chart = facts.payload["weeks"]
    assert [w["delivered"] for w in chart] == [0] * 7 + [1]
    assert chart[-1]["on_time_rate"] == rate
    assert weekly_chart(chart).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    ("end", "overdue"),
    [
        # Wednesday 23:30 in Berlin (22:30 UTC, 17:30 New York): due today, not overdue yet.
        (berlin(12, 2, 23, 30), False),
        # Thursday 00:30 in Berlin, still Wednesday in UTC and in New York: overdue.
        (berlin(12, 3, 0, 30), True),
    ],
    ids=["due-today", "overdue-just-after-midnight"],
)
def test_overdue(engine: Engine, config: LiaisonConfig, end: datetime, overdue: bool) -> None:
    """The chart shows no overdue figure; the workflow's side of it is the overdue nudge."""
    with Session(engine) as session, session.begin():
        request = committed_request(History(session, config), WEDNESDAY)
        request_id, reference = request.id, request.reference
    end = end.astimezone(NEW_YORK)  # a digest's moment is in its own zone

    stats = stats_at(engine, config, end)
    assert (stats.open, stats.overdue) == (1, int(overdue))

    facts = digest_at(engine, config, end)
    message = digest_message(facts.payload)
    assert f"1 open, 0 at risk, {int(overdue)} overdue." in message["text"]
    urgent = [(item["reference"], item["overdue"]) for item in facts.payload["urgent"]]
    assert urgent == ([(reference, True)] if overdue else [])
    blocks = str(message["blocks"])
    assert ("overdue since" in blocks) is overdue
    assert ("Nothing at risk or overdue" in blocks) is not overdue

    with Session(engine) as session:
        planner = NudgePlanner(session, config=config, now=end)
        kinds = {n.kind for n in planner.candidates() if n.request_id == request_id}
        stored = session.get(Request, request_id)
        assert stored is not None
        calendar = calendar_for(config.find_department("eng"), config.organization)
        assert is_overdue(stored.status, stored.committed_date, now=end, calendar=calendar) is (
            overdue
        )
    assert (NudgeKind.OVERDUE in kinds) is overdue


@pytest.mark.parametrize(
    ("end", "still_open"),
    [(berlin(12, 3, 0, 15), True), (berlin(12, 3, 0, 45), False)],
    ids=["before-the-delivery", "after-the-delivery"],
)
def test_open(engine: Engine, config: LiaisonConfig, end: datetime, still_open: bool) -> None:
    """Delivered at 00:30 Thursday in Berlin: open at a digest a quarter of an hour before, not
    a quarter of an hour after, whatever the date in UTC or New York."""
    with Session(engine) as session, session.begin():
        h = History(session, config)
        h.deliver(committed_request(h, WEDNESDAY), berlin(12, 3, 0, 30))
    end = end.astimezone(NEW_YORK)

    stats = stats_at(engine, config, end)
    assert (stats.open, stats.delivered) == (int(still_open), int(not still_open))
    text = digest_message(digest_at(engine, config, end).payload)["text"]
    assert f"{int(not still_open)} delivered, " in text
    assert f", {int(still_open)} open, " in text
    # The status the request had at `end`, replayed from its history as the stats do.
    with Session(engine) as session:
        moves = session.scalars(
            select(RequestEvent.to_status)
            .where(RequestEvent.at <= end, RequestEvent.to_status.is_not(None))
            .order_by(RequestEvent.id)
        ).all()
    assert is_open(moves[-1]) is still_open


def test_first_claim_estimate_and_commitment(engine: Engine, config: LiaisonConfig) -> None:
    """Only a request's first claim, estimate and commitment count in the week they happen: a
    claim again, an estimate again or a date accepted again after being at risk does not."""
    with Session(engine) as session, session.begin():
        h = History(session, config)
        # Claimed, estimated and committed the week before; claimed and committed again now.
        again = h.file(berlin(11, 24, 9))
        h.claim(again, berlin(11, 24, 10), ENGINEER)
        h.estimate(again, berlin(11, 24, 11), ENGINEER, 2)
        h.commit(again, berlin(11, 24, 11), date(2026, 12, 10))
        h.unclaim(again, berlin(12, 1, 9))
        h.claim(again, berlin(12, 1, 10), ENGINEER_2)
        h.move(again, berlin(12, 1, 10), "estimated", actor=ENGINEER_2, data={"days": 3})
        h.move(again, berlin(12, 1, 11), "at_risk", Status.AT_RISK)
        h.commit(again, berlin(12, 1, 12), date(2026, 12, 11), kind="accepted")
        # Assigned by a lead at 00:30 Tuesday in Berlin (Monday in UTC), then estimated and
        # committed: its firsts are all this week.
        first = h.file(berlin(11, 30, 16))
        h.reassign(first, berlin(12, 1, 0, 30), ENGINEER)
        h.estimate(first, berlin(12, 1, 9), ENGINEER, 1)
        h.commit(first, berlin(12, 1, 9), date(2026, 12, 3))
        histories = {
            request.reference: session.scalars(
                select(RequestEvent).where(RequestEvent.request_id == request.id)
            ).all()
            for request in (again, first)
        }
        start = DIGEST_AT - WEEK
        counted = {
            milestone: sum(
                1
                for events in histories.values()
                if (at := first_at(milestone, events)) is not None and start <= at < DIGEST_AT
            )
            for milestone in Milestone
        }
    assert counted == dict.fromkeys(Milestone, 1)

    stats = stats_at(engine, config, DIGEST_AT)
    assert (stats.claimed, stats.estimated, stats.committed) == (1, 1, 1)

    facts = digest_at(engine, config, DIGEST_AT)
    [pair] = facts.payload["pairs"]
    assert (pair["this"]["claimed"], pair["last"]["claimed"]) == (1, 1)
    # The full figures are the reply in the digest's thread.
    blocks = str(digest_figures(facts.payload)["blocks"])
    for label in ("Claimed", "Estimated", "Committed"):
        assert f"{label}: *1* (last week 1)" in blocks
