"""`liaison stats` by request type, over requests filed through the front door (the intake
modal asks for the type; a request filed before its team had types has none)."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from bot.cli import main
from bot.domain.models import Request
from tests.conftest import (
    DEFAULT_CONFIG,
    ENGINEER,
    INTAKE_CHANNEL,
    SALES_REP,
    Clock,
    Inspector,
    Liaison,
)
from tests.slack.helpers import Card, react
from tests.slack.test_request_types import TYPE_MENU, change, open_intake

TYPES = """
[[request_types]]
department = "eng"
key = "bug"
name = "Bug report"
fields = [{ key = "where", label = "Where (URL)", kind = "url" }]

[[request_types]]
department = "eng"
key = "feature"
name = "Feature"

[[request_types]]
department = "eng"
key = "data"
name = "Data request"
"""


@pytest.fixture
def config_text() -> str:
    return DEFAULT_CONFIG + TYPES


def file_typed(liaison: Liaison, db: Inspector, kind: str, title: str = "Export") -> Card:
    """File a request of type `kind` as the modal asks: the type first, then its fields."""
    view = change(liaison, open_intake(liaison), TYPE_MENU, kind)
    filled = {"title": title, "desired_date": "2026-12-18"}
    response = liaison.slack.view_submission(view, SALES_REP, filled)
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()
    request = db.scalars(select(Request).order_by(Request.id.desc())).all()[0]
    assert request.card_ts and request.request_type == kind
    return Card(request.id, request.card_channel or INTAKE_CHANNEL, request.card_ts)


def untyped(engine: Engine, card: Card) -> None:
    """As if filed before the team had types."""
    with Session(engine) as session, session.begin():
        session.execute(
            update(Request).where(Request.id == card.request_id).values(request_type=None)
        )


def run_stats(capsys: pytest.CaptureFixture[str], *arguments: str) -> list[dict[str, object]]:
    assert main(["stats", "--json", *arguments]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.fixture
def cli_environment(monkeypatch: pytest.MonkeyPatch, database_url: str, config_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("LIAISON_CONFIG", str(config_path))
    for name in ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET", "SLACK_APP_TOKEN"):
        monkeypatch.delenv(name, raising=False)


def test_by_type_counts_the_requests_opened_in_the_period(
    liaison: Liaison,
    db: Inspector,
    engine: Engine,
    clock: Clock,
    capsys: pytest.CaptureFixture[str],
    cli_environment: None,
) -> None:
    # Eight days before the end: outside a 7-day period.
    file_typed(liaison, db, "bug", title="Old crash")
    clock.advance(days=2)
    bugs = [file_typed(liaison, db, "bug", title=f"Crash {n}") for n in (1, 2)]
    feature = file_typed(liaison, db, "feature", title="Dark mode")
    untyped(engine, file_typed(liaison, db, "feature", title="Something"))
    react(liaison, bugs[0], ENGINEER, "raising_hand")
    react(liaison, bugs[0], ENGINEER, "two")
    react(liaison, feature, ENGINEER, "raising_hand")
    react(liaison, feature, ENGINEER, "five")
    clock.advance(days=1)
    react(liaison, bugs[0], ENGINEER, "white_check_mark")
    react(liaison, feature, ENGINEER, "white_check_mark")
    end = (clock() + timedelta(days=6)).isoformat()

    [figures] = run_stats(capsys, "--at", end)
    # By hand: 2 bugs and 1 feature in the period, the untyped one only in `opened`.
    assert figures["opened"] == 4
    assert figures["by_type"] == {"bug": 2, "feature": 1}
    assert list(figures)[-1] == "by_type"

    rows = run_stats(capsys, "--at", end, "--by-type")
    assert [(r["type"], r["opened"], r["claimed"], r["open"]) for r in rows] == [
        ("bug", 2, 1, 2),  # the old bug is still open at the end, one new one delivered
        ("feature", 1, 1, 0),
        ("data", 0, 0, 0),  # a type of the department with nothing yet
        (None, 1, 0, 1),
    ]
    # Calibration by type, by hand: each delivered one working day after its claim, the bug
    # estimated at 2 days (1 ÷ 2) and the feature at 5 (1 ÷ 5); the pair's is their median.
    assert [r["estimate_accuracy"] for r in rows] == [0.5, 0.2, None, None]
    assert figures["estimate_accuracy"] == 0.35
    assert list(rows[0])[:3] == ["requesting", "fulfilling", "type"]
    assert "by_type" not in rows[0]
    assert sum(r["opened"] for r in rows) == figures["opened"]

    # The digest's full figures (Monday 7 December, 09:00 in New York) name the types.
    assert main(["digest", "--dry-run", "--at", "2026-12-07T14:00:00Z"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert "Opened by type: Bug report 3 · Feature 1 · 1 without a type" in printed
    # Calibration by type: the one bug delivered, estimated 2 days, done in 1 working day.
    [calibration] = [line for line in printed if line.startswith("Calibration by type")]
    assert calibration == (
        "Calibration by type (actual ÷ estimated, deliveries): "
        "Engineering: Bug report ×0.5 (1) · Feature ×0.2 (1)"
    )


def test_the_text_output_names_each_type(
    liaison: Liaison,
    db: Inspector,
    engine: Engine,
    clock: Clock,
    capsys: pytest.CaptureFixture[str],
    cli_environment: None,
) -> None:
    file_typed(liaison, db, "feature")
    assert main(["stats", "--by-type", "--at", (clock() + timedelta(hours=1)).isoformat()]) == 0
    printed = capsys.readouterr().out.splitlines()
    titles = [line for line in printed if not line.startswith(" ")]
    assert titles == [
        "sales → eng (bug)",
        "sales → eng (feature)",
        "sales → eng (data)",
        "sales → eng (no type)",
    ]
    assert "  opened: 1" in printed
