"""Slack's subteam events keep the user groups' members in the database current between two
`refresh-usergroups` passes."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.domain.models import UsergroupRead
from tests.conftest import TEAM_ID, Liaison
from tests.jobs.test_usergroups import members
from tests.slack.helpers import current, ephemerals_to, file_request, react

NEWCOMER = "UENGNEW"


def members_changed(liaison: Liaison, usergroup: str = "SENG", **change: list[str]) -> None:
    event = {
        "type": "subteam_members_changed",
        "subteam_id": usergroup,
        "team_id": TEAM_ID,
        "date_previous_update": 1446670362,
        "date_update": 1492906952,
        "added_users": change.get("added", []),
        "added_users_count": str(len(change.get("added", []))),
        "removed_users": change.get("removed", []),
        "removed_users_count": str(len(change.get("removed", []))),
    }
    assert liaison.slack.event(event).status_code == 200
    liaison.settle()


def subteam_updated(liaison: Liaison, users: list[str], **fields: Any) -> None:
    subteam = {
        "id": "SENG",
        "team_id": TEAM_ID,
        "is_usergroup": True,
        "is_subteam": True,
        "name": "Engineering",
        "handle": "eng",
        "date_delete": 0,
        "users": users,
        "user_count": len(users),
        **fields,
    }
    assert liaison.slack.event({"type": "subteam_updated", "subteam": subteam}).status_code == 200
    liaison.settle()


def test_members_changed_events_add_and_remove_people(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    react(liaison, card, NEWCOMER, "raising_hand")
    assert "Only members of Engineering" in ephemerals_to(liaison, NEWCOMER)[0]

    members_changed(liaison, added=[NEWCOMER])

    assert members(db) == {NEWCOMER}
    react(liaison, card, NEWCOMER, "raising_hand")
    assert current(db, card).claimer_id == NEWCOMER
    members_changed(liaison, removed=[NEWCOMER])
    assert members(db) == set()
    assert len(liaison.fake.calls_to("usergroups.users.list")) == 1  # the read at start


def test_subteam_updated_replaces_the_members(liaison: Liaison, db) -> None:
    members_changed(liaison, added=["UENGA"])

    subteam_updated(liaison, ["UENGB", "UENGC"])
    assert members(db) == {"UENGB", "UENGC"}

    # Slack lists at most 500 users in the event: a partial list only adds.
    subteam_updated(liaison, ["UENGD"], user_count=501)
    assert members(db) == {"UENGB", "UENGC", "UENGD"}

    # A disabled group makes nobody a member.
    subteam_updated(liaison, ["UENGB"], date_delete=1700000000)
    assert members(db) == set()


def test_events_about_other_groups_or_unread_groups_change_nothing(liaison: Liaison, db) -> None:
    members_changed(liaison, usergroup="SOTHER", added=["UENGA"])
    assert db.scalars(select(UsergroupRead.usergroup_id)).all() == ["SENG"]
    assert members(db, "SOTHER") == set()


@pytest.mark.parametrize("read_usergroups_at_start", [False])
def test_a_change_to_a_group_never_read_waits_for_the_refresh(liaison: Liaison, db) -> None:
    # A change alone does not say who else is in the group: it stays unknown until read.
    members_changed(liaison, added=["UENGA"])

    assert db.scalars(select(UsergroupRead)).all() == []
    assert members(db) == set()


def test_a_duplicated_event_is_applied_once(liaison: Liaison, db) -> None:
    event = {
        "type": "subteam_members_changed",
        "subteam_id": "SENG",
        "team_id": TEAM_ID,
        "added_users": ["UENGA"],
        "removed_users": [],
    }
    liaison.slack.event(event, event_id="Ev0GROUP1")
    liaison.settle()
    members_changed(liaison, removed=["UENGA"])
    liaison.slack.event(event, event_id="Ev0GROUP1", retry_num=1)
    liaison.settle()
    assert members(db) == set()
