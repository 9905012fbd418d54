"""Filing requests in the domain: validation and numbering under concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

from sqlalchemy import Engine, select

from bot.config import LiaisonConfig
from bot.db.session import make_session_factory, transaction
from bot.domain import filing, requests
from bot.domain.lifecycle import Surface
from bot.domain.models import Request
from bot.domain.requests import RequestDraft, validate_draft
from tests.conftest import workspace_with

NOW = datetime(2026, 12, 1, 15, tzinfo=UTC)


def test_validation_names_each_bad_field(config: LiaisonConfig) -> None:
    draft = RequestDraft(
        title=" ",
        client="c" * 201,
        impact="i" * 2001,
        desired_date=date(2026, 11, 30),
        fulfilling_department="nope",
    )
    problems = validate_draft(draft, today=date(2026, 12, 1), config=config)
    assert set(problems) == {"title", "client", "impact", "desired_date", "fulfilling_department"}


def test_a_valid_draft_has_no_problems(config: LiaisonConfig) -> None:
    draft = RequestDraft(title="Ok", desired_date=date(2026, 12, 1), fulfilling_department="eng")
    assert validate_draft(draft, today=date(2026, 12, 1), config=config) == {}


def test_references_parse_leniently() -> None:
    assert requests.parse_reference("REQ-12") == 12
    assert requests.parse_reference(" req12 ") == 12
    assert requests.parse_reference("7") == 7
    assert requests.parse_reference("REQ-") is None
    assert requests.parse_reference("twelve") is None


def test_simultaneous_filings_get_distinct_consecutive_numbers(
    engine: Engine, config: LiaisonConfig, db
) -> None:
    """Also the very first filings of a workspace: creating it races too."""
    sessions = make_session_factory(engine)
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def file(i: int) -> None:
        try:
            start.wait()
            with transaction(sessions) as session:
                workspace = workspace_with(session, team_id="T0001", config=config, now=NOW)
                filing.file_request(
                    session,
                    workspace=workspace,
                    requester_id="USALES1",
                    requesting_department="sales",
                    draft=RequestDraft(title=f"Request {i}", fulfilling_department="eng"),
                    surface=Surface.MODAL,
                    now=NOW,
                )
        except BaseException as error:  # surfaced below
            errors.append(error)

    threads = [threading.Thread(target=file, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(db.scalars(select(Request.number)))
    assert numbers == list(range(1, 9))


def test_numbers_are_per_workspace(engine: Engine, config: LiaisonConfig, db) -> None:
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        for team in ("T0001", "T0002", "T0001"):
            workspace = workspace_with(session, team_id=team, config=config, now=NOW)
            filing.file_request(
                session,
                workspace=workspace,
                requester_id="USALES1",
                requesting_department="sales",
                draft=RequestDraft(title=team, fulfilling_department="eng"),
                surface=Surface.MODAL,
                now=NOW,
            )
    rows = db.execute(select(Request.title, Request.number).order_by(Request.id)).all()
    assert [tuple(r) for r in rows] == [("T0001", 1), ("T0002", 1), ("T0001", 2)]
