"""Pieces the settings modals share: reading a submitted view's inputs, the time zone and
weekday choices, and placing the problems `SettingsStore.change` finds on the modal's fields."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from bot.config import Problem
from bot.config.models import WEEKDAYS
from bot.slack import text
from bot.slack.blocks.common import Block, input_block, option, plain
from bot.slack.ids import SettingsIds

# The zones offered in a time zone menu (a zone already chosen is offered too).
COMMON_ZONES = (
    "UTC",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Amsterdam",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Warsaw",
    "Europe/Helsinki",
    "Europe/Istanbul",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
)
DAY_NAMES = {
    "mon": "Monday",
    "tue": "Tuesday",
    "wed": "Wednesday",
    "thu": "Thursday",
    "fri": "Friday",
    "sat": "Saturday",
    "sun": "Sunday",
}
ERROR_TEXT = 150  # what Slack shows under a field is short


def field(
    block_id: str, label: str, element: dict[str, Any], *, optional: bool = False, hint: str = ""
) -> Block:
    """An input block whose element's action id is `SettingsIds.value`."""
    element = {**element, "action_id": SettingsIds.value}
    return input_block(block_id, label, element, optional=optional, hint=hint)


def text_input(
    initial: str | None = None,
    *,
    placeholder: str = "",
    multiline: bool = False,
    max_length: int = 3000,
) -> dict[str, Any]:
    element: dict[str, Any] = {"type": "plain_text_input", "max_length": max_length}
    if multiline:
        element["multiline"] = True
    if initial:
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder)
    return element


def zone_select(current: str | None, *, placeholder: str = "The organization's") -> dict[str, Any]:
    zones = list(COMMON_ZONES)
    if current and current not in zones:
        zones.insert(0, current)
    element: dict[str, Any] = {
        "type": "static_select",
        "placeholder": plain(placeholder),
        "options": [option(zone, zone) for zone in zones],
    }
    if current:
        element["initial_option"] = option(current, current)
    return element


def weekday_options() -> list[dict[str, Any]]:
    return [option(DAY_NAMES[day], day) for day in WEEKDAYS]


class ViewValues:
    """Values of a submitted view's inputs; a missing or malformed one reads as empty, so
    validation (not a crash) deals with it."""

    def __init__(self, view: dict[str, Any]) -> None:
        state = view.get("state") if isinstance(view.get("state"), dict) else {}
        values = state.get("values") if isinstance(state, dict) else None
        self._values = values if isinstance(values, dict) else {}

    def _element(self, block_id: str) -> dict[str, Any]:
        block = self._values.get(block_id)
        element = block.get(SettingsIds.value) if isinstance(block, dict) else None
        return element if isinstance(element, dict) else {}

    def text(self, block_id: str) -> str:
        value = self._element(block_id).get("value")
        return value.strip() if isinstance(value, str) else ""

    def conversation(self, block_id: str) -> str | None:
        element = self._element(block_id)
        value = element.get("selected_conversation") or element.get("selected_channel")
        return value if isinstance(value, str) and value else None

    def users(self, block_id: str) -> list[str]:
        value = self._element(block_id).get("selected_users")
        return [u for u in value if isinstance(u, str) and u] if isinstance(value, list) else []

    def chosen(self, block_id: str) -> str | None:
        picked = self._element(block_id).get("selected_option")
        value = picked.get("value") if isinstance(picked, dict) else None
        return value if isinstance(value, str) and value else None

    def checked(self, block_id: str) -> set[str]:
        return set(self.options(block_id))

    def time(self, block_id: str) -> str:
        value = self._element(block_id).get("selected_time")
        return value if isinstance(value, str) else ""

    def user(self, block_id: str) -> str | None:
        value = self._element(block_id).get("selected_user")
        return value if isinstance(value, str) and value else None

    def date(self, block_id: str) -> str | None:
        value = self._element(block_id).get("selected_date")
        return value if isinstance(value, str) and value else None

    def day(self, block_id: str) -> date | None:
        """The day a date picker holds; None when it holds none, or not a date."""
        value = self.date(block_id)
        try:
            return date.fromisoformat(value) if value else None
        except ValueError:
            return None

    def options(self, block_id: str) -> list[str]:
        """The values of a multi-select's or checkbox group's chosen options, in their order."""
        picked = self._element(block_id).get("selected_options")
        if not isinstance(picked, list):
            return []
        return [
            v for o in picked if isinstance(o, dict) and isinstance(v := o.get("value"), str) and v
        ]


# The readers the Settings forms use: each the one way above, by block id.
def read_text(view: Mapping[str, Any], block_id: str) -> str:
    return ViewValues(dict(view)).text(block_id)


def read_option(view: Mapping[str, Any], block_id: str) -> str | None:
    return ViewValues(dict(view)).chosen(block_id)


def read_options(view: Mapping[str, Any], block_id: str) -> list[str]:
    return ViewValues(dict(view)).options(block_id)


def read_users(view: Mapping[str, Any], block_id: str) -> list[str]:
    return ViewValues(dict(view)).users(block_id)


def read_conversation(view: Mapping[str, Any], block_id: str) -> str | None:
    return ViewValues(dict(view)).conversation(block_id)


def errors_on_fields(
    problems: Sequence[Problem], fields: Mapping[str, str], fallback: str, *, skip: int = 0
) -> dict[str, str]:
    """Each problem on the block of the field its `loc` names (`fields`: the name in the file
    -> block id; the name is the first string of `loc` after `skip` parts), the others on
    `fallback`. One message per block: the first."""
    errors: dict[str, str] = {}
    for problem in problems:
        names = [part for part in problem.loc[skip:] if isinstance(part, str)]
        block = next((fields[name] for name in names if name in fields), fallback)
        message = problem.message if block != fallback or not problem.place else str(problem)
        errors.setdefault(block, text.plain(message, ERROR_TEXT))
    return errors
