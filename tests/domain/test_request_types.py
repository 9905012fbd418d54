"""What a request type's fields may hold (bot/domain/request_types.py)."""

from __future__ import annotations

from datetime import date

from bot.config import RequestType
from bot.domain.request_types import MAX_NUMBER, check_type_fields
from tests.slack.test_type_field_blocks import EVERY_KIND, FILLED

FEATURE = RequestType.model_validate(
    {
        "department": "eng",
        "key": "feature",
        "name": "Feature",
        "fields": [
            {"key": "problem", "label": "Problem", "kind": "text", "required": True},
            {"key": "ok", "label": "Agreed", "kind": "checkbox", "required": True},
        ],
    }
)


def test_stored_values_pass_unchanged() -> None:
    assert check_type_fields(EVERY_KIND, FILLED) == (FILLED, {})


def test_empty_values_are_left_out_and_other_keys_dropped() -> None:
    values, problems = check_type_fields(
        EVERY_KIND,
        {"steps": "x", "severity": "Low", "summary": "   ", "os": [], "urgent": False, "zzz": 1},
    )
    assert values == {"steps": "x", "severity": "Low"}
    assert problems == {}


def test_values_are_normalised() -> None:
    values, _ = check_type_fields(
        EVERY_KIND,
        {
            "steps": " a\x00b ",
            "severity": "High",
            "users": "3.0",
            "os": ["Win", "Mac", "Win"],
            "since": date(2026, 12, 1),
        },
    )
    assert values == {
        "steps": "ab",
        "severity": "High",
        "users": 3,
        "os": ["Mac", "Win"],
        "since": "2026-12-01",
    }


def test_each_problem_is_named_on_its_field() -> None:
    _, problems = check_type_fields(
        EVERY_KIND,
        {
            "steps": "x" * 3001,
            "users": MAX_NUMBER + 1,
            "os": ["Linux"],
            "where": "https:// spaces",
            "reporter": "not-a-user",
            "urgent": "yes",
        },
    )
    assert set(problems) == {"steps", "users", "os", "where", "reporter", "urgent", "severity"}
    assert "3000" in problems["steps"]


def test_a_required_checkbox_must_be_ticked() -> None:
    assert check_type_fields(FEATURE, {"problem": "p"})[1] == {"ok": "Tick this."}
    assert check_type_fields(FEATURE, {"problem": "p", "ok": True}) == (
        {"problem": "p", "ok": True},
        {},
    )
