"""Settings in Slack, through the front door: who sees the Settings section of the Home tab, and
who may open and submit its modals (a forged click or form from anyone else changes nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    DIGEST_CHANNEL,
    ENG_LEAD,
    ENGINEER,
    INTAKE_CHANNEL,
    SALES_LEAD,
    SALES_REP,
    STRANGER,
    TEAM_ID,
    Liaison,
)
from tests.fakes.slack.blockkit import view_errors
from tests.slack.helpers import opened_view
from tests.slack.test_home import open_home

ADMIN = "UADMIN"
OWNER = "UOWNER"
SALES = {
    "key": "sales",
    "name": "Sales",
    "role": "requester",
    "members": [SALES_REP],
    "leads": [SALES_LEAD],
}
ENG = {
    "key": "eng",
    "name": "Engineering",
    "role": "fulfiller",
    "intake_channel": INTAKE_CHANNEL,
    "members": [ENGINEER],
    "leads": [ENG_LEAD],
    "timezone": "Europe/Berlin",
}
DIGEST = {"channel": DIGEST_CHANNEL, "departments": ["sales", "eng"]}


@pytest.fixture
def config_text() -> None:
    return None  # settings made in Slack, not by a file


@pytest.fixture
def set_up(liaison: Liaison) -> Liaison:
    """Two departments and a digest, set in Slack; an admin and an owner."""
    liaison.fake.users[ADMIN] = {"is_admin": True}
    liaison.fake.users[OWNER] = {"is_owner": True, "is_primary_owner": True}
    store = liaison.runtime.workspace_settings
    assert store.change(TEAM_ID, "departments", [SALES, ENG], by="cli") == []
    assert store.change(TEAM_ID, "digests", [DIGEST], by="cli") == []
    return liaison


def settings_of(view: dict[str, Any]) -> list[dict[str, Any]]:
    """The blocks of the Settings section of a Home view (none when it has none)."""
    blocks = view["blocks"]
    for index, block in enumerate(blocks):
        if block["type"] == "header" and block["text"]["text"] == "Settings":
            return blocks[index:]
    return []


def texts(blocks: list[dict[str, Any]]) -> str:
    found = []
    for block in blocks:
        if block["type"] == "section":
            found.append(block["text"]["text"])
        elif block["type"] == "context":
            found += [e["text"] for e in block["elements"]]
    return "\n".join(found)


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    found = []
    for block in blocks:
        if block["type"] == "actions":
            found += [e["action_id"] for e in block["elements"]]
        elif "accessory" in block:
            found.append(block["accessory"]["action_id"])
    return found


def departments(liaison: Liaison) -> list[dict[str, Any]]:
    return liaison.runtime.workspace_settings.current(TEAM_ID).document.get("departments", [])


def click_open(
    liaison: Liaison, user: str, action_id: str, callback_id: str, value: str | None = None
) -> dict[str, Any]:
    """Open `user`'s Home, click `action_id` in its Settings; the modal opened."""
    home = open_home(liaison, user)
    before = len(
        liaison.fake.calls_to("views.open", view=lambda v: v.get("callback_id") == callback_id)
    )
    response = liaison.slack.block_action(user, action_id, value=value, view=home)
    assert response.status_code == 200
    view = opened_view(liaison, callback_id, count=before + 1)
    assert view_errors(view) == []
    return view


def submit(liaison: Liaison, view: dict[str, Any], user: str, **values: object) -> dict[str, Any]:
    """Submit `view` as `user`; Slack's answer ({} when the modal closes)."""
    response = liaison.slack.view_submission(view, user, values)
    assert response.status_code == 200, response.text
    liaison.settle()
    return response.json() if response.content else {}


# -- who sees Settings -------------------------------------------------------------------------


def test_admins_and_owners_see_settings_with_every_button(set_up: Liaison) -> None:
    for person in (ADMIN, OWNER):
        blocks = settings_of(open_home(set_up, person))
        shown = texts(blocks)
        assert "*Sales* · requester" in shown and "*Engineering* · fulfiller" in shown
        assert f"Intake: <#{INTAKE_CHANNEL}>" in shown and f"<@{ENG_LEAD}>" in shown
        assert "Europe/Berlin" in shown and f"Digest in <#{DIGEST_CHANNEL}>" in shown
        assert (
            "*Holidays:* none" in shown
            and "raising_hand" in shown
            and "unclaimed after 4h" in shown
        )
        assert action_ids(blocks) == [
            "settings_edit_department",
            "settings_edit_department",
            "settings_edit_digest",
            "settings_add_department",
            "settings_holidays",
            "settings_add_digest",
            "settings_reactions",
            "settings_nudges",
            "settings_history",
        ]
        assert "@channel" not in shown and "<!channel>" not in shown


def test_a_lead_sees_only_their_own_department(set_up: Liaison) -> None:
    blocks = settings_of(open_home(set_up, ENG_LEAD))
    assert "*Engineering*" in texts(blocks) and "*Sales*" not in texts(blocks)
    assert action_ids(blocks) == ["settings_edit_department"]


def test_others_see_no_settings(set_up: Liaison) -> None:
    for person in (SALES_REP, ENGINEER, STRANGER):
        assert settings_of(open_home(set_up, person)) == []


def test_a_guest_admin_flag_or_a_deleted_user_is_not_an_admin(set_up: Liaison) -> None:
    set_up.fake.users[STRANGER] = {"is_admin": True, "is_restricted": True}
    assert settings_of(open_home(set_up, STRANGER)) == []


class TestFileManaged:
    """Settings from the config file: shown, read-only, with a note naming the file."""

    @pytest.fixture
    def config_text(self, request: pytest.FixtureRequest) -> str:
        from tests.conftest import DEFAULT_CONFIG

        return DEFAULT_CONFIG

    def test_shown_read_only_naming_the_file(self, liaison: Liaison, config_path: Path) -> None:
        liaison.fake.users[ADMIN] = {"is_admin": True}
        blocks = settings_of(open_home(liaison, ADMIN))
        assert str(config_path.resolve()) in texts(blocks)
        assert action_ids(blocks) == ["settings_history"]
        lead = settings_of(open_home(liaison, ENG_LEAD))
        assert action_ids(lead) == [] and "*Engineering*" in texts(lead)
