"""Unit tests of the business calendar: hours, workdays, holidays, zones and clock changes."""

from __future__ import annotations

import random
import time as clock
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.domain.calendar import BusinessCalendar, calendar_for
from bot.domain.durations import BusinessDuration, parse_duration

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
CHRISTMAS = date(2026, 12, 25)  # a Friday


def berlin(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BERLIN)


def new_york(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=NEW_YORK)


@pytest.fixture
def eng() -> BusinessCalendar:
    """Mon-Fri 09:00-17:00 in Berlin, closed on Christmas."""
    return BusinessCalendar(zone=BERLIN, holidays=frozenset({CHRISTMAS}))


# --- workdays, weekends, holidays -------------------------------------------------------


def test_workday_minutes_defaults_to_eight_hours(eng: BusinessCalendar) -> None:
    assert eng.workday_minutes == 480


def test_weekends_and_holidays_are_not_workdays(eng: BusinessCalendar) -> None:
    assert eng.is_workday(date(2026, 3, 6))  # Friday
    assert not eng.is_workday(date(2026, 3, 7))  # Saturday
    assert not eng.is_workday(date(2026, 3, 8))  # Sunday
    assert not eng.is_workday(CHRISTMAS)


def test_is_business_time_is_half_open(eng: BusinessCalendar) -> None:
    assert not eng.is_business_time(berlin(2026, 3, 2, 8, 59))
    assert eng.is_business_time(berlin(2026, 3, 2, 9, 0))
    assert eng.is_business_time(berlin(2026, 3, 2, 16, 59))
    assert not eng.is_business_time(berlin(2026, 3, 2, 17, 0))
    assert not eng.is_business_time(berlin(2026, 3, 7, 12, 0))  # Saturday
    assert not eng.is_business_time(berlin(2026, 12, 25, 12, 0))  # holiday


def test_weekend_is_skipped(eng: BusinessCalendar) -> None:
    friday_afternoon = berlin(2026, 3, 6, 16, 0)
    assert eng.add_business_minutes(friday_afternoon, 120) == berlin(2026, 3, 9, 10, 0)


def test_holiday_is_skipped(eng: BusinessCalendar) -> None:
    # Thursday before Christmas: Friday is a holiday, then the weekend.
    assert eng.add_business_minutes(berlin(2026, 12, 24, 16, 0), 120) == berlin(2026, 12, 28, 10)


# --- requests filed outside business hours -------------------------------------------------


@pytest.mark.parametrize(
    ("filed", "opening"),
    [
        (berlin(2026, 3, 2, 20, 30), berlin(2026, 3, 3, 9)),  # Monday evening
        (berlin(2026, 3, 3, 6, 0), berlin(2026, 3, 3, 9)),  # Tuesday early morning
        (berlin(2026, 3, 2, 17, 0), berlin(2026, 3, 3, 9)),  # exactly at closing
        (berlin(2026, 3, 7, 11, 0), berlin(2026, 3, 9, 9)),  # Saturday
        (berlin(2026, 12, 25, 9, 30), berlin(2026, 12, 28, 9)),  # holiday morning
    ],
)
def test_outside_business_hours_counting_starts_at_next_opening(
    eng: BusinessCalendar, filed: datetime, opening: datetime
) -> None:
    assert eng.next_opening(filed) == opening
    assert eng.add_business_minutes(filed, 0) == opening
    assert eng.add_business_minutes(filed, 240) == opening + timedelta(hours=4)
    assert eng.add(filed, parse_duration("4h")) == opening + timedelta(hours=4)


def test_next_opening_in_business_time_is_the_moment_itself(eng: BusinessCalendar) -> None:
    at = berlin(2026, 3, 2, 11, 15)
    assert eng.next_opening(at) == at


# --- closing-time boundary --------------------------------------------------------------


def test_work_used_up_at_closing_ends_at_closing(eng: BusinessCalendar) -> None:
    assert eng.add_business_minutes(berlin(2026, 3, 2, 16, 0), 60) == berlin(2026, 3, 2, 17, 0)
    assert eng.add(berlin(2026, 3, 2, 9), BusinessDuration(days=1)) == berlin(2026, 3, 2, 17)
    # Friday's full day ends on Friday evening, not on Monday morning.
    assert eng.add(berlin(2026, 3, 6, 9), BusinessDuration(days=1)) == berlin(2026, 3, 6, 17)


def test_one_minute_past_closing_rolls_to_next_workday(eng: BusinessCalendar) -> None:
    assert eng.add_business_minutes(berlin(2026, 3, 2, 16, 0), 61) == berlin(2026, 3, 3, 9, 1)
    assert eng.add_business_minutes(berlin(2026, 3, 2, 17, 0), 60) == berlin(2026, 3, 3, 10, 0)


# --- adding days and hours ----------------------------------------------------------------


def test_adding_days_and_hours(eng: BusinessCalendar) -> None:
    tuesday_noon = berlin(2026, 3, 3, 12, 0)
    assert eng.add(tuesday_noon, parse_duration("1d")) == berlin(2026, 3, 4, 12, 0)
    assert eng.add(tuesday_noon, parse_duration("1d4h")) == berlin(2026, 3, 4, 16, 0)
    assert eng.add(tuesday_noon, parse_duration("3d30m")) == berlin(2026, 3, 6, 12, 30)
    assert eng.add(tuesday_noon, parse_duration("4d")) == berlin(2026, 3, 9, 12, 0)


def test_project_completion_in_working_days(eng: BusinessCalendar) -> None:
    monday = berlin(2026, 3, 2, 9)
    assert eng.project_completion(monday, 2) == berlin(2026, 3, 3, 17)
    assert eng.project_completion(monday, 2.5) == berlin(2026, 3, 4, 13)
    assert eng.project_completion(monday, 5) == berlin(2026, 3, 6, 17)


def test_a_hundred_working_days_is_fast_and_crosses_the_clock_change(
    eng: BusinessCalendar,
) -> None:
    started = clock.perf_counter()
    done = eng.project_completion(berlin(2026, 1, 5, 9), 100)
    assert clock.perf_counter() - started < 0.5
    # 20 full weeks: the Friday of the 20th week, in summer time.
    assert done == berlin(2026, 5, 22, 17)
    assert done.utcoffset() == timedelta(hours=2)


def test_negative_amounts_are_refused(eng: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="negative"):
        eng.add_business_minutes(berlin(2026, 3, 2, 9), -1)


def test_naive_datetimes_are_refused(eng: BusinessCalendar) -> None:
    with pytest.raises(ValueError, match="time zone"):
        eng.next_opening(datetime(2026, 3, 2, 9))


# --- counting business time between two moments -------------------------------------------


def test_business_minutes_between_across_a_weekend(eng: BusinessCalendar) -> None:
    friday, monday = berlin(2026, 3, 6, 16, 0), berlin(2026, 3, 9, 10, 30)
    assert eng.business_minutes_between(friday, monday) == 150
    assert eng.business_minutes_between(monday, friday) == 0
    assert eng.business_minutes_between(friday, friday) == 0


def test_business_minutes_between_across_a_holiday(eng: BusinessCalendar) -> None:
    start, end = berlin(2026, 12, 23, 12, 0), berlin(2026, 12, 28, 12, 0)
    # Wednesday 12-17, Thursday all day, Christmas and the weekend nothing, Monday 9-12.
    assert eng.business_minutes_between(start, end) == 300 + 480 + 180


def test_working_days_between(eng: BusinessCalendar) -> None:
    assert eng.working_days_between(berlin(2026, 3, 2, 9), berlin(2026, 3, 9, 9)) == 5
    assert eng.working_days_between(berlin(2026, 3, 2, 9), berlin(2026, 3, 2, 13)) == 0.5
    # Evenings and weekends around the span change nothing.
    assert eng.working_days_between(berlin(2026, 2, 27, 22), berlin(2026, 3, 3, 20)) == 2


@pytest.mark.parametrize("minutes", [1, 59, 480, 481, 2400, 7777.5])
def test_between_undoes_add(eng: BusinessCalendar, minutes: float) -> None:
    start = berlin(2026, 3, 25, 14, 20)  # a week that contains the spring clock change
    assert eng.business_minutes_between(start, eng.add_business_minutes(start, minutes)) == (
        pytest.approx(minutes)
    )


# --- time zones ---------------------------------------------------------------------------


def test_department_in_berlin_timestamp_in_new_york(eng: BusinessCalendar) -> None:
    # Both on standard time: New York 10:00 is Berlin 16:00.
    filed = new_york(2026, 3, 2, 10, 0)
    assert eng.is_business_time(filed)
    due = eng.add_business_minutes(filed, 120)
    assert due == berlin(2026, 3, 3, 10, 0)
    assert due.tzinfo == BERLIN
    assert eng.local_date(new_york(2026, 3, 2, 20, 0)) == date(2026, 3, 3)


def test_weeks_when_only_new_york_has_changed_its_clock(eng: BusinessCalendar) -> None:
    # Between 8 and 29 March 2026 the two cities are five hours apart, not six.
    assert not eng.is_business_time(new_york(2026, 3, 16, 3, 59))
    assert eng.is_business_time(new_york(2026, 3, 16, 4, 0))
    assert eng.next_opening(new_york(2026, 3, 16, 1, 0)) == berlin(2026, 3, 16, 9)


def test_results_are_in_the_calendar_zone(eng: BusinessCalendar) -> None:
    at = new_york(2026, 3, 2, 10, 0)
    assert eng.next_opening(at).tzinfo == BERLIN
    assert eng.next_opening(at) == at  # same instant


# --- clock changes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "change"),
    [
        (BERLIN, date(2026, 3, 29)),
        (BERLIN, date(2026, 10, 25)),
        (NEW_YORK, date(2026, 3, 8)),
        (NEW_YORK, date(2026, 11, 1)),
    ],
)
def test_clock_change_keeps_local_hours_and_eight_hour_days(zone: ZoneInfo, change: date) -> None:
    office = BusinessCalendar(zone=zone)
    # Every change is on a Sunday: from Friday 16:00, two hours end on Monday 10:00 local.
    friday, monday = change - timedelta(days=2), change + timedelta(days=1)
    due = office.add_business_minutes(datetime.combine(friday, time(16), zone), 120)
    assert due == datetime.combine(monday, time(10), zone)
    assert (due.hour, due.minute) == (10, 0)
    assert office.next_opening(datetime.combine(change, time(12), zone)).hour == 9
    whole_days = office.business_minutes_between(
        datetime.combine(friday, time(9), zone), datetime.combine(monday, time(17), zone)
    )
    assert whole_days == 2 * 480


@pytest.mark.parametrize("change", [date(2026, 3, 29), date(2026, 10, 25)])
def test_clock_change_day_itself_is_an_eight_hour_workday(change: date) -> None:
    every_day = BusinessCalendar(zone=BERLIN, workdays=frozenset(range(7)))
    saturday = change - timedelta(days=1)
    due = every_day.add_business_minutes(datetime.combine(saturday, time(16), BERLIN), 120)
    assert due == datetime.combine(change, time(10), BERLIN)
    assert every_day.add(datetime.combine(change, time(9), BERLIN), BusinessDuration(days=1)) == (
        datetime.combine(change, time(17), BERLIN)
    )
    assert every_day.business_minutes_between(
        datetime.combine(change, time(0), BERLIN), datetime.combine(change, time(23), BERLIN)
    ) == (480)


def test_window_containing_the_clock_change_counts_elapsed_time() -> None:
    night = BusinessCalendar(zone=BERLIN, opens=time(1), closes=time(5), workdays=frozenset({6}))
    spring = date(2026, 3, 29)  # 02:00 jumps to 03:00
    start = datetime.combine(spring, time(1), BERLIN)
    assert night.business_minutes_between(start, datetime.combine(spring, time(5), BERLIN)) == 180
    assert night.add_business_minutes(start, 180) == datetime.combine(spring, time(5), BERLIN)


# --- custom workdays and hours ------------------------------------------------------------


def test_sunday_to_thursday_week_with_custom_hours() -> None:
    dubai = ZoneInfo("Asia/Dubai")
    office = BusinessCalendar(
        zone=dubai, opens=time(8), closes=time(16, 30), workdays=frozenset({6, 0, 1, 2, 3})
    )
    assert office.workday_minutes == 510
    thursday = datetime(2026, 3, 5, 15, 30, tzinfo=dubai)
    assert office.add_business_minutes(thursday, 120) == datetime(2026, 3, 8, 9, 0, tzinfo=dubai)
    assert office.next_opening(datetime(2026, 3, 6, 10, tzinfo=dubai)) == datetime(
        2026, 3, 8, 8, tzinfo=dubai
    )
    assert office.add(thursday, parse_duration("1d")) == datetime(2026, 3, 8, 15, 30, tzinfo=dubai)
    assert office.workdays_until(date(2026, 3, 5), date(2026, 3, 8)) == 1


# --- workdays_until -------------------------------------------------------------------------


def test_workdays_until(eng: BusinessCalendar) -> None:
    friday = date(2026, 3, 6)
    assert eng.workdays_until(friday, friday) == 0
    assert eng.workdays_until(friday, date(2026, 3, 1)) == 0
    assert eng.workdays_until(friday, date(2026, 3, 8)) == 0  # only the weekend
    assert eng.workdays_until(friday, date(2026, 3, 9)) == 1
    assert eng.workdays_until(friday, date(2026, 3, 10)) == 2
    assert eng.workdays_until(date(2026, 12, 23), date(2026, 12, 28)) == 2  # Thu, Mon


def test_workdays_until_agrees_with_counting_day_by_day(eng: BusinessCalendar) -> None:
    start = date(2026, 1, 3)
    for length in range(0, 400, 13):
        end = start + timedelta(days=length)
        expected = sum(
            eng.is_workday(start + timedelta(days=offset)) for offset in range(1, length + 1)
        )
        assert eng.workdays_until(start, end) == expected


# --- impossible calendars and validation ----------------------------------------------------


def test_calendar_that_never_opens_raises_instead_of_looping() -> None:
    mondays = frozenset(date(2026, 1, 5) + timedelta(weeks=week) for week in range(52 * 20))
    never = BusinessCalendar(zone=BERLIN, workdays=frozenset({0}), holidays=mondays)
    with pytest.raises(ValueError, match="no business time"):
        never.next_opening(berlin(2026, 1, 1, 9))
    with pytest.raises(ValueError, match="no business time"):
        never.add(berlin(2026, 1, 1, 9), BusinessDuration(minutes=30))
    assert never.business_minutes_between(berlin(2026, 1, 1), berlin(2030, 1, 1)) == 0


def test_calendar_opens_again_after_its_last_holiday() -> None:
    mondays = frozenset(date(2026, 1, 5) + timedelta(weeks=week) for week in range(10))
    rare = BusinessCalendar(zone=BERLIN, workdays=frozenset({0}), holidays=mondays)
    assert rare.next_opening(berlin(2026, 1, 1, 9)) == berlin(2026, 3, 16, 9)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"opens": time(17), "closes": time(9)}, "before closing"),
        ({"opens": time(9), "closes": time(9)}, "before closing"),
        ({"workdays": frozenset()}, "at least one workday"),
        ({"workdays": frozenset({7})}, "0 \\(Monday\\) to 6"),
        ({"opens": time(9, tzinfo=BERLIN)}, "without zone"),
    ],
)
def test_invalid_calendars_are_refused(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessCalendar(zone=BERLIN, **fields)  # type: ignore[arg-type]


# --- building from configuration -------------------------------------------------------------


@dataclass
class _Department:
    zone: ZoneInfo
    opens: time
    closes: time
    workday_numbers: frozenset[int]


@dataclass
class _Organization:
    holidays: list[date]


def test_calendar_for_a_configured_department() -> None:
    department = _Department(NEW_YORK, time(8, 30), time(16), frozenset({0, 1, 2, 3}))
    office = calendar_for(department, _Organization([date(2026, 7, 3)]))
    assert office == BusinessCalendar(
        zone=NEW_YORK,
        opens=time(8, 30),
        closes=time(16),
        workdays=frozenset({0, 1, 2, 3}),
        holidays=frozenset({date(2026, 7, 3)}),
    )
    assert office.workday_minutes == 450
    # Thursday 15:00 plus two hours: Friday off, weekend, Monday 09:30.
    assert office.add_business_minutes(new_york(2026, 3, 5, 15), 120) == new_york(2026, 3, 9, 9, 30)


@pytest.mark.parametrize("seed", range(30))
def test_latest_start_is_the_last_moment_a_duration_has_passed_from(seed: int) -> None:
    """`latest_start(end, d)` splits the moments `s` exactly where `add(s, d) <= end` stops
    holding, so a query can compare a column with it instead of asking `add` row by row."""
    rng = random.Random(seed)
    calendar = BusinessCalendar(
        zone=ZoneInfo(rng.choice(["Europe/Berlin", "America/New_York", "Asia/Kolkata"])),
        opens=time(rng.choice([7, 9])),
        closes=time(rng.choice([15, 17, 18])),
        workdays=frozenset(rng.sample(range(7), rng.randint(1, 6))),
        holidays=frozenset({date(2026, 12, 25), date(2026, 3, 30)}),
    )
    end = datetime(2026, 3, 1, tzinfo=ZoneInfo("UTC")) + timedelta(
        minutes=rng.randint(0, 60 * 24 * 300)
    )
    duration = BusinessDuration(days=rng.randint(0, 3), minutes=rng.randint(1, 600))
    start = calendar.latest_start(end, duration)
    assert calendar.add(start, duration) <= end
    assert calendar.add(start + timedelta(minutes=1), duration) > end
