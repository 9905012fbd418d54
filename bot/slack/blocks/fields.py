"""Input blocks and their elements shared by the modals that edit settings (channel, people,
user group, time, weekday pickers); what a submitted modal's inputs hold is read with
`ViewValues` (bot/slack/blocks/forms.py). Every element's action id is `value`; the block id
says which field it is."""

from __future__ import annotations

from typing import Any

from bot.slack.blocks.common import option, plain
from bot.slack.blocks.forms import weekday_options

VALUE = "value"
TEXT_LENGTH = 100


def text_element(initial: str, placeholder: str) -> dict[str, Any]:
    """A one-line text input, showing `initial`."""
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": VALUE,
        "max_length": TEXT_LENGTH,
        "placeholder": plain(placeholder),
    }
    if initial:
        element["initial_value"] = initial[:TEXT_LENGTH]
    return element


def channel_element(initial: str | None) -> dict[str, Any]:
    """A channel picker listing public and private channels (Slack shows a person the private
    ones they are in); whether Liaison can get in is checked when the modal is saved."""
    element: dict[str, Any] = {
        "type": "conversations_select",
        "action_id": VALUE,
        "placeholder": plain("Pick a channel"),
        "filter": {"include": ["public", "private"], "exclude_external_shared_channels": True},
    }
    if initial:
        element["initial_conversation"] = initial
    return element


def users_element(initial: tuple[str, ...]) -> dict[str, Any]:
    """A picker of people."""
    element: dict[str, Any] = {
        "type": "multi_users_select",
        "action_id": VALUE,
        "placeholder": plain("Pick people"),
    }
    if initial:
        element["initial_users"] = list(initial)
    return element


def usergroup_element(groups: list[tuple[str, str]], initial: str | None) -> dict[str, Any]:
    """A menu of the workspace's user groups, (id, name) each (Block Kit has no user group
    picker), at most the 100 options a menu holds."""
    options = [option(name, group_id) for group_id, name in groups[:100]]
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": VALUE,
        "placeholder": plain("Pick a user group"),
        "options": options,
    }
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen is not None:
        element["initial_option"] = chosen
    return element


def time_element(initial: str) -> dict[str, Any]:
    """A time picker ("HH:MM")."""
    return {"type": "timepicker", "action_id": VALUE, "initial_time": initial}


def weekday_checkboxes(initial: tuple[str, ...]) -> dict[str, Any]:
    """A checkbox per day of the week, the config file's names ("mon") as values."""
    options = weekday_options()
    return {
        "type": "checkboxes",
        "action_id": VALUE,
        "options": options,
        "initial_options": [o for o in options if o["value"] in initial],
    }
