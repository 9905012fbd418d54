"""The trends, against twelve weeks whose every figure is worked out by hand.

The weeks are UTC here: Mon 7 Sep to Mon 30 Nov 2026. Engineering works 09:00-17:00 in Berlin.
Every week i (0-11), two requests are filed on Monday at 09:00:

- A: claimed by ENGINEER at 10:00 (1 business hour), estimated 1 day, committed for Wednesday,
  delivered Tuesday 17:00: on time; claim to delivery 7 h + 8 h = 1.875 days, accuracy 1.875.
- B (ENGINEER_2), estimated 2 days and committed for Wednesday. Weeks 0-5: claimed at 12:00
  (3 h), delivered Thursday 12:00: late; 5 + 8 + 8 + 3 h = 3 days, accuracy 1.5. Weeks 6-11:
  claimed at 10:00 (1 h), delivered Wednesday 12:00: on time; 7 + 8 + 3 h = 2.25 days, 1.125.

So on time is 50 % in weeks 0-5 and 100 % after; the median first response is 2 h, then 1 h;
the accuracy median(1.875, 1.5) = 1.6875, then median(1.875, 1.125) = 1.5.

Promises (filed Monday 09:00, desired that Friday, never claimed): weeks 0-3 two each, one
delivered Thursday (kept) and one left open (slipped); week 4 one left open (slipped); week 5
one declined (not slipped); week 6 one delivered the next Monday (slipped); week 7 one desired
in January (open, not yet slipped). 12 promises, 6 slipped.

Load: since 1 Sep ENGINEER holds L1 (2 days) and ENGINEER_2 holds L2 (2 days) and L3 (6 days);
on Mon 2 Nov (week 8) L3 is reassigned to ENGINEER. Weeks 0-7: 2 and 8 days, median 5,
ENGINEER_2 above 7.5; weeks 8-11: 8 and 2, ENGINEER above.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.config import LiaisonConfig
from bot.domain.lifecycle import Status
from bot.domain.trends import CSV_COLUMNS, Trends, compute_trends, week_bounds
from tests.conftest import ENGINEER, ENGINEER_2
from tests.domain.test_metrics import BERLIN, History

AT = datetime(2026, 11, 30, 12, tzinfo=UTC)
FIRST_MONDAY = date(2026, 9, 7)


def at_berlin(day: date, hour: int, days: int = 0) -> datetime:
    return datetime.combine(day + timedelta(days=days), datetime.min.time(), tzinfo=BERLIN).replace(
        hour=hour
    )


def build_twelve_weeks(session: Session, config: LiaisonConfig, team_id: str = "T0001") -> None:
    h = History(session, config, team_id)
    start = date(2026, 9, 1)
    for holder, days in ((ENGINEER, 2), (ENGINEER_2, 2), (ENGINEER_2, 6)):
        held = h.file(at_berlin(start, 9))
        h.claim(held, at_berlin(start, 10), holder)
        h.estimate(held, at_berlin(start, 11), holder, days)
        last = held
    for week in range(12):
        monday = FIRST_MONDAY + timedelta(weeks=week)
        wednesday = monday + timedelta(days=2)
        a = h.file(at_berlin(monday, 9))
        h.claim(a, at_berlin(monday, 10), ENGINEER)
        h.estimate(a, at_berlin(monday, 10), ENGINEER, 1)
        h.commit(a, at_berlin(monday, 10), wednesday)
        h.deliver(a, at_berlin(monday, 17, days=1))
        b = h.file(at_berlin(monday, 9))
        early = week >= 6
        h.claim(b, at_berlin(monday, 10 if early else 12), ENGINEER_2)
        h.estimate(b, at_berlin(monday, 12), ENGINEER_2, 2)
        h.commit(b, at_berlin(monday, 12), wednesday)
        h.deliver(b, at_berlin(monday, 12, days=2 if early else 3))
        if week == 8:
            h.reassign(last, at_berlin(monday, 8), ENGINEER)
        friday = monday + timedelta(days=4)
        promised = {"promised_to_client": True, "desired_date": friday}
        if week <= 3:
            kept = h.file(at_berlin(monday, 9), **promised)
            h.deliver(kept, at_berlin(monday, 12, days=3))
            h.file(at_berlin(monday, 9), **promised)
        elif week == 4:
            h.file(at_berlin(monday, 9), **promised)
        elif week == 5:
            declined = h.file(at_berlin(monday, 9), **promised)
            declined.closed_at = at_berlin(monday, 11, days=1)
            h.move(declined, declined.closed_at, "declined", Status.DECLINED)
        elif week == 6:
            late = h.file(at_berlin(monday, 9), **promised)
            h.deliver(late, at_berlin(monday, 10, days=7))
        elif week == 7:
            h.file(at_berlin(monday, 9), promised_to_client=True, desired_date=date(2027, 1, 15))


@pytest.fixture
def twelve_weeks(engine: Engine, config: LiaisonConfig) -> Engine:
    with Session(engine) as session, session.begin():
        build_twelve_weeks(session, config)
    return engine


def trends_of(engine: Engine, config: LiaisonConfig) -> list[Trends]:
    with Session(engine) as session:
        return compute_trends(
            session, config=config, at=AT, zone=ZoneInfo("UTC"), pairs=[None, ("sales", "eng")]
        )


def test_the_weeks_are_whole_weeks_in_the_zone() -> None:
    bounds = week_bounds(AT, ZoneInfo("UTC"))
    assert len(bounds) == 12
    assert bounds[0][0] == datetime(2026, 9, 7, tzinfo=UTC)
    assert bounds[-1][1] == datetime(2026, 11, 30, tzinfo=UTC)
    new_york = week_bounds(datetime(2026, 11, 30, 3, tzinfo=UTC), ZoneInfo("America/New_York"))
    # Still Sunday 29 Nov in New York: the last week ends on Monday 23 Nov, local midnight.
    assert new_york[-1][1] == datetime(2026, 11, 23, tzinfo=ZoneInfo("America/New_York"))


def test_twelve_weeks_against_the_hand_computed_history(
    twelve_weeks: Engine, config: LiaisonConfig
) -> None:
    whole, pair = trends_of(twelve_weeks, config)
    assert pair.weeks == whole.weeks  # the config's only pair is the whole workspace
    weeks = whole.weeks
    assert [w.on_time_rate for w in weeks] == [0.5] * 6 + [1.0] * 6
    assert [w.delivered_dated for w in weeks] == [2] * 12
    assert [w.hours_to_first_response for w in weeks] == [2.0] * 6 + [1.0] * 6
    assert [w.estimate_accuracy for w in weeks] == [1.6875] * 6 + [1.5] * 6
    assert [w.promised for w in weeks] == [2, 2, 2, 2, 1, 1, 1, 1, 0, 0, 0, 0]
    assert [w.promised_slipped for w in weeks] == [1, 1, 1, 1, 1, 0, 1, 0, 0, 0, 0, 0]
    assert [w.median_load for w in weeks] == [5.0] * 12
    assert [w.overloaded for w in weeks] == [(ENGINEER_2,)] * 8 + [(ENGINEER,)] * 4
    assert whole.sentences == {
        "on_time": "On time rose from 50 % to 100 % over 12 weeks; the last four weeks were all "
        "at 100 %.",
        "promised": "Dates promised before an estimate: 12 in 12 weeks (down: 2 in the first "
        "week and 0 in the last); 6 of them slipped.",
        "first_response": "Median time to first response fell from 2.0 business hours to 1.0 "
        "business hours over 12 weeks.",
        "accuracy": "Actual ÷ estimated time fell from ×1.69 to ×1.50 over 12 weeks.",
        "load": "Median load per engineer stayed at 5.0 days over 12 weeks; 1 person carries "
        "more than 1.5× their team's median now.",
    }


def test_the_csv_rows_have_the_columns_and_the_figures(
    twelve_weeks: Engine, config: LiaisonConfig
) -> None:
    whole, pair = trends_of(twelve_weeks, config)
    rows = whole.csv_rows("T0001")
    assert len(rows) == 12 and all(tuple(row) == CSV_COLUMNS for row in rows)
    assert rows[0] == {
        "workspace": "T0001",
        "requesting": "",
        "fulfilling": "",
        "week_start": "2026-09-07",
        "week_end": "2026-09-14",
        "on_time_rate": 0.5,
        "delivered_with_date": 2,
        "promised_before_estimate": 2,
        "promised_slipped": 1,
        "median_hours_to_first_response": 2.0,
        "estimate_accuracy": 1.69,
        "median_load_days": 5.0,
        "over_1_5x_median_load": ENGINEER_2,
    }
    assert pair.csv_rows("T0001")[-1]["requesting"] == "sales"


def test_nothing_to_measure_says_so(engine: Engine, config: LiaisonConfig) -> None:
    [empty] = trends_of(engine, config)[:1]
    assert len(empty.weeks) == 12
    assert empty.sentences["on_time"] == "No delivery with a committed date in these weeks."
    assert empty.sentences["promised"].startswith("No date was promised")
    assert empty.overloaded_now == ()


def test_the_queries_do_not_grow_with_the_history_or_the_scopes(
    twelve_weeks: Engine, config: LiaisonConfig
) -> None:
    from tests.slack.test_query_count import counting

    with counting(twelve_weeks) as statements, Session(twelve_weeks) as session:
        compute_trends(session, config=config, at=AT, pairs=[None])
    once = len(statements)
    with Session(twelve_weeks) as session, session.begin():
        build_twelve_weeks(session, config, "T0002")  # twice the requests
    with counting(twelve_weeks) as statements, Session(twelve_weeks) as session:
        compute_trends(session, config=config, at=AT, pairs=[None, ("sales", "eng")])
    # Six grouped queries a week (the digest's), one for the promises, and the driver's own.
    assert len(statements) == once <= 12 * 6 + 3
