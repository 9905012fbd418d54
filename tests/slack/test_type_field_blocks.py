"""A request type's fields as Block Kit inputs, and read back from the state Slack submits: the
element for each kind, what is required, the values shown again, and the errors."""

from __future__ import annotations

from typing import Any

import pytest

from bot.config import RequestType
from bot.slack.blocks.type_fields import (
    field_block_id,
    raw_type_fields,
    read_type_fields,
    type_field_blocks,
)
from tests.fakes.signer import build_state_values
from tests.fakes.slack.blockkit import view_errors

EVERY_KIND = RequestType.model_validate(
    {
        "department": "eng",
        "key": "bug",
        "name": "Bug report",
        "fields": [
            {"key": "steps", "label": "Steps", "kind": "text", "required": True, "hint": "1, 2, 3"},
            {"key": "summary", "label": "Summary", "kind": "line"},
            {"key": "users", "label": "Users hit", "kind": "number"},
            {
                "key": "severity",
                "label": "Severity",
                "kind": "select",
                "options": ["Low", "High"],
                "required": True,
            },
            {"key": "os", "label": "Systems", "kind": "multi_select", "options": ["Mac", "Win"]},
            {"key": "since", "label": "Since", "kind": "date"},
            {"key": "where", "label": "Where", "kind": "url"},
            {"key": "reporter", "label": "Who saw it", "kind": "user"},
            {"key": "urgent", "label": "Blocks a release", "kind": "checkbox"},
            {"key": "areas", "label": "Areas", "kind": "checkbox", "options": ["UI", "API"]},
        ],
    }
)
FILLED = {
    "steps": "Open the page\nClick export",
    "summary": "Export fails",
    "users": 12,
    "severity": "High",
    "os": ["Mac", "Win"],
    "since": "2026-11-20",
    "where": "https://app.example.com/export",
    "reporter": "UENG1",
    "urgent": True,
    "areas": ["API"],
}
ELEMENTS = {
    "steps": "plain_text_input",
    "summary": "plain_text_input",
    "users": "number_input",
    "severity": "static_select",
    "os": "multi_static_select",
    "since": "datepicker",
    "where": "url_text_input",
    "reporter": "users_select",
    "urgent": "checkboxes",
    "areas": "checkboxes",
}


def modal(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "type": "modal",
        "title": {"type": "plain_text", "text": "t"},
        "submit": {"type": "plain_text", "text": "s"},
        "blocks": blocks,
    }


def submitted(values: dict[str, object], shown: dict[str, Any] | None = None) -> dict[str, Any]:
    """The view Slack submits after someone filled the fields (block id → what they chose)."""
    blocks = type_field_blocks(EVERY_KIND, shown)
    return {**modal(blocks), "state": {"values": build_state_values(blocks, values)}}


def block_of(key: str) -> str:
    field = EVERY_KIND.field(key)
    assert field is not None
    return field_block_id(field)


def test_each_kind_gets_its_element_and_only_required_ones_are_mandatory() -> None:
    blocks = type_field_blocks(EVERY_KIND)
    assert view_errors(modal(blocks)) == []
    kinds = {b["block_id"]: b["element"]["type"] for b in blocks}
    assert kinds == {block_of(key): kind for key, kind in ELEMENTS.items()}
    assert [b["optional"] for b in blocks] == [f.required is False for f in EVERY_KIND.fields]
    steps, summary = blocks[0]["element"], blocks[1]["element"]
    assert steps["multiline"] is True and summary["multiline"] is False
    assert blocks[0]["hint"]["text"] == "1, 2, 3"
    assert all(b["element"]["action_id"] == "value" for b in blocks)


def test_values_are_shown_again_and_read_back_as_stored() -> None:
    blocks = type_field_blocks(EVERY_KIND, FILLED)
    assert view_errors(modal(blocks)) == []
    view = submitted({}, FILLED)  # nothing touched: Slack reports the initial values
    values, errors = read_type_fields(view, EVERY_KIND)
    assert errors == {}
    assert values == FILLED


def test_what_people_pick_is_read_as_stored() -> None:
    view = submitted(
        {
            block_of("steps"): "  Click  ",
            block_of("users"): "2.5",
            block_of("severity"): "Low",
            block_of("os"): ["Win"],
            block_of("urgent"): ["yes"],
            block_of("reporter"): "UENG2",
            block_of("since"): "2026-12-01",
        }
    )
    values, errors = read_type_fields(view, EVERY_KIND)
    assert errors == {}
    assert values == {
        "steps": "Click",
        "users": 2.5,
        "severity": "Low",
        "os": ["Win"],
        "urgent": True,
        "reporter": "UENG2",
        "since": "2026-12-01",
    }


def test_required_fields_are_checked_here_whatever_slack_let_through() -> None:
    values, errors = read_type_fields(submitted({}), EVERY_KIND)
    assert values == {}
    assert errors == {block_of("steps"): "Fill this in.", block_of("severity"): "Choose one."}


@pytest.mark.parametrize(
    ("key", "typed", "error"),
    [
        ("where", "javascript:alert(1)", "http"),
        ("where", "ftp://files.example.com", "http"),
        ("users", "1e13", "between"),
        ("users", "NaN", "number"),
        ("users", "twelve", "number"),
    ],
)
def test_bad_values_are_refused_on_their_field(key: str, typed: str, error: str) -> None:
    view = submitted({block_of("steps"): "x", block_of("severity"): "Low", block_of(key): typed})
    values, errors = read_type_fields(view, EVERY_KIND)
    assert list(errors) == [block_of(key)]
    assert error in errors[block_of(key)]
    assert key not in values


def test_a_forged_option_or_user_is_refused() -> None:
    view = submitted({block_of("steps"): "x", block_of("severity"): "Low"})
    state = view["state"]["values"]
    state[block_of("severity")]["value"]["selected_option"] = {"value": "Apocalyptic"}
    state[block_of("reporter")]["value"]["selected_user"] = "U1> <!channel"
    _, errors = read_type_fields(view, EVERY_KIND)
    assert set(errors) == {block_of("severity"), block_of("reporter")}


def test_raw_values_keep_what_was_typed_even_when_invalid() -> None:
    view = submitted({block_of("where"): "not a url", block_of("summary"): "Half typed"})
    raw = raw_type_fields(view, EVERY_KIND)
    assert raw["where"] == "not a url" and raw["summary"] == "Half typed"
    shown = type_field_blocks(EVERY_KIND, raw)
    where = next(b for b in shown if b["block_id"] == block_of("where"))
    assert where["element"]["initial_value"] == "not a url"


def test_a_value_another_kind_of_field_held_is_not_forced_into_this_one() -> None:
    blocks = type_field_blocks(
        EVERY_KIND, {"severity": "Catastrophic", "since": "soon", "users": "many", "os": "Mac"}
    )
    elements = {b["block_id"]: b["element"] for b in blocks}
    assert "initial_option" not in elements[block_of("severity")]
    assert "initial_date" not in elements[block_of("since")]
    assert "initial_value" not in elements[block_of("users")]
    assert "initial_options" not in elements[block_of("os")]
    assert view_errors(modal(blocks)) == []
