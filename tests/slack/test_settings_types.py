"""Request types in Settings, through the front door: a fulfilling department's page, adding a
type and its fields, errors on the field they concern, reordering, retiring, who may, and the
read-only page when a config file manages the settings."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import ENG_LEAD, SALES_LEAD, SALES_REP, TEAM_ID, Liaison
from tests.fakes.slack.blockkit import view_errors
from tests.slack.test_home import open_home
from tests.slack.test_settings import (
    ADMIN,
    DIGEST,
    ENG,
    SALES,
    action_ids,
    click_open,
    finish_setup,
    settings_of,
    submit,
    texts,
)


@pytest.fixture
def config_text() -> None:
    return None  # settings made in Slack, not by a file


@pytest.fixture
def set_up(liaison: Liaison) -> Liaison:
    """Two departments and a digest, set in Slack, and an admin."""
    liaison.fake.users[ADMIN] = {"is_admin": True}
    store = liaison.runtime.workspace_settings
    assert store.change(TEAM_ID, "departments", [SALES, ENG], by="cli") == []
    assert store.change(TEAM_ID, "digests", [DIGEST], by="cli") == []
    finish_setup(liaison)
    return liaison


def types_of(liaison: Liaison) -> list[dict[str, Any]]:
    return liaison.runtime.workspace_settings.current(TEAM_ID).document.get("request_types", [])


def open_page(liaison: Liaison, user: str = ADMIN) -> dict[str, Any]:
    return click_open(liaison, user, "settings_request_types", "settings_types", value="eng")


def pushed(liaison: Liaison, callback_id: str, count: int = 1) -> dict[str, Any]:
    calls = liaison.fake.wait_for(
        "views.push", count=count, view=lambda v: (v or {}).get("callback_id") == callback_id
    )
    view = calls[-1].response["view"]
    assert view_errors(view) == []
    return view


def page_now(liaison: Liaison) -> dict[str, Any]:
    """The page as its latest update left it."""
    call = liaison.fake.calls_to("views.update")[-1]
    assert call.response["ok"], call.response
    return call.response["view"]


def on_page(
    liaison: Liaison, page: dict[str, Any], action_id: str, user: str = ADMIN, **kw: Any
) -> None:
    response = liaison.slack.block_action(user, action_id, view=page, **kw)
    assert response.status_code == 200
    liaison.settle()


def add_type(liaison: Liaison, page: dict[str, Any], count: int, **values: object) -> Any:
    on_page(liaison, page, "settings_add_type", value="eng")
    return submit(liaison, pushed(liaison, "settings_type", count), ADMIN, **values)


def type_menu(
    liaison: Liaison, page: dict[str, Any], choice: str, key: str, user: str = ADMIN
) -> None:
    on_page(
        liaison,
        page,
        "settings_type_menu",
        user=user,
        block_id=f"settings_type_menu:{key}",
        selected_option_value=f"{choice}:{key}",
    )


def test_an_admin_adds_a_type_and_its_fields(set_up: Liaison) -> None:
    home = settings_of(open_home(set_up, ADMIN))
    assert "settings_request_types" in action_ids(home)
    assert "*Request types of Engineering:* no request types" in texts(home)
    page = open_page(set_up)
    assert view_errors(page) == []

    answer = add_type(
        set_up,
        page,
        1,
        type_key="bug",
        type_name="Bug report",
        type_description="Something that worked does not",
    )
    assert answer == {}
    assert types_of(set_up) == [
        {
            "department": "eng",
            "key": "bug",
            "name": "Bug report",
            "description": "Something that worked does not",
        }
    ]
    page = page_now(set_up)
    assert "*Bug report* (`bug`)" in texts(page["blocks"]) and view_errors(page) == []

    type_menu(set_up, page, "add_field", "bug")
    form = pushed(set_up, "settings_type_field")
    # A list without options is refused on the field that says what it is.
    refused = submit(
        set_up, form, ADMIN, field_key="severity", field_label="Severity", field_kind="select"
    )
    assert refused["response_action"] == "errors"
    assert list(refused["errors"]) == ["field_kind"]
    assert "needs options" in refused["errors"]["field_kind"]
    answer = submit(
        set_up,
        form,
        ADMIN,
        field_key="severity",
        field_label="Severity",
        field_kind="select",
        field_required=["required"],
        field_options="Low\n High \n\nCritical",
        field_hint="How bad is it?",
    )
    assert answer == {}
    [bug] = types_of(set_up)
    assert bug["fields"] == [
        {
            "key": "severity",
            "label": "Severity",
            "kind": "select",
            "required": True,
            "options": ["Low", "High", "Critical"],
            "hint": "How bad is it?",
        }
    ]
    config = set_up.runtime.config_for(TEAM_ID)
    assert config.request_type("eng", "bug").field("severity").required  # type: ignore[union-attr]

    # The field's form shows what it holds; a key in use by another field is refused on it.
    type_menu(set_up, page_now(set_up), "add_field", "bug")
    second = pushed(set_up, "settings_type_field", 2)
    refused = submit(
        set_up, second, ADMIN, field_key="severity", field_label="Again", field_kind="line"
    )
    assert list(refused["errors"]) == ["field_key"]
    submit(set_up, second, ADMIN, field_key="steps", field_label="Steps", field_kind="text")
    on_page(
        set_up,
        page_now(set_up),
        "settings_field_menu",
        block_id="settings_field_menu:bug",
        selected_option_value="bug:severity",
    )
    edit = pushed(set_up, "settings_type_field", 3)
    blocks = {b.get("block_id"): b for b in edit["blocks"]}
    assert blocks["field_options"]["element"]["initial_value"] == "Low\nHigh\nCritical"
    assert blocks["field_kind"]["element"]["initial_option"]["value"] == "select"
    submit(set_up, edit, ADMIN, field_remove=["remove"])
    assert [f["key"] for f in types_of(set_up)[0]["fields"]] == ["steps"]

    entries = set_up.runtime.workspace_settings.history(TEAM_ID)
    assert {e.section for e in entries[:4]} == {"request_types"}
    assert entries[0].changed_by == ADMIN


def test_type_errors_are_on_their_field(set_up: Liaison) -> None:
    page = open_page(set_up)
    add_type(set_up, page, 1, type_key="bug", type_name="Bug report")
    refused = add_type(set_up, page, 2, type_key="Bug report!", type_name="Bugs")
    assert list(refused["errors"]) == ["type_key"]
    refused = add_type(set_up, page, 3, type_key="bug", type_name="Bugs")
    assert refused["errors"] == {"type_key": '"bug" is used by #1 too'}
    refused = add_type(set_up, page, 4, type_key="feature", type_name="")
    assert list(refused["errors"]) == ["type_name"]
    assert [t["key"] for t in types_of(set_up)] == ["bug"]


def test_reorder_and_retire(set_up: Liaison) -> None:
    page = open_page(set_up)
    for count, (key, name) in enumerate((("bug", "Bug"), ("feature", "Feature")), 1):
        add_type(set_up, page, count, type_key=key, type_name=name)
    page = page_now(set_up)
    # The first type cannot move up, the last not down.
    menus = {
        b["block_id"]: [o["value"] for o in b["accessory"]["options"]]
        for b in page["blocks"]
        if b.get("block_id", "").startswith("settings_type_menu:")
    }
    assert menus == {
        "settings_type_menu:bug": ["edit:bug", "add_field:bug", "down:bug", "retire:bug"],
        "settings_type_menu:feature": [
            "edit:feature",
            "add_field:feature",
            "up:feature",
            "retire:feature",
        ],
    }

    type_menu(set_up, page, "up", "feature")
    assert [t["key"] for t in types_of(set_up)] == ["feature", "bug"]
    type_menu(set_up, page_now(set_up), "retire", "bug")
    assert types_of(set_up)[1]["retired"] is True
    config = set_up.runtime.config_for(TEAM_ID)
    assert [t.key for t in config.request_types_for("eng")] == ["feature"]
    assert [t.key for t in config.request_types_for("eng", retired=True)] == ["feature", "bug"]
    assert "*Bug* (`bug`) · retired" in texts(page_now(set_up)["blocks"])
    assert "~Bug~ (retired)" in texts(settings_of(open_home(set_up, ADMIN)))
    type_menu(set_up, page_now(set_up), "unretire", "bug")
    assert "retired" not in types_of(set_up)[1]

    # Editing keeps the key, the fields and the place.
    type_menu(set_up, page_now(set_up), "edit", "bug")
    form = pushed(set_up, "settings_type", 3)
    assert "type_key" not in [b.get("block_id") for b in form["blocks"]]
    submit(set_up, form, ADMIN, type_name="Bug report", type_description="")
    assert types_of(set_up)[1] == {"department": "eng", "key": "bug", "name": "Bug report"}


def test_the_departments_lead_may_and_nobody_else(set_up: Liaison) -> None:
    page = open_page(set_up, ENG_LEAD)
    assert action_ids(settings_of(open_home(set_up, ENG_LEAD))) == [
        "settings_edit_department",
        "settings_tracker",
        "settings_request_types",
    ]
    on_page(set_up, page, "settings_add_type", user=ENG_LEAD, value="eng")
    submit(set_up, pushed(set_up, "settings_type"), ENG_LEAD, type_key="bug", type_name="Bug")
    assert [t["key"] for t in types_of(set_up)] == ["bug"]

    # The sales lead sees no such button, and a forged click or form changes nothing.
    assert "settings_request_types" not in action_ids(settings_of(open_home(set_up, SALES_LEAD)))
    on_page(set_up, page, "settings_add_type", user=SALES_LEAD, value="eng")
    notice = set_up.fake.calls_to("views.push")[-1].params["view"]
    assert "Only workspace admins" in str(notice)
    type_menu_view = page_now(set_up)
    for user in (SALES_LEAD, SALES_REP):
        response = set_up.slack.block_action(
            user,
            "settings_type_menu",
            view=type_menu_view,
            block_id="settings_type_menu:bug",
            selected_option_value="retire:bug",
        )
        assert response.status_code == 200
        set_up.settle()
        forged = submit(set_up, pushed(set_up, "settings_type"), user, type_name="Hacked")
        assert forged["response_action"] == "errors"
    assert types_of(set_up) == [{"department": "eng", "key": "bug", "name": "Bug"}]


class TestFileManaged:
    """A config file manages the settings: the page shows the types, and changes nothing."""

    @pytest.fixture
    def config_text(self) -> str:
        from tests.conftest import DEFAULT_CONFIG
        from tests.slack.test_request_types import TYPES

        return DEFAULT_CONFIG + TYPES

    def test_the_page_is_read_only(self, liaison: Liaison) -> None:
        liaison.fake.users[ADMIN] = {"is_admin": True}
        page = open_page(liaison)
        assert "*Bug report* (`bug`)" in texts(page["blocks"])
        assert action_ids(page["blocks"]) == []
        on_page(liaison, page, "settings_add_type", value="eng")
        notice = liaison.fake.calls_to("views.push")[-1].params["view"]
        assert "config file" in str(notice)
        assert liaison.fake.calls_to("views.push", view=lambda v: "settings_type" in str(v)) == []


def test_options_too_long_for_the_form_are_kept_not_cut(set_up: Liaison) -> None:
    options = [f"{n:03d} " + "o" * 70 for n in range(100)]  # 7,600 characters in all
    table = {
        "department": "eng",
        "key": "bug",
        "name": "Bug",
        "fields": [{"key": "area", "label": "Area", "kind": "select", "options": options}],
    }
    store = set_up.runtime.workspace_settings
    assert store.change(TEAM_ID, "request_types", [table], by="cli") == []
    page = open_page(set_up)
    on_page(
        set_up,
        page,
        "settings_field_menu",
        block_id="settings_field_menu:bug",
        selected_option_value="bug:area",
    )
    form = pushed(set_up, "settings_type_field")
    blocks = {b.get("block_id"): b for b in form["blocks"]}
    assert "field_options" not in blocks
    assert "100 options are too long to edit here" in json.dumps(form["blocks"])
    answer = submit(
        set_up, form, ADMIN, field_key="area", field_label="Product area", field_kind="select"
    )
    assert answer == {}
    [field] = types_of(set_up)[0]["fields"]
    assert field["label"] == "Product area" and field["options"] == options
