"""What Liaison's numbers mean: open, overdue, delivered on time, and a request's first claim,
estimate and commitment. Each is defined here once, as a predicate on one request in Python and,
where the database computes it, as the SQL expression beside it; the workflow, the nudges,
`liaison stats`, the digest and its chart all call these, so they cannot drift apart (at local
midnight, say). Dates are the fulfilling department's, in its time zone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Date, ScalarSelect, and_, case, exists, func, literal, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from bot.domain.calendar import BusinessCalendar
from bot.domain.lifecycle import CLOSED, EventKind, Status
from bot.domain.models import RequestEvent

# The events that give a request a claimer (a first claim is the earliest of them), and those
# that change who holds it.
CLAIM_KINDS = (EventKind.CLAIMED, EventKind.REASSIGNED)
HOLDER_KINDS = (*CLAIM_KINDS, EventKind.UNCLAIMED)
_CLOSED = sorted(s.value for s in CLOSED)


def _values(kinds: Iterable[StrEnum]) -> list[str]:
    # Plain strings for the database driver, whatever it makes of enum members.
    return [kind.value for kind in kinds]


# -- open --------------------------------------------------------------------------------------


def is_open(status: Status | str) -> bool:
    """Open: neither delivered, declined nor cancelled."""
    return Status(status).is_open


def is_open_sql(status: Any) -> ColumnElement[bool]:
    """`is_open` of a status column (or an event's to_status)."""
    return status.not_in(_CLOSED)


# -- local dates -------------------------------------------------------------------------------


def local_date(moment: datetime, calendar: BusinessCalendar) -> date:
    """`moment` as a date in the department's time zone."""
    return calendar.local_date(moment)


@dataclass(frozen=True)
class DepartmentDates:
    """Local dates in SQL for rows whose fulfilling department's key is `department_key` (a
    column), with each department's calendar by key. SQLite knows no time zones, so the local
    midnights are computed here and the expressions are CASEs over them."""

    calendars: Mapping[str, BusinessCalendar]
    department_key: Any

    def date_of(self, moment: Any, *, start: datetime, end: datetime) -> ColumnElement[date]:
        """`local_date` of `moment`, a column holding times within [start, end] (NULL outside):
        one CASE branch per department and local day of the period."""
        branches = []
        for key, calendar in self.calendars.items():
            day, last = local_date(start, calendar), local_date(end, calendar)
            while day <= last:
                after = day + timedelta(days=1)
                branches.append(
                    (
                        and_(
                            self.department_key == key,
                            moment >= _midnight(day, calendar),
                            moment < _midnight(after, calendar),
                        ),
                        literal(day, Date),
                    )
                )
                day = after
        return case(*branches) if branches else literal(None, Date)

    def today(self, now: datetime) -> ColumnElement[date]:
        """`local_date` of `now` in each row's department."""
        branches = [
            (self.department_key == key, literal(local_date(now, calendar), Date))
            for key, calendar in self.calendars.items()
        ]
        return case(*branches) if branches else literal(None, Date)


def _midnight(day: date, calendar: BusinessCalendar) -> datetime:
    return datetime.combine(day, time(), tzinfo=calendar.zone)


# -- on time -----------------------------------------------------------------------------------


def delivered_on_time(
    committed_date: date | None, delivered_at: datetime | None, calendar: BusinessCalendar
) -> bool | None:
    """Whether a delivery kept its committed date: delivered on or before it, as a local date.
    None without a committed date or a delivery: such a request is in no on-time rate."""
    if committed_date is None or delivered_at is None:
        return None
    return local_date(delivered_at, calendar) <= committed_date


def delivered_on_time_sql(
    committed_date: Any,
    delivered_at: Any,
    dates: DepartmentDates,
    *,
    start: datetime,
    end: datetime,
) -> ColumnElement[bool]:
    """`delivered_on_time(...) is True` for requests delivered within [start, end]."""
    return and_(
        committed_date.is_not(None),
        committed_date >= dates.date_of(delivered_at, start=start, end=end),
    )


# -- reopened deliveries -----------------------------------------------------------------------
#
# A lead may reopen a delivered request (bot/domain/workflow/overrides.py): the delivery fell
# short. That delivery then no longer counts: a request counts as delivered once, in the period
# of the delivery that stood (its last), on time or not against the committed date in force then
# (a closed request's date cannot change, so that is its committed_date) and at that moment (its
# delivered_at). A request reopened and not delivered again counts as delivered nowhere: it is
# open, and counted as such. So the figures of a past week lose a delivery that was reopened
# later, and the sum of the weekly deliveries never counts one request twice.


def closing_stands(closing: RequestEvent, later: Iterable[RequestEvent]) -> bool:
    """Whether the closing event `closing` still counts, given the request's `later` events:
    no reopening came after it."""
    return not any(e.kind == EventKind.REOPENED and e.id > closing.id for e in later)


def closing_stands_sql(closing: Any) -> ColumnElement[bool]:
    """`closing_stands` of a RequestEvent (or an alias of it) closing a request."""
    reopening = aliased(RequestEvent, name="reopening")
    return ~exists().where(
        reopening.request_id == closing.request_id,
        reopening.kind == EventKind.REOPENED.value,
        reopening.id > closing.id,
    )


# -- overdue -----------------------------------------------------------------------------------


def is_overdue(
    status: Status | str, committed_date: date | None, *, now: datetime, calendar: BusinessCalendar
) -> bool:
    """Overdue at `now`: open, with a committed date before the department's date at `now`."""
    return (
        is_open(status)
        and committed_date is not None
        and committed_date < local_date(now, calendar)
    )


def is_overdue_sql(
    status: Any, committed_date: Any, *, now: datetime, dates: DepartmentDates
) -> ColumnElement[bool]:
    """`is_overdue` of a status and a committed_date column at `now`."""
    return and_(is_open_sql(status), committed_date < dates.today(now))


# -- first claim, estimate and commitment ------------------------------------------------------


class Milestone(StrEnum):
    """A step of a request counted at its first occurrence."""

    CLAIMED = "claimed"
    ESTIMATED = "estimated"
    COMMITTED = "committed"


def marks(milestone: Milestone, *, kind: str, to_status: str | None) -> bool:
    """Whether an event (its kind and the status it moved to) marks `milestone`: any claim or
    reassignment is a claim, an "estimated" event an estimate, a move to committed a commitment."""
    if milestone is Milestone.CLAIMED:
        return kind in CLAIM_KINDS
    if milestone is Milestone.ESTIMATED:
        return kind == EventKind.ESTIMATED
    return to_status == Status.COMMITTED


def marks_sql(milestone: Milestone, event: Any) -> ColumnElement[bool]:
    """`marks` of a RequestEvent (or an alias of it)."""
    if milestone is Milestone.CLAIMED:
        return event.kind.in_(_values(CLAIM_KINDS))
    if milestone is Milestone.ESTIMATED:
        return event.kind == EventKind.ESTIMATED.value
    return event.to_status == Status.COMMITTED.value


def first_at(milestone: Milestone, events: Iterable[RequestEvent]) -> datetime | None:
    """When one request's history (`events`) first reached `milestone`; None if never."""
    return min(
        (e.at for e in events if marks(milestone, kind=e.kind, to_status=e.to_status)),
        default=None,
    )


def first_at_sql(milestone: Milestone, request_id: Any) -> ScalarSelect[datetime]:
    """`first_at` of the request whose id is `request_id` (a column), as a scalar subquery."""
    event = aliased(RequestEvent, name=f"first_{milestone.value}")
    return (
        select(func.min(event.at))
        .where(event.request_id == request_id, marks_sql(milestone, event))
        .scalar_subquery()
    )
