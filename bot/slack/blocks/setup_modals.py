"""The setup's modals (the asking team, the doing team, the digest), and reading a submitted one
back as the config file's table, with the store's problems put on the modal's fields."""

from __future__ import annotations

import json
from typing import Any

from bot.config import WEEKDAYS, Department, Digest, Problem
from bot.slack import text
from bot.slack.blocks.common import Block, input_block, option, plain
from bot.slack.blocks.fields import (
    channel_element,
    text_element,
    time_element,
    usergroup_element,
    users_element,
    weekday_checkboxes,
)
from bot.slack.blocks.forms import DAY_NAMES, ERROR_TEXT, ViewValues, weekday_options
from bot.slack.ids import Setup

DEFAULT_HOURS = ("09:00", "17:00")
DEFAULT_NAMES = {Setup.asking: "Sales", Setup.doing: "Engineering"}
TITLES = {Setup.asking: "The asking team", Setup.doing: "The doing team", Setup.digest: "Digest"}
_STEP_FIELDS = {
    Setup.asking: (Setup.name, Setup.members, Setup.usergroup, Setup.leads),
    Setup.doing: (
        Setup.name,
        Setup.intake_channel,
        Setup.members,
        Setup.usergroup,
        Setup.leads,
        Setup.timezone,
        Setup.opens,
        Setup.closes,
        Setup.workdays,
    ),
    Setup.digest: (Setup.channel, Setup.weekday, Setup.time, Setup.timezone),
}


def department_modal(
    step: str,
    department: Department | None,
    *,
    usergroups: list[tuple[str, str]],
    timezone: str,
) -> dict[str, Any]:
    """The modal of step `asking` or `doing`, showing `department` when it is saved already.
    `usergroups` are the workspace's (id, name) to pick from; `timezone` the default zone."""
    name = department.name if department else ""
    blocks: list[Block] = [
        input_block(
            Setup.name,
            "Name",
            text_element(name, placeholder=DEFAULT_NAMES[step]),
            hint=None,
        )
    ]
    if step == Setup.doing:
        blocks.append(
            input_block(
                Setup.intake_channel,
                "Intake channel",
                channel_element(department.intake_channel if department else None),
                hint="Request cards are posted here. Liaison joins a public channel itself;"
                " invite @Liaison to a private one first.",
            )
        )
    blocks.append(
        input_block(
            Setup.members,
            "Members",
            users_element(department.members if department else ()),
            hint="Leave empty: anyone in the workspace counts as a member.",
            optional=True,
        )
    )
    if usergroups:
        blocks.append(
            input_block(
                Setup.usergroup,
                "Or a user group",
                usergroup_element(usergroups, department.usergroup if department else None),
                hint="Its members count as members too.",
                optional=True,
            )
        )
    blocks.append(
        input_block(
            Setup.leads,
            "Leads",
            users_element(department.leads if department else ()),
            hint="They hear about escalations and see what needs attention.",
            optional=True,
        )
    )
    if step == Setup.doing:
        opens, closes = (
            (department.business_hours[:5], department.business_hours[6:])
            if department
            else DEFAULT_HOURS
        )
        zone = (department.timezone if department else None) or timezone
        workdays = department.workdays if department else WEEKDAYS[:5]
        blocks += [
            input_block(
                Setup.timezone,
                "Time zone",
                text_element(zone, placeholder="Europe/Berlin"),
                hint="Dates are counted in business days of this time zone.",
            ),
            input_block(Setup.opens, "Workday starts", time_element(opens)),
            input_block(Setup.closes, "Workday ends", time_element(closes)),
            input_block(Setup.workdays, "Workdays", weekday_checkboxes(workdays)),
        ]
    return _modal(step, blocks)


def digest_modal(digest: Digest | None, *, timezone: str) -> dict[str, Any]:
    """The modal of the digest step, showing `digest` when it is saved already."""
    weekday = digest.weekday if digest else "mon"
    blocks = [
        input_block(
            Setup.channel,
            "Channel",
            channel_element(digest.channel if digest else None),
            hint="Both teams' week is posted here. Invite @Liaison to a private channel first.",
        ),
        input_block(
            Setup.weekday,
            "Day",
            {
                "type": "static_select",
                "action_id": Setup.value,
                "options": weekday_options(),
                "initial_option": option(DAY_NAMES[weekday], weekday),
            },
        ),
        input_block(Setup.time, "Time", time_element(digest.time if digest else "09:00")),
        input_block(
            Setup.timezone,
            "Time zone",
            text_element((digest.timezone if digest else None) or timezone, "Europe/Berlin"),
        ),
    ]
    return _modal(Setup.digest, blocks)


def _modal(step: str, blocks: list[Block]) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": Setup.callback + step,
        "title": plain(TITLES[step]),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps({"step": step}),
        "blocks": blocks,
    }


def read_department(view: dict[str, Any], step: str) -> dict[str, Any]:
    """A submitted department modal as the config file's table (without its key and role)."""
    read = ViewValues(view)
    table: dict[str, Any] = {"name": read.text(Setup.name)}
    if step == Setup.doing:
        table["intake_channel"] = read.conversation(Setup.intake_channel)
    members, usergroup = read.users(Setup.members), read.chosen(Setup.usergroup)
    if members:
        table["members"] = members
    if usergroup:
        table["usergroup"] = usergroup
    table["leads"] = read.users(Setup.leads)
    if step == Setup.doing:
        table["timezone"] = read.text(Setup.timezone)
        table["business_hours"] = f"{read.time(Setup.opens)}-{read.time(Setup.closes)}"
        table["workdays"] = [day for day in WEEKDAYS if day in read.checked(Setup.workdays)]
    return {key: value for key, value in table.items() if value is not None}


def read_digest(view: dict[str, Any]) -> dict[str, Any]:
    """A submitted digest modal as the config file's table (without its departments)."""
    read = ViewValues(view)
    table = {
        "channel": read.conversation(Setup.channel),
        "weekday": read.chosen(Setup.weekday) or "mon",
        "time": read.time(Setup.time),
        "timezone": read.text(Setup.timezone),
    }
    return {key: value for key, value in table.items() if value is not None}


def step_errors(step: str, problems: list[Problem], index: int) -> dict[str, str]:
    """Problems found saving the step (its table at `index` of its section) as Slack's
    `response_action: errors` map: each on its field, the others on the first field."""
    fields = _STEP_FIELDS[step]
    section = "digests" if step == Setup.digest else "departments"
    errors: dict[str, str] = {}
    for problem in problems:
        loc = problem.loc
        field = loc[2] if len(loc) > 2 and loc[:2] == (section, index) else None
        if field == "business_hours":
            field = Setup.closes
        if field not in fields:
            field, message = fields[0], str(problem)
        else:
            message = problem.message
        errors.setdefault(str(field), text.plain(message, ERROR_TEXT))
    return errors
