"""Settings in Slack, through the front door: who sees the Settings section of the Home tab, and
who may open and submit its modals (a forged click or form from anyone else changes nothing)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.db.session import transaction
from bot.domain.requests import ensure_workspace
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
    finish_setup(liaison)
    return liaison


def finish_setup(liaison: Liaison) -> None:
    """As when an admin pressed "Finish setup": the Home shows Settings, not the first steps."""
    with transaction(liaison.runtime.sessions) as session:
        workspace = ensure_workspace(session, team_id=TEAM_ID, now=liaison.clock())
        workspace.setup_finished_at = liaison.clock()


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
            "settings_tracker",
            "settings_request_types",
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
    assert action_ids(blocks) == [
        "settings_edit_department",
        "settings_tracker",
        "settings_request_types",
    ]


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
        # The request types page opens read-only.
        assert action_ids(blocks) == ["settings_request_types", "settings_history"]
        lead = settings_of(open_home(liaison, ENG_LEAD))
        assert action_ids(lead) == ["settings_request_types"] and "*Engineering*" in texts(lead)

    def test_a_forged_edit_is_refused_naming_the_file(
        self, liaison: Liaison, config_path: Path
    ) -> None:
        liaison.fake.users[ADMIN] = {"is_admin": True}
        home = open_home(liaison, ADMIN)
        liaison.slack.block_action(
            ADMIN, "settings_holidays", value="holidays", view=home, block_id="settings_actions"
        )
        [call] = liaison.fake.wait_for("views.open")
        assert str(config_path.resolve()) in texts(call.params["view"]["blocks"])
        version = liaison.runtime.workspace_settings.current(TEAM_ID).version
        forged = {
            "id": "VFORGED",
            "type": "modal",
            "callback_id": "settings_holidays",
            "private_metadata": "{}",
            "blocks": [
                {
                    "type": "input",
                    "block_id": "holidays",
                    "label": {"type": "plain_text", "text": "Holidays"},
                    "element": {"type": "plain_text_input", "action_id": "value"},
                }
            ],
        }
        answer = submit(liaison, forged, ADMIN, holidays="2026-12-24")
        assert answer["response_action"] == "errors"
        assert str(config_path) in answer["errors"]["holidays"] or "Managed by" in str(answer)
        assert liaison.runtime.workspace_settings.current(TEAM_ID).version == version


# -- the department modal ----------------------------------------------------------------------


def history(liaison: Liaison) -> list[Any]:
    return liaison.runtime.workspace_settings.history(TEAM_ID)


def test_an_admin_edits_a_department(set_up: Liaison) -> None:
    view = click_open(set_up, ADMIN, "settings_edit_department", "settings_department", "eng")
    homes = len(set_up.fake.calls_to("views.publish", user_id=ADMIN))
    answer = submit(
        set_up,
        view,
        ADMIN,
        department_timezone="Asia/Tokyo",
        department_hours="08:00-16:00",
        department_workdays=["mon", "tue", "wed", "thu"],
        department_members=[ENGINEER, "UENG2"],
    )
    assert answer == {}
    eng = departments(set_up)[1]
    assert eng["timezone"] == "Asia/Tokyo" and eng["business_hours"] == "08:00-16:00"
    assert eng["workdays"] == ["mon", "tue", "wed", "thu"] and eng["members"] == [ENGINEER, "UENG2"]
    assert eng["intake_channel"] == INTAKE_CHANNEL and eng["leads"] == [ENG_LEAD]
    latest = history(set_up)[0]
    assert (latest.section, latest.changed_by) == ("departments", ADMIN)
    # The Home is published again, showing the change.
    calls = set_up.fake.wait_for("views.publish", count=homes + 1, user_id=ADMIN)
    assert "08:00-16:00" in texts(settings_of(calls[-1].params["view"]))


def test_bad_values_are_refused_on_their_fields(set_up: Liaison) -> None:
    view = click_open(set_up, ADMIN, "settings_edit_department", "settings_department", "eng")
    version = set_up.runtime.workspace_settings.current(TEAM_ID).version
    answer = submit(
        set_up, view, ADMIN, department_hours="17:00-09:00", department_usergroup="engineers"
    )
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"department_hours", "department_usergroup"}
    assert "start before the end" in answer["errors"]["department_hours"]
    assert "user group id" in answer["errors"]["department_usergroup"]
    answer = submit(set_up, view, ADMIN, department_role="fulfiller", department_intake=None)
    assert set(answer["errors"]) == {"department_intake"}
    assert set_up.runtime.workspace_settings.current(TEAM_ID).version == version


def test_an_admin_adds_a_department_in_a_channel_liaison_joins(set_up: Liaison) -> None:
    set_up.fake.add_channel("CDESIGN")
    view = click_open(set_up, ADMIN, "settings_add_department", "settings_department", "new")
    answer = submit(
        set_up,
        view,
        ADMIN,
        department_name="Design & Brand",
        department_role="both",
        department_intake="CDESIGN",
        department_leads=[ADMIN],
    )
    assert answer == {}
    design = departments(set_up)[2]
    assert design["key"] == "design-brand" and design["name"] == "Design & Brand"
    assert design["intake_channel"] == "CDESIGN" and "timezone" not in design
    set_up.fake.wait_for("conversations.join", channel="CDESIGN")


def test_a_private_channel_liaison_is_not_in_is_refused_on_the_field(set_up: Liaison) -> None:
    set_up.fake.add_channel("GSECRET", private=True, members=(ADMIN,))
    view = click_open(set_up, ADMIN, "settings_add_department", "settings_department", "new")
    values = {
        "department_name": "Legal",
        "department_role": "fulfiller",
        "department_intake": "GSECRET",
    }
    answer = submit(set_up, view, ADMIN, **values)
    assert "invite @Liaison" in answer["errors"]["department_intake"]
    assert len(departments(set_up)) == 2
    set_up.fake.invite("GSECRET")
    assert submit(set_up, view, ADMIN, **values) == {}
    assert departments(set_up)[2]["intake_channel"] == "GSECRET"


def test_a_lead_edits_their_own_department_only(set_up: Liaison) -> None:
    view = click_open(set_up, ENG_LEAD, "settings_edit_department", "settings_department", "eng")
    assert submit(set_up, view, ENG_LEAD, department_hours="10:00-18:00") == {}
    assert departments(set_up)[1]["business_hours"] == "10:00-18:00"
    assert history(set_up)[0].changed_by == ENG_LEAD

    # Another department, or a new one: a forged click is refused, and so is a forged form.
    home = open_home(set_up, ENG_LEAD)
    for action_id, value in (
        ("settings_edit_department", "sales"),
        ("settings_add_department", "new"),
    ):
        set_up.slack.block_action(ENG_LEAD, action_id, value=value, view=home)
        set_up.settle()
        shown = set_up.fake.calls_to("views.open")[-1].params["view"]
        assert "Only workspace admins" in texts(shown["blocks"])
    sales = click_open(set_up, ADMIN, "settings_edit_department", "settings_department", "sales")
    version = set_up.runtime.workspace_settings.current(TEAM_ID).version
    answer = submit(set_up, sales, ENG_LEAD, department_leads=[ENG_LEAD])
    assert "Only workspace admins" in answer["errors"]["department_name"]
    assert set_up.runtime.workspace_settings.current(TEAM_ID).version == version


def test_anyone_else_is_refused_and_nothing_changes(set_up: Liaison) -> None:
    view = click_open(set_up, ADMIN, "settings_edit_department", "settings_department", "eng")
    version = set_up.runtime.workspace_settings.current(TEAM_ID).version
    for person in (STRANGER, SALES_REP, ENGINEER):
        answer = submit(set_up, view, person, department_hours="06:00-07:00")
        assert "Only workspace admins" in answer["errors"]["department_name"], person
    assert set_up.runtime.workspace_settings.current(TEAM_ID).version == version

    # A forged click from someone Liaison knows nothing of yet: it checks, then refuses.
    opened = len(set_up.fake.calls_to("views.open"))
    set_up.slack.block_action("UNEWCOMER", "settings_add_department", value="new")
    set_up.settle()
    [checking] = set_up.fake.calls_to("views.open")[opened:]
    assert "Checking" in texts(checking.params["view"]["blocks"])
    update = set_up.fake.wait_for("views.update")[-1]
    assert "Only workspace admins" in texts(update.params["view"]["blocks"])


def test_an_admin_unknown_yet_gets_a_checking_modal_then_the_form(set_up: Liaison) -> None:
    set_up.slack.block_action(OWNER, "settings_add_department", value="new")
    set_up.settle()
    update = set_up.fake.wait_for("views.update")[-1]
    assert update.params["view"]["callback_id"] == "settings_department"


# -- holidays ----------------------------------------------------------------------------------


def test_an_admin_sets_the_holidays(set_up: Liaison) -> None:
    view = click_open(set_up, ADMIN, "settings_holidays", "settings_holidays", "holidays")
    answer = submit(set_up, view, ADMIN, holidays="2026-12-24\n2026-12-25, 2027-01-01")
    assert answer == {}
    assert set_up.runtime.config_for(TEAM_ID).organization.holidays[0].isoformat() == "2026-12-24"
    assert (history(set_up)[0].section, history(set_up)[0].changed_by) == ("holidays", ADMIN)
    view = click_open(set_up, ADMIN, "settings_holidays", "settings_holidays", "holidays")
    assert "2027-01-01" in str(view["blocks"])  # the modal shows them again

    answer = submit(set_up, view, ADMIN, holidays="2026-12-24\n2026-02-30")
    assert answer["response_action"] == "errors"
    assert "2026-02-30" in answer["errors"]["holidays"]
    assert len(set_up.runtime.config_for(TEAM_ID).organization.holidays) == 3


def test_a_lead_or_anyone_else_cannot_set_holidays(set_up: Liaison) -> None:
    view = click_open(set_up, ADMIN, "settings_holidays", "settings_holidays", "holidays")
    for person in (ENG_LEAD, STRANGER):
        answer = submit(set_up, view, person, holidays="2026-12-24")
        assert "Only workspace admins" in answer["errors"]["holidays"]
    assert set_up.runtime.config_for(TEAM_ID).organization.holidays == ()


# -- digests -----------------------------------------------------------------------------------


def digests(liaison: Liaison) -> list[dict[str, Any]]:
    return liaison.runtime.workspace_settings.current(TEAM_ID).document.get("digests", [])


def test_an_admin_adds_edits_and_removes_digests(set_up: Liaison) -> None:
    set_up.fake.add_channel("CLEADS")
    view = click_open(set_up, ADMIN, "settings_add_digest", "settings_digest", "new")
    answer = submit(
        set_up,
        view,
        ADMIN,
        digest_channel="CLEADS",
        digest_departments=["eng"],
        digest_weekday="fri",
        digest_time="16:30",
        digest_timezone="Europe/Berlin",
    )
    assert answer == {}
    assert digests(set_up)[1] == {
        "channel": "CLEADS",
        "departments": ["eng"],
        "weekday": "fri",
        "time": "16:30",
        "timezone": "Europe/Berlin",
    }
    set_up.fake.wait_for("conversations.join", channel="CLEADS")

    view = click_open(set_up, ADMIN, "settings_edit_digest", "settings_digest", "1")
    assert submit(set_up, view, ADMIN, digest_time="08:00") == {}
    assert digests(set_up)[1]["time"] == "08:00" and digests(set_up)[1]["weekday"] == "fri"

    view = click_open(set_up, ADMIN, "settings_edit_digest", "settings_digest", "0")
    assert submit(set_up, view, ADMIN, digest_remove=["remove"]) == {}
    assert [d["channel"] for d in digests(set_up)] == ["CLEADS"]
    assert [e.section for e in history(set_up)[:3]] == ["digests"] * 3


def test_bad_digest_values_are_refused_on_their_fields(set_up: Liaison) -> None:
    set_up.fake.add_channel("GPRIVATE", private=True)
    view = click_open(set_up, ADMIN, "settings_add_digest", "settings_digest", "new")
    answer = submit(set_up, view, ADMIN, digest_channel=DIGEST_CHANNEL, digest_time="9:5")
    assert set(answer["errors"]) == {"digest_departments", "digest_time"}
    answer = submit(set_up, view, ADMIN, digest_channel="GPRIVATE", digest_departments=["sales"])
    assert "invite @Liaison" in answer["errors"]["digest_channel"]
    assert len(digests(set_up)) == 1


def test_only_admins_change_digests(set_up: Liaison) -> None:
    view = click_open(set_up, ADMIN, "settings_edit_digest", "settings_digest", "0")
    for person in (ENG_LEAD, SALES_LEAD, STRANGER):
        answer = submit(set_up, view, person, digest_remove=["remove"])
        assert "Only workspace admins" in answer["errors"]["digest_channel"]
    assert len(digests(set_up)) == 1


# -- reactions ---------------------------------------------------------------------------------


def test_an_admin_names_the_reactions(set_up: Liaison) -> None:
    view = click_open(set_up, ADMIN, "settings_reactions", "settings_reactions", "reactions")
    answer = submit(
        set_up, view, ADMIN, reactions_claim=":eyes: raising_hand", reactions_deliver="rocket"
    )
    assert answer == {}
    reactions = set_up.runtime.config_for(TEAM_ID).reactions
    assert reactions.claim == ("eyes", "raising_hand") and reactions.deliver == ("rocket",)
    assert reactions.needs_info == ("question",)  # left as it was
    assert history(set_up)[0].section == "reactions"


def test_a_reaction_used_twice_or_misspelt_is_refused_on_its_field(set_up: Liaison) -> None:
    view = click_open(set_up, ADMIN, "settings_reactions", "settings_reactions", "reactions")
    answer = submit(set_up, view, ADMIN, reactions_decline="question", reactions_deliver="a:b")
    assert set(answer["errors"]) == {"reactions_decline", "reactions_deliver"}
    assert "already used for needs_info" in answer["errors"]["reactions_decline"]
    assert "without colons" in answer["errors"]["reactions_deliver"]
    assert set_up.runtime.config_for(TEAM_ID).reactions.decline == ("no_entry_sign",)
    assert submit(set_up, view, STRANGER, reactions_claim="eyes")["errors"]
    assert set_up.runtime.config_for(TEAM_ID).reactions.claim == ("raising_hand",)


# -- nudge thresholds --------------------------------------------------------------------------


def test_an_admin_sets_nudge_thresholds(set_up: Liaison) -> None:
    view = click_open(set_up, ADMIN, "settings_nudges", "settings_nudges", "nudges")
    answer = submit(set_up, view, ADMIN, nudges_unclaimed_after="2h", nudges_cooldown="1d 4h")
    assert answer == {}
    document = set_up.runtime.workspace_settings.current(TEAM_ID).document
    assert document["nudges"] == {"unclaimed_after": "2h", "cooldown": "1d 4h"}
    assert str(set_up.runtime.config_for(TEAM_ID).nudges.cooldown) == "1d4h"
    [entry] = [e for e in history(set_up) if e.section == "nudges"]
    assert entry.changed_by == ADMIN and entry.after == document["nudges"]


def test_a_threshold_that_is_not_a_duration_is_refused_on_its_field(set_up: Liaison) -> None:
    view = click_open(set_up, ADMIN, "settings_nudges", "settings_nudges", "nudges")
    answer = submit(set_up, view, ADMIN, nudges_needs_info_after="soon", nudges_cooldown="0h")
    assert set(answer["errors"]) == {"nudges_needs_info_after", "nudges_cooldown"}
    assert "longer than zero" in answer["errors"]["nudges_cooldown"]
    assert "nudges" not in set_up.runtime.workspace_settings.current(TEAM_ID).document
    assert "Only workspace admins" in str(submit(set_up, view, ENG_LEAD, nudges_cooldown="2d"))


# -- the settings history ----------------------------------------------------------------------


def test_the_history_lists_changes_newest_first_with_who_and_what(set_up: Liaison) -> None:
    store = set_up.runtime.workspace_settings
    assert store.change(TEAM_ID, "holidays", ["2026-12-25"], by=ADMIN) == []
    eng = {**ENG, "business_hours": "10:00-18:00"}
    assert store.change(TEAM_ID, "departments", [SALES, eng], by=ENG_LEAD) == []
    view = click_open(set_up, ADMIN, "settings_history", "settings_history", "0")
    lines = texts(view["blocks"]).splitlines()
    assert f"<@{ENG_LEAD}> changed *Departments*: Engineering: business_hours" in lines[0]
    assert f"<@{ADMIN}> changed *Holidays*: added 2026-12-25" in lines[1]
    assert "The command line changed *Digests*" in lines[2]
    assert "<!date^" in lines[0] and "@channel" not in str(view)


def test_the_history_pages_within_block_kit_limits(set_up: Liaison) -> None:
    store = set_up.runtime.workspace_settings
    for number in range(45):
        day = f"2027-01-{number % 28 + 1:02d}"
        assert store.change(TEAM_ID, "holidays", [day] if number % 2 else [], by=ADMIN) == []
    view = click_open(set_up, ADMIN, "settings_history", "settings_history", "0")
    assert len(view["blocks"]) == 21 and view_errors(view) == []
    assert action_ids(view["blocks"]) == ["settings_history_page"]
    set_up.slack.block_action(ADMIN, "settings_history_page", value="1", view=view)
    set_up.settle()
    page = set_up.fake.wait_for("views.update")[-1].params["view"]
    assert len(page["blocks"]) == 21 and view_errors(page) == []
    assert [e["text"]["text"] for e in page["blocks"][-1]["elements"]] == ["Newer", "Older"]


def test_only_admins_see_the_history(set_up: Liaison) -> None:
    home = open_home(set_up, ENG_LEAD)
    set_up.slack.block_action(ENG_LEAD, "settings_history", value="0", view=home)
    set_up.settle()
    shown = set_up.fake.wait_for("views.open")[-1].params["view"]
    assert "Only workspace admins" in texts(shown["blocks"])


# -- a slow Slack ------------------------------------------------------------------------------


def test_a_slow_users_info_never_holds_up_the_modal_or_the_answer(set_up: Liaison) -> None:
    fake = set_up.fake
    fake.slow_down("users.info", 2.5, user=OWNER)
    set_up.slack.block_action(OWNER, "settings_add_department", value="new")
    set_up.settle()
    methods = [call.method for call in fake.calls]
    # The trigger was used at once, before Slack said who the owner is; then the form came.
    assert methods.index("views.open") < methods.index("users.info")
    assert "Checking" in texts(fake.calls_to("views.open")[-1].params["view"]["blocks"])
    update = fake.wait_for("views.update")[-1]
    assert update.params["view"]["callback_id"] == "settings_department"

    # A form sent by someone Slack is slow to tell about: nothing changes, and they are
    # asked to send it again rather than told they may not.
    view = click_open(set_up, ADMIN, "settings_edit_department", "settings_department", "eng")
    fake.slow_down("users.info", 2.5, user="UADMIN2")
    answer = submit(set_up, view, "UADMIN2", department_hours="06:00-07:00")
    assert "didn't confirm in time" in answer["errors"]["department_name"]
    assert departments(set_up)[1].get("business_hours") is None
