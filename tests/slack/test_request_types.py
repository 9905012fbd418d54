"""Request types through the front door: the modal asks for the type, then its fields (one
element per kind, required ones enforced here), keeps what was typed when the type or team
changes, stores the values, and the card, `/request status`, the Home and editing show them."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from sqlalchemy import select, update

from bot.domain.models import Request
from tests.conftest import (
    DEFAULT_CONFIG,
    ENGINEER,
    INTAKE_CHANNEL,
    SALES_REP,
    SALES_REP_2,
    Inspector,
    Liaison,
)
from tests.fakes.signer import build_state_values
from tests.slack.helpers import (
    Card,
    card_blocks,
    click,
    current,
    opened_view,
    react,
    thread_texts,
)
from tests.slack.test_home import open_home

DATA_INTAKE = "CDATAINTAKE"
TYPES = """
[[departments]]
key = "data"
name = "Data"
role = "fulfiller"
intake_channel = "CDATAINTAKE"
members = ["UDATA1"]

[[request_types]]
department = "eng"
key = "bug"
name = "Bug report"
description = "Something that worked does not"
fields = [
  { key = "steps", label = "Steps to reproduce", kind = "text", required = true },
  { key = "summary", label = "In one line", kind = "line" },
  { key = "users", label = "Users affected", kind = "number" },
{key="severity", label="Severity", kind="select", options=["Low","High","Critical"], required=true},
  { key = "systems", label = "Systems", kind = "multi_select", options = ["Mac", "Windows"] },
  { key = "since", label = "Since when", kind = "date" },
  { key = "where", label = "Where (URL)", kind = "url" },
  { key = "seen_by", label = "Who saw it", kind = "user" },
  { key = "blocker", label = "Blocks a release", kind = "checkbox" },
]

[[request_types]]
department = "eng"
key = "feature"
name = "Feature"
fields = [
  { key = "problem", label = "Problem to solve", kind = "text", required = true },
  { key = "summary", label = "In one line", kind = "line" },
  { key = "where", label = "Where", kind = "line" },
]

[[request_types]]
department = "eng"
key = "legacy"
name = "Old-style ask"
retired = true
fields = [{ key = "why", label = "Why we used to ask", kind = "line" }]

[[request_types]]
department = "data"
key = "extract"
name = "Data extract"
fields = [{ key = "summary", label = "In one line", kind = "line", required = true }]
"""
TYPE_MENU = "request_type.eng"
STEPS, SUMMARY, USERS = (
    "type_field.text.steps",
    "type_field.line.summary",
    "type_field.number.users",
)
SEVERITY, SYSTEMS = "type_field.select.severity", "type_field.multi_select.systems"
SINCE, WHERE, SEEN_BY = "type_field.date.since", "type_field.url.where", "type_field.user.seen_by"
BLOCKER, PROBLEM = "type_field.checkbox.blocker", "type_field.text.problem"
BUG = {
    STEPS: "Open Billing\nClick Export <!channel> @here",
    SUMMARY: "Export is empty",
    USERS: "40",
    SEVERITY: "High",
    SYSTEMS: ["Mac", "Windows"],
    SINCE: "2026-11-20",
    WHERE: "https://app.example.com/billing?x=1&y=<2>",
    SEEN_BY: SALES_REP_2,
    BLOCKER: ["yes"],
}


@pytest.fixture
def config_text() -> str:
    return DEFAULT_CONFIG + TYPES


def open_intake(liaison: Liaison, words: str = "") -> dict[str, Any]:
    before = len(liaison.fake.calls_to("views.open"))
    assert liaison.slack.command(SALES_REP, words).status_code == 200
    return liaison.fake.wait_for("views.open", count=before + 1)[-1].response["view"]


def blocks_of(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {b["block_id"]: b for b in view["blocks"] if "block_id" in b}


def change(
    liaison: Liaison, view: dict[str, Any], block_id: str, value: str, **typed: object
) -> dict[str, Any]:
    """The person picks `value` in the menu `block_id` after typing `typed` (block id →
    value); Slack sends the view with its state, and the app updates the modal."""
    before = len(liaison.fake.calls_to("views.update"))
    sent = copy.deepcopy(view)
    state = {**typed, block_id: value}
    sent["state"] = {"values": build_state_values(view["blocks"], state)}
    response = liaison.slack.block_action(
        SALES_REP, "value", block_id=block_id, view=sent, selected_option_value=value
    )
    assert response.status_code == 200
    updated = liaison.fake.wait_for("views.update", count=before + 1)[-1]
    assert updated.response["ok"], updated.response
    return updated.response["view"]


def file_bug(liaison: Liaison, db: Inspector, **values: object) -> Card:
    view = change(liaison, open_intake(liaison), "fulfilling_department", "eng")
    view = change(liaison, view, TYPE_MENU, "bug")
    filled = {"title": "Export broken", **BUG, **values}
    response = liaison.slack.view_submission(view, SALES_REP, filled)
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()
    request = db.scalars(select(Request).order_by(Request.id.desc())).all()[0]
    assert request.card_ts, "the card was not posted"
    return Card(request.id, request.card_channel or INTAKE_CHANNEL, request.card_ts)


def test_a_team_with_types_asks_for_one_first(liaison: Liaison) -> None:
    view = open_intake(liaison)
    # Two teams do work here: the modal asks which, then offers that team's types.
    assert TYPE_MENU not in blocks_of(view)
    view = change(liaison, view, "fulfilling_department", "eng", title="Export broken")
    menu = blocks_of(view)[TYPE_MENU]
    assert menu["dispatch_action"] is True
    assert [o["value"] for o in menu["element"]["options"]] == ["bug", "feature"]  # not retired
    assert not any(b.startswith("type_field.") for b in blocks_of(view))
    assert blocks_of(view)["title"]["element"]["initial_value"] == "Export broken"

    refused = liaison.slack.view_submission(view, SALES_REP, {"title": "Export broken"})
    assert refused.json()["response_action"] == "errors"
    assert list(refused.json()["errors"]) == [TYPE_MENU]


def test_each_kind_of_field_gets_its_element(liaison: Liaison) -> None:
    view = change(liaison, open_intake(liaison), "fulfilling_department", "eng")
    view = change(liaison, view, TYPE_MENU, "bug")
    blocks = blocks_of(view)
    kinds = {b: blocks[b]["element"]["type"] for b in blocks if b.startswith("type_field.")}
    assert kinds == {
        STEPS: "plain_text_input",
        SUMMARY: "plain_text_input",
        USERS: "number_input",
        SEVERITY: "static_select",
        SYSTEMS: "multi_static_select",
        SINCE: "datepicker",
        WHERE: "url_text_input",
        SEEN_BY: "users_select",
        BLOCKER: "checkboxes",
    }
    assert blocks[STEPS]["element"]["multiline"] and not blocks[SUMMARY]["element"]["multiline"]
    assert [b for b in kinds if not blocks[b]["optional"]] == [STEPS, SEVERITY]
    # The fields come after the common ones, and the type's description under the menu.
    order = [b.get("block_id") for b in view["blocks"]]
    assert order.index(STEPS) > order.index("promised") > order.index(TYPE_MENU)
    assert "Something that worked does not" in json.dumps(blocks["request_type_about"])


def test_required_fields_and_bad_values_are_refused_on_their_field(
    liaison: Liaison, db: Inspector
) -> None:
    view = change(liaison, open_intake(liaison), "fulfilling_department", "eng")
    view = change(liaison, view, TYPE_MENU, "bug")
    # Slack's own "optional" is not trusted: a submission without them is refused here.
    for block in view["blocks"]:
        block["optional"] = True
    refused = liaison.slack.view_submission(view, SALES_REP, {"title": "Export broken"})
    assert refused.json()["response_action"] == "errors"
    assert set(refused.json()["errors"]) == {STEPS, SEVERITY}

    bad = {"title": "x", STEPS: "s", SEVERITY: "Low", WHERE: "javascript:alert(1)", USERS: "1e15"}
    refused = liaison.slack.view_submission(view, SALES_REP, bad)
    errors = refused.json()["errors"]
    assert set(errors) == {WHERE, USERS}
    assert "http" in errors[WHERE]
    assert db.scalars(select(Request)).all() == []


def test_switching_type_or_team_keeps_what_was_typed(liaison: Liaison) -> None:
    view = change(liaison, open_intake(liaison), "fulfilling_department", "eng")
    typed = {"title": "Export broken", "details": "Since Tuesday", "client": "Acme"}
    view = change(liaison, view, TYPE_MENU, "bug", **typed)
    typed |= {SUMMARY: "Export is empty", WHERE: "https://x.example", STEPS: "Click"}
    view = change(liaison, view, TYPE_MENU, "feature", **typed)
    blocks = blocks_of(view)
    for block_id in ("title", "details", "client"):
        assert blocks[block_id]["element"]["initial_value"] == typed[block_id]
    # A field of the same key keeps its text (a url is text for a line too); the bug's steps
    # are not the feature's problem.
    assert blocks[SUMMARY]["element"]["initial_value"] == "Export is empty"
    assert blocks["type_field.line.where"]["element"]["initial_value"] == "https://x.example"
    assert "initial_value" not in blocks[PROBLEM]["element"]
    assert STEPS not in blocks

    # Another team: its own types; the common fields and the same line stay.
    view = change(liaison, view, "fulfilling_department", "data", title="Export broken")
    blocks = blocks_of(view)
    assert TYPE_MENU not in blocks and "request_type.data" in blocks
    assert "initial_option" not in blocks["request_type.data"]["element"]
    assert blocks["title"]["element"]["initial_value"] == "Export broken"
    assert not any(b.startswith("type_field.") for b in blocks)
    view = change(liaison, view, "request_type.data", "extract", title="Export broken")
    assert blocks_of(view)["title"]["element"]["initial_value"] == "Export broken"


def test_the_request_keeps_its_fields_and_the_card_shows_them(
    liaison: Liaison, db: Inspector
) -> None:
    view = change(liaison, open_intake(liaison), "fulfilling_department", "eng")
    view = change(liaison, view, TYPE_MENU, "bug")
    filled = {"title": "Export broken", **BUG}
    assert liaison.slack.view_submission(view, SALES_REP, filled).text == ""
    liaison.settle()
    request = db.scalars(select(Request)).one()
    assert request.request_type == "bug"
    assert request.type_fields == {
        "steps": BUG[STEPS],
        "summary": "Export is empty",
        "users": 40,
        "severity": "High",
        "systems": ["Mac", "Windows"],
        "since": "2026-11-20",
        "where": BUG[WHERE],
        "seen_by": SALES_REP_2,
        "blocker": True,
    }
    card = liaison.fake.wait_for("chat.postMessage", channel=INTAKE_CHANNEL)[0]
    shown = json.dumps(card.params["blocks"])
    for words in (
        "*Type*\\nBug report",
        "*Steps to reproduce*",
        "Open Billing",
        "*Severity*\\nHigh",
        "Mac, Windows",
        "*Users affected*\\n40",
        f"<@{SALES_REP_2}>",
        "*Blocks a release*\\nYes",
        "<!date^",
        "https://app.example.com/billing?x=1&y=%3C2%3E|",
    ):
        assert words in shown, words
    assert "<!channel>" not in shown and "@here" not in shown


def test_status_and_the_home_show_the_type(liaison: Liaison, db: Inspector) -> None:
    file_bug(liaison, db)
    answer = liaison.slack.command(SALES_REP, "status REQ-1").json()
    shown = json.dumps(answer["blocks"])
    assert "*Type*\\nBug report" in shown and "*Severity*\\nHigh" in shown
    assert "Open Billing" in shown and "<!channel>" not in shown
    home = json.dumps(open_home(liaison, SALES_REP)["blocks"])
    assert "Bug report" in home


def test_the_list_and_the_search_name_the_type(liaison: Liaison, db: Inspector) -> None:
    from tests.slack.test_home_search import found, search

    file_bug(liaison, db, title="Export <!channel> broken")
    listed = liaison.slack.command(SALES_REP, "list").json()["blocks"][1]["text"]["text"]
    assert "Export &lt;!channel&gt; broken: Bug report · New" in listed
    [line] = found(search(liaison, SALES_REP, words="Export"))
    assert line.splitlines()[1].startswith("Bug report · New · filed by")


def test_a_retired_type_still_shows_its_name_and_labels(liaison: Liaison, db: Inspector) -> None:
    card = file_bug(liaison, db)
    with liaison.runtime.sessions() as session, session.begin():
        session.execute(
            update(Request)
            .where(Request.id == card.request_id)
            .values(request_type="legacy", type_fields={"why": "Habit", "gone": "a removed field"})
        )
    shown = json.dumps(liaison.slack.command(SALES_REP, "status REQ-1").json()["blocks"])
    assert "Old-style ask" in shown and "*Why we used to ask*\\nHabit" in shown
    assert "*gone*\\na removed field" in shown

    # Editing keeps the retired type on offer to this request (and only to it).
    click(liaison, card, SALES_REP, "card_edit")
    view = opened_view(liaison, "request_edit")
    menu = blocks_of(view)[TYPE_MENU]
    assert [o["value"] for o in menu["element"]["options"]] == ["bug", "feature", "legacy"]
    assert menu["element"]["initial_option"]["value"] == "legacy"
    response = liaison.slack.view_submission(view, SALES_REP, {"type_field.line.why": "Custom"})
    assert response.text == "", response.text
    liaison.settle()
    assert current(db, card).type_fields == {"why": "Custom"}


def test_editing_changes_the_fields_and_clears_the_estimates(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_bug(liaison, db)
    react(liaison, card, ENGINEER, "three")
    assert current(db, card).estimate_days == 3

    click(liaison, card, SALES_REP, "card_edit")
    view = opened_view(liaison, "request_edit")
    blocks = blocks_of(view)
    assert blocks[SEVERITY]["element"]["initial_option"]["value"] == "High"
    assert blocks[SEEN_BY]["element"]["initial_user"] == SALES_REP_2
    assert blocks[STEPS]["element"]["initial_value"] == BUG[STEPS]

    refused = liaison.slack.view_submission(view, SALES_REP, {STEPS: ""})
    assert list(refused.json()["errors"]) == [STEPS]
    response = liaison.slack.view_submission(view, SALES_REP, {SEVERITY: "Critical", SYSTEMS: []})
    assert response.text == "", response.text
    liaison.settle()
    request = current(db, card)
    assert request.type_fields["severity"] == "Critical" and "systems" not in request.type_fields
    assert request.estimates == [] and request.estimate_days is None
    assert "*Severity*\\nCritical" in json.dumps(card_blocks(liaison, card))
    # The thread says which fields changed, by their labels.
    assert any("edited the request (Severity, Systems)" in t for t in thread_texts(liaison, card))

    # The type can change too: its fields follow, and the request is filed under the new one.
    click(liaison, card, SALES_REP, "card_edit")
    view = opened_view(liaison, "request_edit", count=2)
    before = len(liaison.fake.calls_to("views.update"))
    sent = copy.deepcopy(view)
    sent["state"] = {"values": build_state_values(view["blocks"], {TYPE_MENU: "feature"})}
    liaison.slack.block_action(
        SALES_REP, "value", block_id=TYPE_MENU, view=sent, selected_option_value="feature"
    )
    view = liaison.fake.wait_for("views.update", count=before + 1)[-1].response["view"]
    assert view["callback_id"] == "request_edit" and PROBLEM in blocks_of(view)
    response = liaison.slack.view_submission(view, SALES_REP, {PROBLEM: "Exports are slow"})
    assert response.text == "", response.text
    liaison.settle()
    request = current(db, card)
    assert request.request_type == "feature"
    assert request.type_fields == {
        "problem": "Exports are slow",
        "summary": "Export is empty",
        "where": BUG[WHERE],  # the same key, text for a line too
    }


def test_the_edit_modal_says_the_team_instead_of_offering_it(
    liaison: Liaison, db: Inspector
) -> None:
    card = file_bug(liaison, db)
    click(liaison, card, SALES_REP, "card_edit")
    view = opened_view(liaison, "request_edit")
    blocks = blocks_of(view)
    # A request stays with its team: no menu that would change nothing.
    assert "fulfilling_department" not in blocks
    kept = json.dumps(blocks["fulfilling_department_kept"])
    assert "For *Engineering*" in kept and "file a new request" in kept
    assert all(b.get("dispatch_action") for b in view["blocks"] if b.get("block_id") == TYPE_MENU)
    # A forged team in the state is not read: the request keeps its team and its type.
    sent = copy.deepcopy(view)
    state = build_state_values(view["blocks"], {SEVERITY: "Low"})
    state["fulfilling_department"] = {
        "value": {"type": "static_select", "selected_option": {"value": "data"}}
    }
    sent["state"] = {"values": state}
    payload = {
        **liaison.slack._interaction_base("view_submission", SALES_REP, None),
        "view": sent,
        "response_urls": [],
    }
    response = liaison.slack.interaction(payload)
    assert response.text == "", response.text
    liaison.settle()
    request = current(db, card)
    assert request.request_type == "bug" and request.type_fields["severity"] == "Low"
    assert request.fulfilling_department.key == "eng"


def test_words_and_the_message_shortcut_still_prefill(liaison: Liaison, db: Inspector) -> None:
    view = open_intake(liaison, "SSO for Acme")
    view = change(liaison, view, "fulfilling_department", "eng", title="SSO for Acme")
    view = change(liaison, view, TYPE_MENU, "feature", title="SSO for Acme")
    assert blocks_of(view)["title"]["element"]["initial_value"] == "SSO for Acme"

    message = {"text": "Client asks for SSO\nThey use Okta.", "user": SALES_REP_2}
    liaison.fake.add_channel("CDEALS", members=(SALES_REP, SALES_REP_2))
    message["ts"] = liaison.fake.add_message("CDEALS", **message)
    liaison.slack.message_shortcut(SALES_REP, message, channel_id="CDEALS")
    [update] = liaison.fake.wait_for("views.update", count=3)[2:]
    view = update.response["view"]
    assert blocks_of(view)["details"]["element"]["initial_value"] == message["text"]
    typed = {"details": message["text"], "title": "Client asks for SSO"}
    view = change(liaison, view, "fulfilling_department", "eng", **typed)
    view = change(liaison, view, TYPE_MENU, "feature", **typed)
    assert blocks_of(view)["details"]["element"]["initial_value"] == message["text"]
    assert "archives/CDEALS/p" in json.dumps(view["blocks"])
    response = liaison.slack.view_submission(view, SALES_REP, {PROBLEM: "They need SSO"})
    assert response.text == "", response.text
    liaison.settle()
    request = db.scalars(select(Request)).one()
    assert request.request_type == "feature" and "archives/CDEALS/p" in request.source_permalink


def test_a_type_changed_without_slack_telling_shows_its_fields_first(
    liaison: Liaison, db: Inspector
) -> None:
    view = change(liaison, open_intake(liaison), "fulfilling_department", "eng")
    # The menu says "bug" but the notice of the change never came: the fields are not shown.
    response = liaison.slack.view_submission(view, SALES_REP, {"title": "x", TYPE_MENU: "bug"})
    assert response.json()["response_action"] == "update"
    assert STEPS in blocks_of(response.json()["view"])
    assert db.scalars(select(Request)).all() == []


class TestOneTeam:
    """One team does work: the type menu is there from the start, under the words typed."""

    @pytest.fixture
    def config_text(self) -> str:
        types = TYPES.split("[[request_types]]", 1)[1].rsplit("[[request_types]]", 1)[0]
        return DEFAULT_CONFIG + "[[request_types]]" + types

    def test_the_modal_asks_for_the_type_at_once(self, liaison: Liaison, db: Inspector) -> None:
        view = open_intake(liaison, "Export is broken")
        blocks = blocks_of(view)
        assert "fulfilling_department" not in blocks and TYPE_MENU in blocks
        assert blocks["title"]["element"]["initial_value"] == "Export is broken"
        view = change(liaison, view, TYPE_MENU, "bug", title="Export is broken")
        response = liaison.slack.view_submission(view, SALES_REP, BUG)
        assert response.text == "", response.text
        liaison.settle()
        request = db.scalars(select(Request)).one()
        assert (request.title, request.request_type) == ("Export is broken", "bug")
