"""The request's estimate, disagreement, and the projected delivery date."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.domain.calendar import BusinessCalendar
from bot.domain.feasibility import effective_estimate, estimates_disagree, judge, project_delivery

BERLIN = BusinessCalendar(zone=ZoneInfo("Europe/Berlin"), holidays=frozenset({date(2026, 12, 25)}))


def test_the_claimers_estimate_wins_otherwise_the_median() -> None:
    assert effective_estimate({}, None) is None
    assert effective_estimate({"A": 2, "B": 3, "C": 7}, None) == 3
    assert effective_estimate({"A": 2, "B": 3}, None) == 2.5
    assert effective_estimate({"A": 2, "B": 3, "C": 7}, "C") == 7
    assert effective_estimate({"A": 2, "B": 3}, "Z") == 2.5


def test_disagreement_is_a_factor_of_three() -> None:
    assert not estimates_disagree({"A": 2})
    assert not estimates_disagree({"A": 2, "B": 5})
    assert estimates_disagree({"A": 2, "B": 6})
    assert estimates_disagree({"A": 1, "B": 2, "C": 3})


def test_projection_starts_now_in_business_time() -> None:
    # Tuesday 1 Dec 2026, 16:00 Berlin: one hour left today.
    now = datetime(2026, 12, 1, 15, tzinfo=UTC)
    assert project_delivery(BERLIN, now=now, queued_days=0, estimate_days=1) == date(2026, 12, 2)
    # Five days (40 h): 1 h on Tuesday, Wed, Thu, Fri, Mon, and 7 h of Tuesday 8 Dec.
    assert project_delivery(BERLIN, now=now, queued_days=0, estimate_days=5) == date(2026, 12, 8)


def test_projection_waits_for_the_claimers_queue_and_skips_holidays() -> None:
    now = datetime(2026, 12, 18, 8, tzinfo=UTC)  # Friday 09:00 Berlin
    alone = project_delivery(BERLIN, now=now, queued_days=0, estimate_days=3)
    queued = project_delivery(BERLIN, now=now, queued_days=4, estimate_days=3)
    assert alone == date(2026, 12, 22)
    # 7 days from Fri 18 Dec: Fri, Mon 21, Tue 22, Wed 23, Thu 24, (Fri 25 holiday), Mon 28, Tue 29.
    assert queued == date(2026, 12, 29)


def test_filed_on_a_weekend_starts_on_monday() -> None:
    saturday = datetime(2026, 12, 5, 12, tzinfo=UTC)
    assert project_delivery(BERLIN, now=saturday, queued_days=0, estimate_days=1) == date(
        2026, 12, 7
    )


def test_judging_against_the_desired_date() -> None:
    projected = date(2026, 12, 9)
    assert judge(projected=projected, desired=date(2026, 12, 9)).feasible
    assert judge(projected=projected, desired=date(2026, 12, 10)).commit_to == date(2026, 12, 10)
    late = judge(projected=projected, desired=date(2026, 12, 8))
    assert not late.feasible and late.projected == projected
    assert judge(projected=projected, desired=None).commit_to == projected


def test_half_days_are_half_a_business_day() -> None:
    monday = datetime(2026, 12, 7, 8, tzinfo=UTC)  # Monday 09:00 Berlin
    calendar = BERLIN
    assert calendar.project_completion(monday, 0.5) == datetime(2026, 12, 7, 13, tzinfo=BERLIN.zone)
    assert project_delivery(calendar, now=monday, queued_days=0, estimate_days=0.5) == date(
        2026, 12, 7
    )
    # 2.5 days: Monday, Tuesday and Wednesday morning; after 1.5 queued days, Thursday 13:00.
    assert calendar.project_completion(monday, 2.5) == datetime(2026, 12, 9, 13, tzinfo=BERLIN.zone)
    assert project_delivery(calendar, now=monday, queued_days=1.5, estimate_days=2.5) == date(
        2026, 12, 10
    )
    # Half a day begun at 15:00 ends at 11:00 the next working day.
    late = datetime(2026, 12, 11, 14, tzinfo=UTC)  # Friday 15:00 Berlin
    assert calendar.project_completion(late, 0.5) == datetime(2026, 12, 14, 11, tzinfo=BERLIN.zone)


def test_long_estimates_span_weeks_weekends_and_holidays() -> None:
    monday = datetime(2026, 12, 7, 8, tzinfo=UTC)  # Monday 09:00 Berlin
    # 15 working days from Mon 7 Dec: 7-11, 14-18, 21-24 (25th a holiday), 28 → Mon 28 Dec.
    assert project_delivery(BERLIN, now=monday, queued_days=0, estimate_days=15) == date(
        2026, 12, 28
    )
    assert project_delivery(BERLIN, now=monday, queued_days=0, estimate_days=15.5) == date(
        2026, 12, 29
    )
    # A working year: 250 weekdays from 7 Dec 2026, one of them the holiday, end Mon 22 Nov 2027.
    year = project_delivery(BERLIN, now=monday, queued_days=0, estimate_days=250)
    assert BERLIN.workdays_until(date(2026, 12, 6), year) == 250
    assert year == date(2027, 11, 22)
    assert judge(projected=year, desired=date(2027, 6, 1)).feasible is False


def test_fractional_estimates_in_the_median_and_disagreement() -> None:
    assert effective_estimate({"A": 0.5, "B": 1.5}, None) == 1.0
    assert effective_estimate({"A": 0.5, "B": 15, "C": 2.5}, None) == 2.5
    assert effective_estimate({"A": 0.5, "B": 15}, "A") == 0.5
    assert estimates_disagree({"A": 0.5, "B": 1.5})
    assert not estimates_disagree({"A": 0.5, "B": 1})
    assert estimates_disagree({"A": 15, "B": 60})
