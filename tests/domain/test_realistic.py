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
        request = file(session, config, MONDAY)
        flow = workflow_at(session, config, MONDAY)
        flow.claim(request, ENGINEER, R)
        flow.estimate(request, ENGINEER, 3, R)
    figure = realistic_at(engine, config, MONDAY)
    assert (figure.basis, figure.typical_days, figure.enough_history) == ("estimates", 3, False)
    # One request of 3 days ahead, one person: 3 + 3 working days from Monday 2 Nov.
    assert (figure.ahead, figure.people, figure.queue_days) == (1, 1, 3)
    assert figure.date == date(2026, 11, 9)


def test_history_calibration_queue_and_holidays(engine: Engine, config: LiaisonConfig) -> None:
    # Five requests estimated at 1 day that each took 2 working days: the team's ratio is 2 and
    # a typical request takes 2 working days.
    history(engine, config, ENGINEER, 5)
    now = MONDAY + timedelta(days=49)  # Monday 21 Dec, 09:00 Berlin
    with transaction(make_session_factory(engine)) as session:
        request = file(session, config, now)
        flow = workflow_at(session, config, now)
        flow.claim(request, ENGINEER_2, R)
        flow.estimate(request, ENGINEER_2, 3, R)
    figure = realistic_at(engine, config, now)
    assert (figure.deliveries, figure.enough_history, figure.basis) == (5, True, "deliveries")
    assert figure.typical_days == 2
    # 3 days × 2 ahead, over the two people who hold or delivered work: 3 days each.
    assert (figure.ahead, figure.people, figure.queue_days) == (1, 2, 3)
    # 5 working days from Monday 21 Dec: 21, 22, 23, 24, (25 is a holiday), 28.
    assert figure.date == date(2026, 12, 28)
    assert figure.is_realistic(date(2026, 12, 28))
    assert not figure.is_realistic(date(2026, 12, 24))


def test_closed_requests_are_not_ahead(engine: Engine, config: LiaisonConfig) -> None:
    with transaction(make_session_factory(engine)) as session:
        request = file(session, config, MONDAY)
        flow = workflow_at(session, config, MONDAY)
        flow.claim(request, ENGINEER, R)
        flow.estimate(request, ENGINEER, 3, R)
        flow.cancel(request, request.requester_id, R)
    figure = realistic_at(engine, config, datetime(2026, 11, 2, 8, tzinfo=UTC))
    assert figure.ahead == 0


def test_work_under_way_counts_what_is_left_of_its_estimate(
    engine: Engine, config: LiaisonConfig
) -> None:
    with transaction(make_session_factory(engine)) as session:
        request = file(session, config, MONDAY)
        flow = workflow_at(session, config, MONDAY)
        flow.claim(request, ENGINEER, R)
        flow.estimate(request, ENGINEER, 3, R)
    # Claimed on Monday 2 Nov; on Wednesday 4 Nov two workdays of its 3 have passed.
    figure = realistic_at(engine, config, MONDAY + timedelta(days=2))
    assert (figure.ahead, figure.queue_days, figure.typical_days) == (1, 1, 3)
    # 1 + 3 working days from Wednesday 09:00: Wednesday, Thursday, Friday, Monday 9 Nov.
    assert figure.date == date(2026, 11, 9)
    # A week later nothing is left of it: it is taken as nearly done.
    assert realistic_at(engine, config, MONDAY + timedelta(days=9)).queue_days == 0
