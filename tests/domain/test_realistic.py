"""The earliest realistic date for a new request, from a hand-built history."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, select

from bot.config import LiaisonConfig
from bot.db.session import make_session_factory, transaction
from bot.domain.calendar import calendar_for
from bot.domain.models import Department
from bot.domain.realistic import DEFAULT_DAYS, Realistic, realistic_date
from tests.conftest import ENGINEER, ENGINEER_2, workspace_with
from tests.domain.test_calibration import MONDAY, R, file, history, workflow_at


def realistic_at(engine: Engine, config: LiaisonConfig, now: datetime) -> Realistic:
    with transaction(make_session_factory(engine)) as session:
        workspace_with(session, team_id="T0001", config=config, now=now)
        department_id = session.scalars(select(Department.id).where(Department.key == "eng")).one()
        calendar = calendar_for(config.department("eng"), config.organization)
        return realistic_date(
            session=session, calendar=calendar, department_id=department_id, now=now
        )


def test_without_any_history_a_working_week_from_now(engine: Engine, config: LiaisonConfig) -> None:
    figure = realistic_at(engine, config, MONDAY)
    assert (figure.ahead, figure.deliveries, figure.enough_history) == (0, 0, False)
    assert (figure.basis, figure.typical_days) == ("default", DEFAULT_DAYS)
    # Five working days from Monday 09:00 Berlin close on Friday.
    assert figure.date == date(2026, 11, 6)


def test_without_deliveries_the_median_estimate_after_the_queue(
    engine: Engine, config: LiaisonConfig
) -> None:
    with transaction(make_session_factory(engine)) as session:
        flow = workflow_at(session, config, MONDAY)
        for _ in range(2):
            request = file(session, config, MONDAY)
            flow.claim(request, ENGINEER, R)
            flow.estimate(request, ENGINEER, 3, R)
    figure = realistic_at(engine, config, MONDAY)
    assert (figure.basis, figure.typical_days, figure.enough_history) == ("estimates", 3, False)
    # No throughput to learn from yet: one person doing one 3-day request at a time, 1/3 a day.
    # Two requests ahead take 2 ÷ 1/3 = 6 working days, more than the typical 3.
    assert (figure.ahead, figure.people, figure.per_day, figure.queue_days) == (2, 1, 0.33, 6)
    # 6 working days from Monday 2 Nov 09:00: Monday to Friday, then Monday 9 Nov.
    assert figure.date == date(2026, 11, 9)


# Wednesday 16 Dec, 09:00 Berlin: `history` delivered on the five Wednesdays 4 Nov … 2 Dec.
WEDNESDAY = MONDAY + timedelta(days=44)


def test_history_throughput_queue_and_holidays(engine: Engine, config: LiaisonConfig) -> None:
    # Five requests estimated at 1 day that each took 2 working days: a typical request takes
    # 2 working days (calibration is in those real durations: the estimates were half of it).
    history(engine, config, ENGINEER, 5)
    with transaction(make_session_factory(engine)) as session:
        flow = workflow_at(session, config, WEDNESDAY)
        for _ in range(2):
            request = file(session, config, WEDNESDAY)
            flow.claim(request, ENGINEER_2, R)
            flow.estimate(request, ENGINEER_2, 3, R)
    figure = realistic_at(engine, config, WEDNESDAY)
    assert (figure.deliveries, figure.enough_history, figure.basis) == (5, True, "deliveries")
    assert figure.typical_days == 2
    # Throughput: 5 deliveries over the 30 workdays after Wednesday 4 Nov up to today: 1/6 a
    # day. Two requests ahead: 2 ÷ 1/6 = 12 working days (their estimates do not matter).
    assert (figure.ahead, figure.people, figure.per_day, figure.queue_days) == (2, 2, 0.17, 12)
    # 12 working days from Wednesday 16 Dec: 16, 17, 18, 21, 22, 23, 24, (25 is a holiday),
    # 28, 29, 30, 31 Dec, 1 Jan.
    assert figure.date == date(2027, 1, 1)
    assert figure.is_realistic(date(2027, 1, 1))
    assert not figure.is_realistic(date(2026, 12, 31))


def test_stalled_requests_do_not_push_the_date_out(engine: Engine, config: LiaisonConfig) -> None:
    history(engine, config, ENGINEER, 5)
    sessions = make_session_factory(engine)
    # Claimed on Monday 2 Nov and untouched since: 32 workdays without an event by 16 Dec, more
    # than max(3 × 2, 10) = 10, so it is stalled.
    with transaction(sessions) as session:
        request = file(session, config, MONDAY)
        workflow_at(session, config, MONDAY).claim(request, ENGINEER_2, R)
    alone = realistic_at(engine, config, WEDNESDAY)
    assert (alone.ahead, alone.stalled, alone.queue_days) == (0, 1, 0)
    # Only the typical 2 working days: Wednesday and Thursday.
    assert alone.date == date(2026, 12, 17)
    # Claimed on Monday 7 Dec: 7 workdays without an event, still being worked on.
    with transaction(sessions) as session:
        request = file(session, config, MONDAY + timedelta(days=35))
        workflow_at(session, config, MONDAY + timedelta(days=35)).claim(request, ENGINEER_2, R)
    figure = realistic_at(engine, config, WEDNESDAY)
    assert (figure.ahead, figure.stalled, figure.queue_days) == (1, 1, 6)
    # 1 ÷ 1/6 = 6 working days from Wednesday 16 Dec: 16, 17, 18, 21, 22, 23.
    assert figure.date == date(2026, 12, 23)


def test_closed_requests_are_not_ahead(engine: Engine, config: LiaisonConfig) -> None:
    with transaction(make_session_factory(engine)) as session:
        request = file(session, config, MONDAY)
        flow = workflow_at(session, config, MONDAY)
        flow.claim(request, ENGINEER, R)
        flow.estimate(request, ENGINEER, 3, R)
        flow.cancel(request, request.requester_id, R)
    figure = realistic_at(engine, config, datetime(2026, 11, 2, 8, tzinfo=UTC))
    assert figure.ahead == 0


def test_estimates_of_nothing_leave_a_date(engine: Engine, config: LiaisonConfig) -> None:
    with transaction(make_session_factory(engine)) as session:
        request = file(session, config, MONDAY)
        flow = workflow_at(session, config, MONDAY)
        flow.claim(request, ENGINEER, R)
        flow.estimate(request, ENGINEER, 0, R)
    figure = realistic_at(engine, config, MONDAY)
    # A typical size of 0 days counts a business hour of throughput: one request an hour, done
    # within the hour, today.
    assert (figure.typical_days, figure.ahead, figure.per_day) == (0, 1, 8)
    assert figure.date == date(2026, 11, 2)
