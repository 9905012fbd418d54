"""Calibrated forecasts: the projection learns how long a person's work really takes."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine

from bot.config import LiaisonConfig
from bot.db.session import make_session_factory, transaction
from bot.domain import filing
from bot.domain.lifecycle import Surface
from bot.domain.models import Request
from bot.domain.people import Directory
from bot.domain.requests import RequestDraft
from bot.domain.workflow import Workflow
from bot.slack.blocks.card import estimate_line
from tests.conftest import ENGINEER, ENGINEER_2, SALES_REP, workspace_with

MONDAY = datetime(2026, 11, 2, 8, tzinfo=UTC)  # 09:00 in Berlin
R = Surface.REACTION


def workflow_at(session, config: LiaisonConfig, now: datetime) -> Workflow:
    return Workflow(
        session, config=config, directory=Directory(config, lambda _: frozenset()), now=now
    )


def file(session, config: LiaisonConfig, now: datetime, desired: date | None = None) -> Request:
    workspace = workspace_with(session, team_id="T0001", config=config, now=now)
    return filing.file_request(
        session,
        workspace=workspace,
        requester_id=SALES_REP,
        requesting_department="sales",
        draft=RequestDraft(title="Work", desired_date=desired, fulfilling_department="eng"),
        surface=Surface.MODAL,
        now=now,
    )


def history(engine: Engine, config: LiaisonConfig, engineer: str, count: int) -> datetime:
    """`count` requests estimated at 1 day that each took 2 working days; returns the time after."""
    sessions = make_session_factory(engine)
    now = MONDAY
    for _ in range(count):
        with transaction(sessions) as session:
            request = file(session, config, now)
            flow = workflow_at(session, config, now)
            flow.claim(request, engineer, R)
            flow.estimate(request, engineer, 1, R)
            flow = workflow_at(session, config, now + timedelta(days=2))
            flow.deliver(request, engineer, R)
        now += timedelta(days=7)
    return now


def test_five_deliveries_teach_the_projection_a_personal_ratio(
    engine: Engine, config: LiaisonConfig
) -> None:
    now = history(engine, config, ENGINEER, 5)  # Monday 7 Dec, 09:00 Berlin
    with transaction(make_session_factory(engine)) as session:
        request = file(session, config, now)
        flow = workflow_at(session, config, now)
        flow.claim(request, ENGINEER, R)
        flow.estimate(request, ENGINEER, 3, R)
        assert (request.forecast_ratio, request.forecast_basis) == (2.0, "personal")
        # 3 days × 2 = 6 working days from Monday morning: Monday 14 Dec closes the sixth.
        assert request.projected_date == date(2026, 12, 14)
        assert estimate_line(request) == "3 d · usually ×2 → 6 d"


def test_with_less_history_the_teams_ratio_applies_and_without_any_the_raw_estimate(
    engine: Engine, config: LiaisonConfig
) -> None:
    with transaction(make_session_factory(engine)) as session:
        request = file(session, config, MONDAY)
        flow = workflow_at(session, config, MONDAY)
        flow.claim(request, ENGINEER_2, R)
        flow.estimate(request, ENGINEER_2, 3, R)
        assert request.forecast_ratio is None
        assert request.projected_date == date(2026, 11, 4)
        assert estimate_line(request) == "3 d"

    now = history(engine, config, ENGINEER, 2)
    with transaction(make_session_factory(engine)) as session:
        request = file(session, config, now)
        flow = workflow_at(session, config, now)
        flow.claim(request, ENGINEER_2, R)
        flow.estimate(request, ENGINEER_2, 3, R)
        assert (request.forecast_ratio, request.forecast_basis) == (2.0, "department")
        assert "the team usually ×2" in estimate_line(request)


def test_half_day_estimates_calibrate_and_project_in_half_days(
    engine: Engine, config: LiaisonConfig
) -> None:
    sessions = make_session_factory(engine)
    now = MONDAY
    for _ in range(5):  # half a day estimated, a whole working day (09:00-17:00) taken
        with transaction(sessions) as session:
            request = file(session, config, now)
            flow = workflow_at(session, config, now)
            flow.claim(request, ENGINEER, R)
            flow.estimate(request, ENGINEER, 0.5, R)
            workflow_at(session, config, now + timedelta(hours=8)).deliver(request, ENGINEER, R)
        now += timedelta(days=7)
    with transaction(sessions) as session:
        request = file(session, config, now)
        flow = workflow_at(session, config, now)
        flow.claim(request, ENGINEER, R)
        flow.estimate(request, ENGINEER, 2.5, R)
        assert request.estimate_days == 2.5
        assert (request.forecast_ratio, request.forecast_basis) == (2.0, "personal")
        # 2.5 days × 2 = 5 working days from Monday 7 Dec, 09:00: Friday 11 Dec.
        assert request.projected_date == date(2026, 12, 11)
        assert estimate_line(request) == "2.5 d · usually ×2 → 5 d"
    with transaction(sessions) as session:
        stored = session.get(Request, request.id)
        assert [e.days for e in stored.estimates] == [2.5]
