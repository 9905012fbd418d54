"""`liaison stats` by request type, over requests filed through the front door.

Until the intake modal asks for a type, the tests give each filed request its type in the
database, as the modal will store it."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from bot.cli import main
from bot.domain.models import Request
from tests.conftest import DEFAULT_CONFIG, ENGINEER, Clock, Inspector, Liaison
from tests.slack.helpers import Card, file_request, react

TYPES = """
[[request_types]]
department = "eng"
key = "bug"
name = "Bug report"
fields = [{ key = "steps", label = "Steps to reproduce", kind = "text", required = true }]

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


def typed(engine: Engine, card: Card, kind: str | None) -> None:
    with Session(engine) as session, session.begin():
        session.execute(
            update(Request).where(Request.id == card.request_id).values(request_type=kind)
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
    typed(engine, file_request(liaison, db, title="Old crash"), "bug")
    clock.advance(days=2)
    bugs = [file_request(liaison, db, title=f"Crash {n}") for n in (1, 2)]
    feature = file_request(liaison, db, title="Dark mode")
    untyped = file_request(liaison, db, title="Something")
    for card in bugs:
        typed(engine, card, "bug")
    typed(engine, feature, "feature")
    react(liaison, bugs[0], ENGINEER, "raising_hand")
    end = (clock() + timedelta(days=6)).isoformat()

    [figures] = run_stats(capsys, "--at", end)
    # By hand: 2 bugs and 1 feature in the period, the untyped one only in `opened`.
    assert figures["opened"] == 4
    assert figures["by_type"] == {"bug": 2, "feature": 1}
    assert list(figures)[-1] == "by_type"
    assert untyped.request_id not in (c.request_id for c in bugs)

    rows = run_stats(capsys, "--at", end, "--by-type")
    assert [(r["type"], r["opened"], r["claimed"], r["open"]) for r in rows] == [
        ("bug", 2, 1, 3),  # the old bug is still open at the end
        ("feature", 1, 0, 1),
        ("data", 0, 0, 0),  # a type of the department with nothing yet
        (None, 1, 0, 1),
    ]
    assert list(rows[0])[:3] == ["requesting", "fulfilling", "type"]
    assert "by_type" not in rows[0]
    assert sum(r["opened"] for r in rows) == figures["opened"]

    # The digest's full figures (Monday 7 December, 09:00 in New York) name the types.
    assert main(["digest", "--dry-run", "--at", "2026-12-07T14:00:00Z"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert "Opened by type: Bug report 3 · Feature 1 · 1 without a type" in printed


def test_the_text_output_names_each_type(
    liaison: Liaison,
    db: Inspector,
    engine: Engine,
    clock: Clock,
    capsys: pytest.CaptureFixture[str],
    cli_environment: None,
) -> None:
    typed(engine, file_request(liaison, db), "feature")
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
