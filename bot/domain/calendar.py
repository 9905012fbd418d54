"""A department's business calendar: working hours in its time zone, workdays and holidays.

Every day's opening and closing are built as local wall-clock moments and compared in UTC,
so a clock change never moves the 09:00-17:00 window. A window that itself contains a clock
change (night hours, say) counts the time that really elapses.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.domain.durations import BusinessDuration

# Ten years without a single business minute means the calendar can never open.
MAX_IDLE_DAYS = 3660
# Nothing Liaison projects lies a century ahead; stop rather than loop for minutes.
MAX_SPAN_DAYS = 36600

_ONE_DAY = timedelta(days=1)


def _aware(at: datetime) -> datetime:
    """`at` in UTC; naive datetimes are refused, their zone would be a guess."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"{at.isoformat()} has no time zone")
    return at.astimezone(UTC)


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours (local wall clock), workdays (Monday=0) and holidays of one department."""

    zone: ZoneInfo
    opens: time = time(9)
    closes: time = time(17)
    workdays: frozenset[int] = frozenset(range(5))
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if self.opens.tzinfo is not None or self.closes.tzinfo is not None:
            raise ValueError("opening and closing times are local wall-clock times, without zone")
        if self.opens >= self.closes:
            raise ValueError(f"opening {self.opens} must come before closing {self.closes}")
        if not self.workdays:
            raise ValueError("a business calendar needs at least one workday")
        if not set(self.workdays) <= set(range(7)):
            raise ValueError(f"workdays must be numbers 0 (Monday) to 6, not {set(self.workdays)}")

    @property
    def workday_minutes(self) -> int:
        """Length of a working day on the wall clock, in minutes."""
        opens = datetime.combine(date.min, self.opens)
        return int((datetime.combine(date.min, self.closes) - opens).total_seconds() // 60)

    def is_workday(self, day: date) -> bool:
        """Whether `day` is one of the workdays and not a holiday."""
        return day.weekday() in self.workdays and day not in self.holidays

    def local_date(self, at: datetime) -> date:
        """The calendar date of `at` in the calendar's zone."""
        return _aware(at).astimezone(self.zone).date()

    def is_business_time(self, at: datetime) -> bool:
        """Whether `at` falls on a workday within [opens, closes) local time."""
        moment = _aware(at)
        day = moment.astimezone(self.zone).date()
        if not self.is_workday(day):
            return False
        opening, closing = self._window(day)
        return opening <= moment < closing

    def next_opening(self, at: datetime) -> datetime:
        """`at` itself if it is business time, else the next moment the department opens."""
        return self.add_business_minutes(at, 0)

    def add_business_minutes(self, at: datetime, minutes: float) -> datetime:
        """The moment `minutes` of business time after `at`.

        Counting starts at `next_opening(at)`. Work used up exactly at closing time ends at
        that closing moment, not at the next morning's opening.
        """
        if minutes < 0:
            raise ValueError(f"cannot add a negative amount of business time ({minutes} min)")
        moment = _aware(at)
        remaining = float(minutes)
        for opening, closing in self._windows(moment.astimezone(self.zone).date()):
            start = max(opening, moment)
            if start >= closing:
                continue
            available = (closing - start).total_seconds() / 60
            if remaining <= available:
                return (start + timedelta(minutes=remaining)).astimezone(self.zone)
            remaining -= available
        raise AssertionError("unreachable: _windows raises before running out")

    def add(self, at: datetime, duration: BusinessDuration) -> datetime:
        """The moment `duration` (working days and minutes) of business time after `at`."""
        return self.add_business_minutes(
            at, duration.days * self.workday_minutes + duration.minutes
        )

    def latest_start(self, end: datetime, duration: BusinessDuration) -> datetime:
        """The latest moment from which `duration` of business time has passed by `end`: the
        moments `s` with `add(s, duration) <= end` are those up to it (for a duration of more
        than nothing). Lets a query ask "waiting longer than `duration`" as one comparison."""
        moment = _aware(end)
        remaining = float(duration.days * self.workday_minutes + duration.minutes)
        for opening, closing in self._windows_back(moment.astimezone(self.zone).date()):
            stop = min(closing, moment)
            if stop <= opening:
                continue
            available = (stop - opening).total_seconds() / 60
            if remaining <= available:
                return (stop - timedelta(minutes=remaining)).astimezone(self.zone)
            remaining -= available
        raise AssertionError("unreachable: _windows_back raises before running out")

    def business_minutes_between(self, start: datetime, end: datetime) -> float:
        """Business minutes in [start, end); 0 when `end` is not after `start`."""
        first, last = _aware(start), _aware(end)
        if last <= first:
            return 0.0
        total = 0.0
        day = first.astimezone(self.zone).date()
        last_day = last.astimezone(self.zone).date()
        while day <= last_day:
            if self.is_workday(day):
                opening, closing = self._window(day)
                overlap = min(closing, last) - max(opening, first)
                total += max(overlap.total_seconds(), 0.0) / 60
            day += _ONE_DAY
        return total

    def working_days_between(self, start: datetime, end: datetime) -> float:
        """Business time in [start, end) expressed in working days."""
        return self.business_minutes_between(start, end) / self.workday_minutes

    def project_completion(self, start: datetime, working_days: float) -> datetime:
        """When `working_days` of work begun at `start` will be done."""
        return self.add_business_minutes(start, working_days * self.workday_minutes)

    def workdays_until(self, start: date, end: date) -> int:
        """Number of workdays d with start < d <= end (0 when `end` is not after `start`)."""
        span = (end - start).days
        if span <= 0:
            return 0
        weeks, rest = divmod(span, 7)
        count = weeks * len(self.workdays)
        count += sum(
            1 for offset in range(1, rest + 1) if (start.weekday() + offset) % 7 in self.workdays
        )
        count -= sum(
            1 for day in self.holidays if start < day <= end and day.weekday() in self.workdays
        )
        return count

    def _window(self, day: date) -> tuple[datetime, datetime]:
        """That day's opening and closing, in UTC."""
        opening = datetime.combine(day, self.opens, tzinfo=self.zone).astimezone(UTC)
        closing = datetime.combine(day, self.closes, tzinfo=self.zone).astimezone(UTC)
        # Hours inside a spring-forward gap can collapse; such a window is simply empty.
        return opening, max(opening, closing)

    def _windows(
        self, first: date, step: timedelta = _ONE_DAY
    ) -> Iterator[tuple[datetime, datetime]]:
        """Non-empty business windows from `first` on (back in time with a negative `step`),
        bounded so no calendar loops forever."""
        idle = 0
        day = first
        for _ in range(MAX_SPAN_DAYS):
            if self.is_workday(day):
                opening, closing = self._window(day)
                if opening < closing:
                    idle = 0
                    yield opening, closing
            idle += 1
            if idle > MAX_IDLE_DAYS:
                raise ValueError(
                    f"no business time in the {MAX_IDLE_DAYS} days up to {day}:"
                    " check the workdays and holidays"
                )
            day += step
        raise ValueError(f"business time runs past {MAX_SPAN_DAYS} days from {first}")

    def _windows_back(self, last: date) -> Iterator[tuple[datetime, datetime]]:
        return self._windows(last, -_ONE_DAY)


def calendar_for(department: Any, organization: Any) -> BusinessCalendar:
    """The business calendar of a configured department, with the organization's holidays."""
    holidays: Iterable[date] = organization.holidays
    return BusinessCalendar(
        zone=department.zone,
        opens=department.opens,
        closes=department.closes,
        workdays=frozenset(department.workday_numbers),
        holidays=frozenset(holidays),
    )
