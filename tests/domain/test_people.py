"""Membership rules when a user group's members may not have been read yet."""

from __future__ import annotations

import tomllib

import pytest

from bot.config import parse_config
from bot.domain.people import Directory, MembershipUnknown

CONFIG = parse_config(
    tomllib.loads(
        """
[[departments]]
key = "sales"
name = "Sales"
role = "requester"
members = ["UNAMED"]
usergroup = "SSALES"

[[departments]]
key = "partners"
name = "Partners"
role = "requester"

[[departments]]
key = "eng"
name = "Engineering"
role = "fulfiller"
intake_channel = "CINTAKE"
usergroup = "SENG"
leads = ["ULEAD"]
"""
    )
)
SALES, PARTNERS, ENG = CONFIG.departments


def directory(**groups: frozenset[str] | None) -> Directory:
    return Directory(CONFIG, lambda usergroup: groups.get(usergroup))


def test_people_named_in_the_configuration_need_no_group() -> None:
    unread = directory()
    assert unread.is_member("UNAMED", SALES) and unread.is_member("ULEAD", ENG)


def test_an_unread_group_is_not_an_empty_one() -> None:
    with pytest.raises(MembershipUnknown) as raised:
        directory().is_member("USOMEONE", ENG)
    assert raised.value.usergroup == "SENG"
    assert directory(SENG=frozenset()).is_member("USOMEONE", ENG) is False
    assert directory(SENG=frozenset({"USOMEONE"})).is_member("USOMEONE", ENG) is True


def test_who_files_for_which_department() -> None:
    read = directory(SSALES=frozenset({"UGROUP"}))
    assert read.requesting_department_for("UGROUP") is SALES
    # Someone in no group falls to the department open to everyone, once every group is read.
    assert read.requesting_department_for("UANYONE") is PARTNERS
    assert directory().requesting_department_for("UNAMED") is SALES
    with pytest.raises(MembershipUnknown):
        directory().requesting_department_for("UANYONE")
