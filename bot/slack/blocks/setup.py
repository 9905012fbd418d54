"""The setup on the Home tab of a workspace that is not set up yet: what its admins and owners see
(three steps, each a button opening its modal, each saved one shown with its values) and what
everyone else sees (who can set Liaison up). The steps' modals are in setup_modals.py."""

from __future__ import annotations

from typing import Any

from bot.config import Department, Digest, LiaisonConfig
from bot.slack import text
from bot.slack.blocks.common import (
    Block,
    actions,
    button,
    channel,
    context,
    divider,
    header,
    section,
    user,
)
from bot.slack.blocks.forms import DAY_NAMES
from bot.slack.ids import Setup

# Until a department can ask and one can do the work; `/request` says the same.
NOT_SET_UP = (
    "Liaison isn't set up in this workspace yet: it needs a team that asks for work and a team "
    "that does it. A workspace admin or owner can set it up from Liaison's Home tab."
)


def asking_department(config: LiaisonConfig) -> Department | None:
    """The department the first step sets up: the first that requests."""
    return next(iter(config.requesting_departments()), None)


def doing_department(config: LiaisonConfig) -> Department | None:
    """The department the second step sets up: the first that fulfils."""
    return next(iter(config.fulfilling_departments()), None)


# -- the Home tab --------------------------------------------------------------------------


def not_set_up_home() -> dict[str, Any]:
    """The Home of someone who cannot set Liaison up, before it is."""
    return {"type": "home", "blocks": [header("Liaison"), section(text.mrkdwn(NOT_SET_UP))]}


def setup_home(config: LiaisonConfig) -> dict[str, Any]:
    """An admin's Home while Liaison is being set up: the three steps, the saved ones with their
    values, and a way to finish once people can file."""
    asking, doing = asking_department(config), doing_department(config)
    digest = config.digests[0] if config.digests else None
    blocks: list[Block] = [
        header("Set up Liaison"),
        section(
            "Liaison carries requests from a team that asks for work to a team that does it."
            " Three steps, and people can file requests with `/request`."
        ),
        divider(),
        section(
            "*1. The team that asks for work*\n"
            + (_department_lines(asking) if asking else "Who files requests (Sales, say).")
        ),
        _step_buttons(Setup.asking, done=asking is not None, next_up=asking is None),
        section(
            "*2. The team that does the work*\n"
            + (
                _department_lines(doing)
                if doing
                else "Who receives requests, and the channel where their cards are posted."
            )
        ),
        _step_buttons(Setup.doing, done=doing is not None, next_up=bool(asking and not doing)),
        section(
            "*3. The weekly digest* (optional)\n"
            + (_digest_lines(digest) if digest else "A channel where both teams see the week.")
        ),
    ]
    if not config.is_set_up:
        blocks.append(context("Comes after steps 1 and 2."))
    elif digest is None:
        blocks.append(
            actions(
                f"{Setup.block}:{Setup.digest}",
                button("Choose a channel", Setup.open, Setup.digest, style="primary"),
                button("Skip and finish", Setup.skip, Setup.digest),
            )
        )
    else:
        blocks += [
            _step_buttons(Setup.digest, done=True, next_up=False),
            divider(),
            section("Liaison is ready: people can file requests with `/request`."),
            actions(
                f"{Setup.block}:finish",
                button("Finish setup", Setup.finish, "finish", style="primary"),
            ),
        ]
    return {"type": "home", "blocks": blocks}


def _step_buttons(step: str, *, done: bool, next_up: bool) -> Block:
    label = "Edit" if done else "Set up"
    style = "primary" if next_up else None
    return actions(f"{Setup.block}:{step}", button(label, Setup.open, step, style=style))


def _department_lines(department: Department) -> str:
    lines = [f"*{text.mrkdwn(department.name, 100)}*", f"Members: {_members(department)}"]
    if department.intake_channel:
        lines.append(f"Intake channel: {channel(department.intake_channel)}")
    lines.append("Leads: " + (", ".join(map(user, department.leads)) or "none"))
    if department.is_fulfiller:
        days = ", ".join(DAY_NAMES[day][:3] for day in department.workdays)
        lines.append(f"Hours: {department.business_hours} {department.timezone or 'UTC'}, {days}")
    return "\n".join(lines)


def _members(department: Department) -> str:
    if department.open_to_everyone:
        return "anyone in the workspace"
    named = [user(member) for member in department.members]
    if department.usergroup:
        named.append(f"<!subteam^{department.usergroup}>")
    return ", ".join(named)


def _digest_lines(digest: Digest) -> str:
    day = DAY_NAMES[digest.weekday]
    return f"{channel(digest.channel)}, {day}s at {digest.time} {digest.timezone or 'UTC'}"
