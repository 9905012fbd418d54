"""What a request type's fields may hold (bot/domain/request_types.py)."""

from __future__ import annotations

import tomllib
from dataclasses import replace
from datetime import date

from bot.config import LiaisonConfig, RequestType, parse_config
from bot.domain.request_types import MAX_NUMBER, check_type_fields
from bot.domain.requests import TYPE_FIELD, RequestDraft, clean_draft, validate_draft
from tests.conftest import DEFAULT_CONFIG
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


# -- a draft's type: which one it needs, and what is stored ------------------------------------

TYPED = parse_config(
    tomllib.loads(
        DEFAULT_CONFIG
        + """
[[request_types]]
department = "eng"
key = "feature"
name = "Feature"
fields = [{ key = "problem", label = "Problem", kind = "text", required = true }]

[[request_types]]
department = "eng"
key = "old"
name = "Old"
retired = true
"""
    ),
    source="test config",
)
TODAY = date(2026, 12, 1)


def draft(**changes: object) -> RequestDraft:
    return replace(RequestDraft(title="Ok", fulfilling_department="eng"), **changes)


def test_a_team_with_types_needs_one_of_them() -> None:
    assert validate_draft(draft(), today=TODAY, config=TYPED) == {
        "request_type": "Choose what kind of request this is."
    }
    for kind in ("nope", "old"):  # unknown, retired
        problems = validate_draft(draft(request_type=kind), today=TODAY, config=TYPED)
        assert set(problems) == {"request_type"}
    # The request being edited may keep its retired type.
    assert (
        validate_draft(draft(request_type="old"), today=TODAY, config=TYPED, current_type="old")
        == {}
    )


def test_the_types_fields_are_checked_and_cleaned() -> None:
    problems = validate_draft(draft(request_type="feature"), today=TODAY, config=TYPED)
    assert problems == {TYPE_FIELD + "problem": "Fill this in."}
    typed = draft(request_type="feature", type_fields={"problem": " Slow ", "other": "x"})
    assert validate_draft(typed, today=TODAY, config=TYPED) == {}
    assert clean_draft(typed, config=TYPED).type_fields == {"problem": "Slow"}


def test_a_team_without_types_files_as_before(config: LiaisonConfig) -> None:
    assert validate_draft(draft(), today=TODAY, config=config) == {}
    assert set(validate_draft(draft(request_type="bug"), today=TODAY, config=config)) == {
        "request_type"
    }
    cleaned = clean_draft(draft(type_fields={"x": 1}), config=config)
    assert (cleaned.request_type, cleaned.type_fields) == (None, {})
