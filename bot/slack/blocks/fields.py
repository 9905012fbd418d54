"""Input blocks and their elements shared by the modals that edit settings (channel, people,
user group, time, weekday pickers), and reading what a submitted modal's inputs hold. Every
element's action id is `value`; the block id says which field it is."""

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


class ViewValues:
    """Values of a submitted view's inputs; a missing or malformed one reads as empty, so
    validation (not a crash) deals with it."""

    def __init__(self, view: dict[str, Any]) -> None:
        state = view.get("state") if isinstance(view.get("state"), dict) else {}
        values = state.get("values") if isinstance(state, dict) else None
        self._values = values if isinstance(values, dict) else {}

    def _element(self, block_id: str) -> dict[str, Any]:
        block = self._values.get(block_id)
        element = block.get(VALUE) if isinstance(block, dict) else None
        return element if isinstance(element, dict) else {}

    def text(self, block_id: str) -> str:
        value = self._element(block_id).get("value")
        return value.strip() if isinstance(value, str) else ""

    def conversation(self, block_id: str) -> str | None:
        value = self._element(block_id).get("selected_conversation")
        return value if isinstance(value, str) and value else None

    def users(self, block_id: str) -> list[str]:
        value = self._element(block_id).get("selected_users")
        return [u for u in value if isinstance(u, str)] if isinstance(value, list) else []

    def chosen(self, block_id: str) -> str | None:
        picked = self._element(block_id).get("selected_option")
        value = picked.get("value") if isinstance(picked, dict) else None
        return value if isinstance(value, str) and value else None

    def checked(self, block_id: str) -> set[str]:
        picked = self._element(block_id).get("selected_options")
        if not isinstance(picked, list):
            return set()
        return {v for o in picked if isinstance(o, dict) and isinstance(v := o.get("value"), str)}

    def time(self, block_id: str) -> str:
        value = self._element(block_id).get("selected_time")
        return value if isinstance(value, str) else ""

    def user(self, block_id: str) -> str | None:
        value = self._element(block_id).get("selected_user")
        return value if isinstance(value, str) and value else None

    def date(self, block_id: str) -> str | None:
        value = self._element(block_id).get("selected_date")
        return value if isinstance(value, str) and value else None

    def options(self, block_id: str) -> list[str]:
        """The values of a multi-select's or checkbox group's chosen options, in their order."""
        picked = self._element(block_id).get("selected_options")
        if not isinstance(picked, list):
            return []
        return [v for o in picked if isinstance(o, dict) and isinstance(v := o.get("value"), str)]
