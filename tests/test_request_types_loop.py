"""Request types, done: engineering's lead says in Settings what a bug report must contain, the
next bug sales files arrives with steps to reproduce and a severity, and another one is sent back
with a checklist in one click, completed from the requester's DM. All through the front door, on
a workspace set up in Slack; the fake Slack refuses whatever the real one would."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.lifecycle import Status
from bot.domain.models import Request
from tests.conftest import ENG_LEAD, ENGINEER, INTAKE_CHANNEL, SALES_REP, TEAM_ID, Liaison
from tests.fakes.slack.blockkit import view_errors
from tests.slack.helpers import (
    Card,
    card_blocks,
    click,
    click_in_dm,
    current,
    dm_with,
    dms_to,
    opened_view,
    thread_texts,
)
from tests.slack.test_request_types import blocks_of, change, open_intake
from tests.slack.test_settings import DIGEST, ENG, SALES, finish_setup, submit, texts
from tests.slack.test_settings_types import on_page, open_page, page_now, pushed, type_menu

TYPE_MENU = "request_type.eng"
STEPS, SEVERITY, WHERE = (
    "type_field.text.steps",
    "type_field.select.severity",
    "type_field.url.where",
)


@pytest.fixture
def config_text() -> None:
    return None  # settings made in Slack, not by a file


def define_the_bug_report(liaison: Liaison) -> None:
    """Engineering's lead, on the Home's Settings → request types page."""
    page = open_page(liaison, ENG_LEAD)
    on_page(liaison, page, "settings_add_type", user=ENG_LEAD, value="eng")
    form = pushed(liaison, "settings_type")
    assert submit(liaison, form, ENG_LEAD, type_key="bug", type_name="Bug report") == {}
    fields: list[dict[str, Any]] = [
        {
            "field_key": "steps",
            "field_label": "Steps to reproduce",
            "field_kind": "text",
            "field_required": ["required"],
        },
        {
            "field_key": "severity",
            "field_label": "Severity",
            "field_kind": "select",
            "field_required": ["required"],
            "field_options": "Low\nHigh\nCritical",
        },
        {"field_key": "where", "field_label": "Where does it happen (URL)", "field_kind": "url"},
    ]
    for count, values in enumerate(fields, 1):
        type_menu(liaison, page_now(liaison), "add_field", "bug", ENG_LEAD)
        form = pushed(liaison, "settings_type_field", count)
        assert submit(liaison, form, ENG_LEAD, **values) == {}
    shown = texts(page_now(liaison)["blocks"])
    assert "*Bug report* (`bug`)" in shown and "Steps to reproduce" in shown


def bug_form(liaison: Liaison, title: str) -> dict[str, Any]:
    """/request: the modal asks for the type at once (one team does work), then its fields."""
    view = open_intake(liaison, title)
    blocks = blocks_of(view)
    assert TYPE_MENU in blocks and blocks[TYPE_MENU]["dispatch_action"] is True
    assert not any(b.startswith("type_field.") for b in blocks)
    view = change(liaison, view, TYPE_MENU, "bug", title=title)
    blocks = blocks_of(view)
    assert [b for b in blocks if b.startswith("type_field.")] == [STEPS, SEVERITY, WHERE]
    assert [blocks[b].get("optional", False) for b in (STEPS, SEVERITY, WHERE)] == [
        False,
        False,
        True,
    ]
    assert blocks[WHERE]["element"]["type"] == "url_text_input"
    assert view_errors(view) == []
    return view


def filed(db: Any) -> Card:
    """The latest request's card."""
    request = db.scalars(select(Request).order_by(Request.id.desc())).all()[0]
    assert request.card_ts, "the card was not posted"
    return Card(request.id, request.card_channel or INTAKE_CHANNEL, request.card_ts)


def test_a_lead_defines_a_bug_report_and_the_next_bugs_arrive_ready_or_go_back(
    liaison: Liaison, db: Any
) -> None:
    fake = liaison.fake
    store = liaison.runtime.workspace_settings
    assert store.change(TEAM_ID, "departments", [SALES, ENG], by="cli") == []
    assert store.change(TEAM_ID, "digests", [DIGEST], by="cli") == []
    finish_setup(liaison)
    # Saved in Settings, the team's intake channel would have been joined there and then.
    fake.invite(INTAKE_CHANNEL, fake.bot_user_id, ENGINEER)

    define_the_bug_report(liaison)
    [bug] = store.current(TEAM_ID).document["request_types"]
    assert [(f["key"], f["kind"], f.get("required", False)) for f in bug["fields"]] == [
        ("steps", "text", True),
        ("severity", "select", True),
        ("where", "url", False),
    ]

    # Sales files a bug; leaving the required fields empty is refused on those fields.
    view = bug_form(liaison, "Export is empty")
    refused = liaison.slack.view_submission(view, SALES_REP, {"title": "Export is empty"})
    assert refused.json()["response_action"] == "errors"
    assert set(refused.json()["errors"]) == {STEPS, SEVERITY}
    steps = "Open Billing, click Export <!channel>"
    filled = {"title": "Export is empty", STEPS: steps, SEVERITY: "Critical"}
    response = liaison.slack.view_submission(view, SALES_REP, filled)
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()
    first = filed(db)
    request = current(db, first)
    assert request.request_type == "bug"
    assert request.type_fields == {"steps": steps, "severity": "Critical"}
    shown = json.dumps(card_blocks(liaison, first))
    for words in ("*Type*\\nBug report", "*Steps to reproduce*", "Open Billing", "Critical"):
        assert words in shown, words
    assert "<!channel>" not in shown

    # Another one is sent back in one click from its card, the checklist ticked.
    view = bug_form(liaison, "Login fails")
    vague = {"title": "Login fails", STEPS: "It fails", SEVERITY: "High"}
    assert liaison.slack.view_submission(view, SALES_REP, vague).text == ""
    liaison.settle()
    second = filed(db)
    assert second.request_id != first.request_id
    click(liaison, second, ENGINEER, "card_not_ready")
    form = opened_view(liaison, "not_ready")
    checklist = blocks_of(form)["missing"]["element"]
    assert [o["value"] for o in checklist["options"]] == ["steps", "severity", "where"]
    sent = {"missing": ["steps", "where"], "note": "Which account?"}
    response = liaison.slack.view_submission(form, ENGINEER, sent)
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()
    assert current(db, second).status is Status.NEEDS_INFO

    # The requester's DM lists what is missing and completes it from its button.
    [told] = [t for t in dms_to(liaison, SALES_REP) if "not ready yet" in t]
    assert "Steps to reproduce" in told and "Where does it happen (URL)" in told
    assert "Severity" not in told
    dm_with(liaison, SALES_REP, "request_complete")
    click_in_dm(liaison, SALES_REP, "request_complete")
    completion = opened_view(liaison, "request_complete")
    assert [b for b in blocks_of(completion) if b.startswith("type_field.")] == [STEPS, WHERE]
    done = {STEPS: "Log in as demo@acme.example on Safari", WHERE: "https://app.example.com/login"}
    response = liaison.slack.view_submission(completion, SALES_REP, done)
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()

    request = current(db, second)
    assert request.status is Status.NEW  # back where it was
    assert request.type_fields == {
        "steps": done[STEPS],
        "severity": "High",
        "where": done[WHERE],
    }
    assert any("completed the request" in t for t in thread_texts(liaison, second))
    assert "Safari" in json.dumps(card_blocks(liaison, second))

    # Slack refused nothing the app asked of it.
    refused_calls = [c for c in fake.calls if c.response and c.response.get("ok") is False]
    assert refused_calls == [], [(c.method, c.response) for c in refused_calls]
