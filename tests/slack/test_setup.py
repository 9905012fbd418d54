"""A first run with no config file, through the front door: a workspace admin sets Liaison up in
three steps on the Home tab, a member files the first request, and nobody else can set it up."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.domain.models import Workspace
from bot.slack.blocks.setup import NOT_SET_UP
from bot.slack.listeners.setup import ONLY_ADMINS, PRIVATE_CHANNEL
from tests.conftest import (
    DIGEST_CHANNEL,
    ENG_LEAD,
    ENGINEER,
    INTAKE_CHANNEL,
    SALES_LEAD,
    SALES_REP,
    SALES_REP_2,
    STRANGER,
    TEAM_ID,
    Inspector,
    Liaison,
)
from tests.slack.helpers import file_request, opened_view
from tests.slack.test_home import open_home

ADMIN = "UADMIN"
OWNER = "UOWNER"
PRIVATE = "CSECRET"

ASKING = {"name": "Sales", "members": [SALES_REP], "leads": [SALES_LEAD]}
DOING = {
    "name": "Engineering",
    "intake_channel": INTAKE_CHANNEL,
    "members": [ENGINEER],
    "leads": [ENG_LEAD],
}


@pytest.fixture
def config_text() -> None:
    return None  # a fresh checkout: no config file at all


@pytest.fixture(autouse=True)
def admins(liaison: Liaison) -> None:
    liaison.fake.users[ADMIN] = {"is_admin": True, "tz": "Europe/Berlin"}
    liaison.fake.users[OWNER] = {"is_owner": True, "is_primary_owner": True}
    liaison.fake.channels.add(PRIVATE)
    liaison.fake.private_channels.add(PRIVATE)


def texts(view: dict[str, Any]) -> str:
    return json.dumps(view["blocks"])


def buttons(view: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        (element["action_id"], element["value"])
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def click_home(liaison: Liaison, user: str, action_id: str, value: str) -> None:
    """Click a button of `user`'s Home tab as Slack sends it (the view it was clicked in)."""
    home = liaison.fake.home_tabs.get(user) or {"type": "home", "blocks": []}
    response = liaison.slack.block_action(user, action_id, value=value, view=home)
    assert response.status_code == 200
    liaison.settle()


def save_step(
    liaison: Liaison, user: str, step: str, values: dict[str, object], *, opened_by: str = ADMIN
) -> httpx.Response:
    """`opened_by` opens the step's modal from their Home; `user` submits it with `values`."""
    before = len(liaison.fake.calls_to("views.open"))
    click_home(liaison, opened_by, "setup_open", step)
    view = opened_view(liaison, f"setup_{step}", count=1 + _opened(liaison, step, before))
    response = liaison.slack.view_submission(view, user, values)
    assert response.status_code == 200
    liaison.settle()
    return response


def _opened(liaison: Liaison, step: str, before: int) -> int:
    """How many of this step's modals were opened before the click (to wait for the next)."""
    earlier = liaison.fake.calls_to("views.open")[:before]
    return sum(1 for c in earlier if c.params["view"].get("callback_id") == f"setup_{step}")


def errors_of(response: httpx.Response) -> dict[str, str]:
    body = response.json()
    assert body["response_action"] == "errors", body
    return body["errors"]


def test_an_admin_sets_liaison_up_and_a_member_files_the_first_request(
    liaison: Liaison, db: Inspector
) -> None:
    home = open_home(liaison, ADMIN)
    assert "Set up Liaison" in texts(home)
    assert ("setup_open", "asking") in buttons(home) and ("setup_open", "doing") in buttons(home)
    assert "Comes after steps 1 and 2" in texts(home)

    assert save_step(liaison, ADMIN, "asking", ASKING).text == ""
    home = liaison.fake.home_tabs[ADMIN]
    assert "*Sales*" in texts(home) and f"<@{SALES_REP}>" in texts(home)

    # The doing team's time zone defaults to the admin's own, its hours and days to a work week.
    click_home(liaison, ADMIN, "setup_open", "doing")
    modal = opened_view(liaison, "setup_doing")
    initial = {b["block_id"]: b["element"] for b in modal["blocks"]}
    assert initial["timezone"]["initial_value"] == "Europe/Berlin"
    assert (initial["opens"]["initial_time"], initial["closes"]["initial_time"]) == (
        "09:00",
        "17:00",
    )
    assert [o["value"] for o in initial["workdays"]["initial_options"]] == [
        "mon",
        "tue",
        "wed",
        "thu",
        "fri",
    ]
    response = liaison.slack.view_submission(modal, ADMIN, DOING)
    assert response.status_code == 200 and response.text == ""
    liaison.settle()
    assert liaison.fake.calls_to("conversations.join", channel=INTAKE_CHANNEL)
    home = liaison.fake.home_tabs[ADMIN]
    assert f"<#{INTAKE_CHANNEL}>" in texts(home) and "Europe/Berlin" in texts(home)
    assert ("setup_skip", "digest") in buttons(home)

    # The digest: Mondays at 09:00 unless changed.
    click_home(liaison, ADMIN, "setup_open", "digest")
    digest_modal = opened_view(liaison, "setup_digest")
    initial = {b["block_id"]: b["element"] for b in digest_modal["blocks"]}
    assert initial["weekday"]["initial_option"]["value"] == "mon"
    assert initial["time"]["initial_time"] == "09:00"
    response = liaison.slack.view_submission(digest_modal, ADMIN, {"channel": DIGEST_CHANNEL})
    assert response.status_code == 200 and response.text == ""
    liaison.settle()
    home = liaison.fake.home_tabs[ADMIN]
    assert f"<#{DIGEST_CHANNEL}>, Mondays at 09:00 Europe/Berlin" in texts(home)
    assert ("setup_finish", "finish") in buttons(home)

    click_home(liaison, ADMIN, "setup_finish", "finish")
    assert "My requests" in texts(liaison.fake.home_tabs[ADMIN])  # the usual Home now
    assert db.scalar(select(Workspace.setup_finished_at)) is not None

    settings = liaison.runtime.workspace_settings.current(TEAM_ID)
    assert settings.source == "slack"
    assert settings.config.organization.timezone == "Europe/Berlin"  # the admin's own
    assert [(d.key, d.role.value) for d in settings.config.departments] == [
        ("sales", "requester"),
        ("engineering", "fulfiller"),
    ]
    [digest] = settings.config.digests
    assert digest.departments == ("sales", "engineering")
    history = liaison.runtime.workspace_settings.history(TEAM_ID)
    assert {entry.changed_by for entry in history} == {ADMIN}

    card = file_request(liaison, db, title="The first request")
    assert card.channel == INTAKE_CHANNEL
    assert "The first request" in json.dumps(liaison.fake.message(card.channel, card.ts))


def test_someone_else_sees_who_can_set_liaison_up_and_cannot_do_it(
    liaison: Liaison, db: Inspector
) -> None:
    home = open_home(liaison, STRANGER)
    assert json.dumps(NOT_SET_UP)[1:-1] in texts(home)
    assert buttons(home) == []

    # A forged click opens nothing, and a forged submission (of the admin's modal) saves nothing.
    click_home(liaison, STRANGER, "setup_open", "asking")
    liaison.fake.assert_no_call("views.open")
    response = save_step(liaison, STRANGER, "asking", ASKING)
    assert errors_of(response) == {"name": ONLY_ADMINS}
    assert liaison.runtime.workspace_settings.current(TEAM_ID).version == 0
    assert STRANGER not in {c.params["user_id"] for c in liaison.fake.calls_to("views.publish")[1:]}

    # An owner may: and once people can file, the stranger's Home is the usual one.
    assert save_step(liaison, OWNER, "asking", ASKING, opened_by=OWNER).text == ""
    assert save_step(liaison, OWNER, "doing", DOING, opened_by=OWNER).text == ""
    assert "My requests" in texts(liaison.fake.home_tabs[STRANGER])  # published again at once
    click_home(liaison, STRANGER, "setup_skip", "digest")
    assert db.scalar(select(Workspace.setup_finished_at)) is None
    assert "My requests" in texts(open_home(liaison, STRANGER))
    assert "Set up Liaison" in texts(open_home(liaison, OWNER))  # until the owner finishes


def test_skipping_the_digest_finishes_the_setup(liaison: Liaison, db: Inspector) -> None:
    open_home(liaison, ADMIN)
    save_step(liaison, ADMIN, "asking", {"name": "Sales"})
    save_step(liaison, ADMIN, "doing", DOING)
    click_home(liaison, ADMIN, "setup_skip", "digest")
    assert "My requests" in texts(liaison.fake.home_tabs[ADMIN])
    assert "My requests" in texts(open_home(liaison, ADMIN))
    assert liaison.runtime.workspace_settings.config_for(TEAM_ID).digests == ()
    sales = liaison.runtime.workspace_settings.config_for(TEAM_ID).department("sales")
    assert sales.open_to_everyone  # no members picked: anyone in the workspace


def test_a_bad_value_shows_on_its_field_and_saves_nothing(liaison: Liaison) -> None:
    open_home(liaison, ADMIN)
    save_step(liaison, ADMIN, "asking", ASKING)
    version = liaison.runtime.workspace_settings.current(TEAM_ID).version

    response = save_step(
        liaison, ADMIN, "doing", {**DOING, "timezone": "Mars/Olympus", "opens": "18:00"}
    )
    assert errors_of(response) == {
        "timezone": 'unknown time zone "Mars/Olympus"',
        "closes": 'not "HH:MM-HH:MM" with the start before the end: "18:00-17:00"',
    }
    response = save_step(liaison, ADMIN, "doing", {**DOING, "workdays": []})
    assert errors_of(response) == {"workdays": "must not be empty"}
    assert liaison.runtime.workspace_settings.current(TEAM_ID).version == version

    # Editing a saved step keeps its department (and its key), with the new values.
    response = save_step(liaison, ADMIN, "asking", {**ASKING, "name": "Sales & Success"})
    assert response.text == ""
    [sales] = liaison.runtime.workspace_settings.config_for(TEAM_ID).departments
    assert (sales.key, sales.name) == ("sales", "Sales & Success")


def test_a_channel_liaison_cannot_join_says_so_on_the_field(liaison: Liaison) -> None:
    open_home(liaison, ADMIN)
    save_step(liaison, ADMIN, "asking", ASKING)

    response = save_step(liaison, ADMIN, "doing", {**DOING, "intake_channel": PRIVATE})
    assert errors_of(response) == {"intake_channel": PRIVATE_CHANNEL}
    assert not liaison.runtime.workspace_settings.config_for(TEAM_ID).is_set_up

    liaison.fake.channel_members[PRIVATE] = {liaison.fake.bot_user_id}  # /invite @Liaison
    response = save_step(liaison, ADMIN, "doing", {**DOING, "intake_channel": PRIVATE})
    assert response.text == ""
    config = liaison.runtime.workspace_settings.config_for(TEAM_ID)
    assert config.department("engineering").intake_channel == PRIVATE


def test_members_from_a_user_group_can_file_at_once(liaison: Liaison, db: Inspector) -> None:
    liaison.fake.usergroups["SSALES"] = [SALES_REP_2]
    open_home(liaison, ADMIN)
    click_home(liaison, ADMIN, "setup_open", "asking")
    modal = opened_view(liaison, "setup_asking")
    [menu] = [b["element"] for b in modal["blocks"] if b["block_id"] == "usergroup"]
    assert {"SSALES", "SENG"} <= {o["value"] for o in menu["options"]}
    response = liaison.slack.view_submission(modal, ADMIN, {"name": "Sales", "usergroup": "SSALES"})
    assert response.text == ""
    liaison.settle()
    assert "<!subteam^SSALES>" in texts(liaison.fake.home_tabs[ADMIN])
    save_step(liaison, ADMIN, "doing", DOING)

    card = file_request(liaison, db, user=SALES_REP_2)
    assert card.channel == INTAKE_CHANNEL
