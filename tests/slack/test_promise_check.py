"""`/request check DATE [team]`: a private answer on whether a date is realistic, filing nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.domain.models import Request
from tests.conftest import DEFAULT_CONFIG, SALES_REP, Liaison

# Without any history the realistic date is a working week of Engineering's (Berlin) time from
# Tuesday 1 December 16:00: Tuesday 8 December.
HINT = "Realistic: Tue 8 Dec · 0 requests ahead · not enough history yet"


def check(liaison: Liaison, words: str) -> dict:
    answer = liaison.slack.command(SALES_REP, f"check {words}".strip()).json()
    assert answer["response_type"] == "ephemeral"
    return answer


def test_a_late_enough_date_is_realistic_and_nothing_is_filed(liaison: Liaison, db) -> None:
    answer = check(liaison, "2026-12-15")
    assert answer["text"].startswith("Tue 15 Dec looks realistic for a new request to Engineering")
    assert HINT in answer["text"] and "Nothing was filed" in answer["text"]
    assert db.scalar(select(func.count()).select_from(Request)) == 0
    liaison.fake.assert_no_call("views.open")


def test_an_early_date_names_the_realistic_one(liaison: Liaison) -> None:
    for team in ("eng", "ENGINEERING", "Engineering"):
        text = check(liaison, f"2026-12-04 {team}")["text"]
        assert text.startswith(
            "Fri 4 Dec would likely be at risk for a new request to Engineering: "
            "realistic is Tue 8 Dec."
        )


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        ("", "Which date?"),
        ("tomorrow", "“tomorrow” is not a date like 2026-12-15."),
        ("2026-02-30", "“2026-02-30” is not a date"),
        ("2026-11-20", "2026-11-20 has already passed."),
        ("2026-12-15 marketing", "No team “marketing” does work. Teams: `eng` (Engineering)."),
        ("2026-12-15 <!channel>", "No team “&lt;!channel&gt;” does work."),
    ],
)
def test_bad_input_is_told_with_the_usage(liaison: Liaison, words: str, expected: str) -> None:
    text = check(liaison, words)["text"]
    assert text.startswith(expected)
    if "No team" not in expected:
        assert "/request check 2026-12-15 [team]" in text


def test_help_names_the_check(liaison: Liaison) -> None:
    assert "check 2026-12-15 [team]" in liaison.slack.command(SALES_REP, "help").json()["text"]


class TestSeveralTeams:
    @pytest.fixture
    def config_text(self) -> str:
        return (
            DEFAULT_CONFIG
            + """
[[departments]]
key = "data"
name = "Data Science"
role = "fulfiller"
intake_channel = "CDATAINTAKE"
members = ["UDATA1"]
"""
        )

    def test_the_team_must_be_named(self, liaison: Liaison) -> None:
        text = check(liaison, "2026-12-15")["text"]
        assert text.startswith("Which team? Name one of `eng` (Engineering), `data` (Data Science)")
        assert "to Data Science" in check(liaison, "2026-12-15 data science")["text"]


class TestNoTeamDoesWork:
    @pytest.fixture
    def config_text(self) -> None:
        return None  # not set up yet: no department at all

    def test_nothing_to_check_against(self, liaison: Liaison) -> None:
        text = check(liaison, "2026-12-15")["text"]
        assert text.startswith("No team does work through Liaison yet")
