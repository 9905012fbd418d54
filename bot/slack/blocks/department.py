"""The department modal: one department's settings, a new one or one to edit, with pickers for
its channel and people. `department_modal` builds it, `read_department` turns a submission
into the department's table in the config file's shape, and `FIELDS` places problems."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.config.models import WEEKDAYS, Department, Role
from bot.slack.blocks.common import Block, option, plain
from bot.slack.blocks.fields import channel_element, users_element, weekday_checkboxes
from bot.slack.blocks.forms import (
    field,
    read_conversation,
    read_option,
    read_options,
    read_text,
    read_users,
    text_input,
    zone_select,
)
from bot.slack.ids import SettingsIds

NAME = "department_name"
ROLE = "department_role"
INTAKE = "department_intake"
MEMBERS = "department_members"
USERGROUP = "department_usergroup"
LEADS = "department_leads"
ZONE = "department_timezone"
HOURS = "department_hours"
WORKDAYS = "department_workdays"

# The config file's name of each field -> the block it is edited in.
FIELDS = {
    "key": NAME,
    "name": NAME,
    "role": ROLE,
    "intake_channel": INTAKE,
    "members": MEMBERS,
    "usergroup": USERGROUP,
    "leads": LEADS,
    "timezone": ZONE,
    "business_hours": HOURS,
    "workdays": WORKDAYS,
}
_ROLES = {
    Role.REQUESTER: "Asks for work (requester)",
    Role.FULFILLER: "Does the work (fulfiller)",
    Role.BOTH: "Both",
}
NAME_LENGTH = 100


def department_modal(
    department: Department | None,
    *,
    callback_id: str = SettingsIds.department_callback,
    metadata: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The modal for `department` (None: a new one). Its private_metadata holds `metadata` and
    the department's key, so a submission edits the department the modal was opened for."""
    d = department
    role: dict[str, Any] = {
        "type": "static_select",
        "options": [option(label, role.value) for role, label in _ROLES.items()],
    }
    if d is not None:
        role["initial_option"] = option(_ROLES[d.role], d.role.value)
    # The pickers the setup's department steps show too.
    intake = channel_element(d.intake_channel if d else None)
    members, leads = users_element(d.members if d else ()), users_element(d.leads if d else ())
    days = weekday_checkboxes(d.workdays if d is not None else WEEKDAYS[:5])
    blocks: list[Block] = [
        field(NAME, "Name", text_input(d.name if d else None, max_length=NAME_LENGTH)),
        field(ROLE, "What it does with requests", role),
        field(
            INTAKE,
            "Intake channel",
            intake,
            optional=True,
            hint="Where request cards are posted: needed by a team that does the work.",
        ),
        field(
            MEMBERS,
            "Members",
            members,
            optional=True,
            hint="Leave members and user group empty to count everyone in.",
        ),
        field(
            USERGROUP,
            "User group id",
            text_input(d.usergroup if d else None, placeholder="S0123ABCD", max_length=20),
            optional=True,
        ),
        field(LEADS, "Leads", leads, optional=True),
        field(ZONE, "Time zone", zone_select(d.timezone if d else None), optional=True),
        field(
            HOURS,
            "Business hours",
            text_input(d.business_hours if d else "09:00-17:00", max_length=11),
            hint='Like "09:00-17:00".',
        ),
        field(WORKDAYS, "Workdays", days),
    ]
    return {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain("Edit department" if d else "Add department"),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps({**(metadata or {}), "key": d.key if d else None}),
        "blocks": blocks,
    }


def read_department(view: Mapping[str, Any], key: str) -> dict[str, Any]:
    """The department a submitted modal describes, in the config file's shape, with `key`.
    Fields left empty are left out (they take their defaults)."""
    table: dict[str, Any] = {"key": key, "name": read_text(view, NAME)}
    table["role"] = read_option(view, ROLE) or ""
    optional = {
        "intake_channel": read_conversation(view, INTAKE),
        "members": read_users(view, MEMBERS),
        "usergroup": read_text(view, USERGROUP),
        "leads": read_users(view, LEADS),
        "timezone": read_option(view, ZONE),
        "business_hours": read_text(view, HOURS),
    }
    table.update({name: value for name, value in optional.items() if value})
    table["workdays"] = [day for day in WEEKDAYS if day in read_options(view, WORKDAYS)]
    return table


def new_key(name: str, taken: set[str]) -> str:
    """A key for a new department named `name`: its words in lower case, joined by "-", not one
    of `taken`."""
    base = "-".join(re.findall(r"[a-z0-9]+", name.lower()))[:40] or "department"
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key
