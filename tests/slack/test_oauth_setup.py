"""A workspace installed through OAuth by someone who is not one of its admins: the installer sets
Liaison up in three steps from their Home, a member of that workspace files, and the card goes to
that workspace's intake channel with its own token; the other workspace stays as it was."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.models import Request, Workspace
from bot.slack.blocks.setup import NOT_SET_UP
from tests.conftest import (
    DIGEST_CHANNEL,
    ENG_LEAD,
    ENGINEER,
    INTAKE_CHANNEL,
    SALES_LEAD,
    SALES_REP,
    TEAM_ID,
    Inspector,
    Liaison,
)
from tests.fakes.signer import SlackClientSim
from tests.slack.helpers import file_request
from tests.slack.multi import install, slack_of

GLOBEX = "T0002"
INSTALLER = "UGLOBEXINSTALLER"  # a plain member of Globex: not an admin, not an owner
BYSTANDER = "UGLOBEXBYSTANDER"
GLOBEX_REP = "UGLOBEXREP"

ASKING = {"name": "Sales", "members": [GLOBEX_REP], "leads": [SALES_LEAD]}
DOING = {
    "name": "Engineering",
    "intake_channel": INTAKE_CHANNEL,
    "members": [ENGINEER],
    "leads": [ENG_LEAD],
}


@pytest.fixture
def oauth_mode() -> bool:
    return True


@pytest.fixture
def globex(liaison: Liaison) -> Iterator[SlackClientSim]:
    liaison.fake.add_team(GLOBEX, domain="globex")
    with slack_of(liaison, GLOBEX, "globex") as slack:
        yield slack


def texts(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"])


def buttons(view: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (element["action_id"], element["value"])
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def open_home(liaison: Liaison, slack: SlackClientSim, user: str) -> dict[str, Any]:
    before = len(liaison.fake.calls_to("views.publish", user_id=user))
    assert slack.app_home_opened(user).status_code == 200
    liaison.settle()
    calls = liaison.fake.calls_to("views.publish", user_id=user)
    assert len(calls) == before + 1, "the Home was not published"
    assert calls[-1].response["ok"], calls[-1].response
    return liaison.fake.home_tabs[user]


def click_home(liaison: Liaison, slack: SlackClientSim, user: str, action_id: str, value: str):
    home = liaison.fake.home_tabs.get(user) or {"type": "home", "blocks": []}
    assert slack.block_action(user, action_id, value=value, view=home).status_code == 200
    liaison.settle()


def save_step(
    liaison: Liaison, slack: SlackClientSim, user: str, step: str, values: dict[str, object]
) -> None:
    before = len(liaison.fake.calls_to("views.open"))
    click_home(liaison, slack, user, "setup_open", step)
    [opened] = liaison.fake.calls_to("views.open")[before:]
    assert opened.team_id == GLOBEX and opened.response["ok"], opened.response
    view = opened.response["view"]
    assert view["callback_id"] == f"setup_{step}"
    response = slack.view_submission(view, user, values)
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()


def test_the_installer_sets_their_workspace_up_and_its_member_files(
    liaison: Liaison, db: Inspector, globex: SlackClientSim
) -> None:
    assert install(liaison, TEAM_ID).status_code == 200  # and set up
    acme_card = file_request(liaison, db, title="Acme's own")
    acme_settings = liaison.runtime.workspace_settings.current(TEAM_ID)
    acme_home = texts(open_home(liaison, liaison.slack, SALES_REP))

    assert install(liaison, GLOBEX, INSTALLER, set_up=False).status_code == 200
    assert liaison.runtime.installer_of(GLOBEX) == INSTALLER
    fake_user = liaison.fake.users.get(INSTALLER, {})
    assert not fake_user.get("is_admin") and not fake_user.get("is_owner")

    # Meanwhile someone else in Globex only hears that it is not set up.
    home = open_home(liaison, globex, BYSTANDER)
    assert json.dumps(NOT_SET_UP)[1:-1] in texts(home) and buttons(home) == []

    home = open_home(liaison, globex, INSTALLER)
    assert "Set up Liaison" in texts(home)
    assert ("setup_open", "asking") in buttons(home)
    save_step(liaison, globex, INSTALLER, "asking", ASKING)
    save_step(liaison, globex, INSTALLER, "doing", DOING)
    save_step(liaison, globex, INSTALLER, "digest", {"channel": DIGEST_CHANNEL})
    assert ("setup_finish", "finish") in buttons(liaison.fake.home_tabs[INSTALLER])
    click_home(liaison, globex, INSTALLER, "setup_finish", "finish")
    assert "My requests" in texts(liaison.fake.home_tabs[INSTALLER])
    for call in liaison.fake.calls_to("views.publish", user_id=INSTALLER):
        assert call.team_id == GLOBEX

    settings = liaison.runtime.workspace_settings.current(GLOBEX)
    assert settings.source == "slack" and settings.config.is_set_up
    assert {entry.changed_by for entry in liaison.runtime.workspace_settings.history(GLOBEX)} == {
        INSTALLER
    }

    before = len(liaison.fake.calls_to("chat.postMessage", channel=INTAKE_CHANNEL))
    card = file_request(liaison, db, GLOBEX_REP, slack=globex, title="Globex's first")
    assert card.channel == INTAKE_CHANNEL
    [posted] = liaison.fake.calls_to("chat.postMessage", channel=INTAKE_CHANNEL)[before:]
    assert posted.team_id == GLOBEX and posted.response["ok"]
    assert posted.headers["authorization"] == f"Bearer {liaison.fake.team(GLOBEX).token}"
    assert "Globex's first" in json.dumps(liaison.fake.message(card.channel, card.ts))

    # Acme is as it was: its settings, its request and its Home.
    assert liaison.runtime.workspace_settings.current(TEAM_ID) == acme_settings
    rows = db.execute(
        select(Request.card_ts, Workspace.team_id).join(
            Workspace, Workspace.id == Request.workspace_id
        )
    )
    teams = {ts: team for ts, team in rows}
    assert teams == {acme_card.ts: TEAM_ID, card.ts: GLOBEX}
    assert texts(open_home(liaison, liaison.slack, SALES_REP)) == acme_home
