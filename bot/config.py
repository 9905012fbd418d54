"""The config file (`config/liaison.toml`): departments, digests, reactions and nudge timings."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from bot.domain.durations import BusinessDuration, parse_duration

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
_USERGROUP_ID = re.compile(r"^S[A-Z0-9]+$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]+$")
_CLOCK = r"([01]\d|2[0-3]):([0-5]\d)"
_HOURS = re.compile(rf"^{_CLOCK}-{_CLOCK}$")
_TIME = re.compile(rf"^{_CLOCK}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STRICT = ConfigDict(extra="forbid", frozen=True)


class ConfigError(Exception):
    """The config file is missing, unreadable or invalid; `problems` lists every finding."""

    def __init__(self, problems: list[str], source: str) -> None:
        self.problems = problems
        self.source = source
        if len(problems) == 1:
            text = f"{source}: {problems[0]}"
        else:
            text = f"{source}: {len(problems)} problems\n" + "\n".join(f"  {p}" for p in problems)
        super().__init__(text)


def _q(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def _check(test: Callable[[Any], object], message: str) -> AfterValidator:
    """A validator raising `message` (formatted with the quoted value) when `test` fails."""

    def check(value: Any) -> Any:
        if not test(value):
            raise ValueError(message.format(_q(value)))
        return value

    return AfterValidator(check)


def _zone_exists(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError; odd keys raise ValueError
        return False
    return True


def _holiday(value: Any) -> Any:
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    elif isinstance(value, date) and not isinstance(value, datetime):
        return value
    raise ValueError(f'not a date like "2026-12-25": {_q(value)}')


def _role(value: Any) -> Any:
    if value not in tuple(Role):
        raise ValueError(f'must be "requester", "fulfiller" or "both", not {_q(value)}')
    return value


def _duration(value: Any) -> BusinessDuration:
    duration = value if isinstance(value, BusinessDuration) else parse_duration(value)
    if duration == BusinessDuration():
        raise ValueError(f"{_q(value)} must be longer than zero")
    return duration


def _hours_ok(text: str) -> bool:
    return bool(_HOURS.match(text)) and _clock(text[:5]) < _clock(text[6:])


def _emoji_ok(name: str) -> bool:
    return bool(name) and ":" not in name and not any(c.isspace() for c in name)


ZoneName = Annotated[str, _check(_zone_exists, "unknown time zone {}")]
UserId = Annotated[str, _check(_USER_ID.match, "not a Slack user id (U…/W…): {}")]
UsergroupId = Annotated[str, _check(_USERGROUP_ID.match, "not a Slack user group id (S…): {}")]
ChannelId = Annotated[str, _check(_CHANNEL_ID.match, "not a Slack channel id (C…/G…): {}")]
Weekday = Annotated[str, _check(WEEKDAYS.__contains__, f"not one of {'/'.join(WEEKDAYS)}: {{}}")]
Clock = Annotated[str, _check(_TIME.match, 'not a time like "09:00": {}')]
Emoji = Annotated[str, _check(_emoji_ok, "write emoji names without colons or spaces: {}")]
Duration = Annotated[BusinessDuration, BeforeValidator(_duration)]
NonEmpty = Field(min_length=1)


class Role(StrEnum):
    """What a department does with requests."""

    REQUESTER = "requester"
    FULFILLER = "fulfiller"
    BOTH = "both"


class Organization(BaseModel):
    """Company-wide defaults: the time zone and the days off."""

    model_config = _STRICT
    timezone: ZoneName = "UTC"
    holidays: tuple[Annotated[date, BeforeValidator(_holiday)], ...] = ()


class Department(BaseModel):
    """A team that asks for work, does it, or both."""

    model_config = _STRICT
    key: Annotated[str, NonEmpty]
    name: Annotated[str, NonEmpty]
    role: Annotated[Role, BeforeValidator(_role)]
    members: tuple[UserId, ...] = ()
    usergroup: UsergroupId | None = None
    leads: tuple[UserId, ...] = ()
    intake_channel: ChannelId | None = None
    timezone: ZoneName | None = None
    business_hours: Annotated[
        str, _check(_hours_ok, 'not "HH:MM-HH:MM" with the start before the end: {}')
    ] = "09:00-17:00"
    workdays: Annotated[
        tuple[Weekday, ...], NonEmpty, _check(lambda d: len(set(d)) == len(d), "names a day twice")
    ] = WEEKDAYS[:5]

    @property
    def is_requester(self) -> bool:
        return self.role in (Role.REQUESTER, Role.BOTH)

    @property
    def is_fulfiller(self) -> bool:
        return self.role in (Role.FULFILLER, Role.BOTH)

    @property
    def open_to_everyone(self) -> bool:
        """True when anyone in the workspace counts as a member (no members, no usergroup)."""
        return not self.members and self.usergroup is None

    @property
    def zone(self) -> ZoneInfo:
        # Only a Department built by hand can lack a time zone; the organization default is UTC.
        return ZoneInfo(self.timezone or "UTC")

    @property
    def opens(self) -> time:
        return _clock(self.business_hours[:5])

    @property
    def closes(self) -> time:
        return _clock(self.business_hours[6:])

    @property
    def workday_numbers(self) -> frozenset[int]:
        """Working weekdays, Monday=0."""
        return frozenset(WEEKDAYS.index(day) for day in self.workdays)


class Digest(BaseModel):
    """A weekly summary posted to a channel for some departments."""

    model_config = _STRICT
    channel: ChannelId
    departments: Annotated[tuple[str, ...], NonEmpty]
    weekday: Weekday = "mon"
    time: Clock = "09:00"
    timezone: ZoneName | None = None

    @property
    def weekday_number(self) -> int:
        """Monday=0."""
        return WEEKDAYS.index(self.weekday)

    @property
    def at(self) -> time:
        return _clock(self.time)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone or "UTC")


ReactionKind = Literal["claim", "needs_info", "deliver", "decline", "estimate"]
_ACTIONS: tuple[ReactionKind, ...] = ("claim", "needs_info", "deliver", "decline")
_NUMBERS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "keycap_ten")
EstimateDays = Annotated[int, _check(lambda d: 1 <= d <= 100, "days must be 1 to 100, not {}")]


@dataclass(frozen=True)
class ReactionAction:
    """What an emoji reaction on a request card means; `days` is set for estimates."""

    kind: ReactionKind
    days: int | None = None


class Reactions(BaseModel):
    """Which emoji mean which action on a request card."""

    model_config = _STRICT
    claim: tuple[Emoji, ...] = ("raising_hand",)
    needs_info: tuple[Emoji, ...] = ("question",)
    deliver: tuple[Emoji, ...] = ("white_check_mark",)
    decline: tuple[Emoji, ...] = ("no_entry_sign",)
    estimate_days: dict[Emoji, EstimateDays] = Field(
        default_factory=lambda: {name: days for days, name in enumerate(_NUMBERS, 1)}
    )

    def action_for(self, reaction: str) -> ReactionAction | None:
        """The action a reaction name stands for (skin-tone variants included), or None."""
        name = reaction.split("::", 1)[0]
        for kind in _ACTIONS:
            if name in getattr(self, kind):
                return ReactionAction(kind)
        days = self.estimate_days.get(name)
        return ReactionAction("estimate", days) if days is not None else None


class Nudges(BaseModel):
    """How long (in business time) before the bot reminds people."""

    model_config = _STRICT
    unclaimed_after: Duration = parse_duration("4h")
    unestimated_after: Duration = parse_duration("1d")
    needs_info_after: Duration = parse_duration("1d")
    negotiation_after: Duration = parse_duration("1d")
    due_soon_within: Duration = parse_duration("2d")
    cooldown: Duration = parse_duration("1d")


class LiaisonConfig(BaseModel):
    """The whole config file."""

    model_config = _STRICT
    organization: Organization = Organization()
    departments: Annotated[tuple[Department, ...], NonEmpty]
    digests: tuple[Digest, ...] = ()
    reactions: Reactions = Reactions()
    nudges: Nudges = Nudges()

    def department(self, key: str) -> Department:
        """The department with this key; KeyError if there is none."""
        found = self.find_department(key)
        if found is None:
            raise KeyError(key)
        return found

    def find_department(self, key: str | None) -> Department | None:
        """The department with this key, or None (e.g. one removed from the file since)."""
        return next((d for d in self.departments if d.key == key), None)

    def requesting_departments(self) -> tuple[Department, ...]:
        """Departments whose people may make requests."""
        return tuple(d for d in self.departments if d.is_requester)

    def fulfilling_departments(self) -> tuple[Department, ...]:
        """Departments that receive and work on requests."""
        return tuple(d for d in self.departments if d.is_fulfiller)


# --- turning findings into "[[departments]] #2 (key "eng") → timezone: ..." -------------------

Loc = tuple[str | int, ...]
_SECTIONS = ("organization", "departments", "digests", "reactions", "nudges")


def _items(data: dict[str, Any], name: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(name)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _index(loc: Loc) -> int:
    return loc[1] if len(loc) > 1 and isinstance(loc[1], int) else -1


def _place(loc: Loc, data: dict[str, Any]) -> str:
    head, rest = loc[0], list(loc[1:])
    if head in ("departments", "digests"):
        place = f"[[{head}]]"
        if rest and isinstance(rest[0], int):
            index = rest.pop(0)
            place += f" #{index + 1}"
            key = dict(_items(data, head)).get(index, {}).get("key")
            if head == "departments" and isinstance(key, str) and key:
                place += f' (key "{key}")'
    elif head in _SECTIONS:
        place = f"[{head}]"
    else:
        place, rest = "", list(loc)
    if "[key]" in rest:  # pydantic's marker for a bad dict key; the message quotes the key
        rest = rest[: rest.index("[key]") - 1]
    path = ""
    for part in rest:
        path += f" #{part + 1}" if isinstance(part, int) else f".{part}" if path else str(part)
    return f"{place} → {path}" if place and path else place or path


_MESSAGES = {
    "extra_forbidden": "unknown key",
    "missing": "required key is missing",
    "too_short": "must not be empty",
    "string_too_short": "must not be empty",
    "model_type": "must be a table",
    "tuple_type": "must be a list",
    "dict_type": "must be a table",
    "string_type": "must be a string",
}


def _pydantic_problems(error: ValidationError) -> list[tuple[Loc, str]]:
    found = []
    errors = error.errors(include_url=False)
    for item in errors:
        loc = item["loc"]
        if item["type"] == "too_short" and any(
            e["loc"][: len(loc)] == loc != e["loc"] for e in errors
        ):
            continue  # pydantic counts only the valid items, so bad items also make a list "short"
        if item["type"] == "value_error":
            message = str(item["ctx"]["error"])
        elif loc == ("departments",) and item["type"] in ("missing", "too_short"):
            message = "at least one department is required"
        else:
            message = _MESSAGES.get(item["type"], item["msg"])
        found.append((loc, message))
    return found


_NEEDS_INTAKE = "required for a fulfilling department: it is where request cards are posted"
_NOT_FOUND = (
    "config file not found; copy config/liaison.toml and edit it,"
    " or set LIAISON_CONFIG to the path of your config file"
)


def _relation_problems(data: dict[str, Any]) -> list[tuple[Loc, str]]:
    """Checks across entries, run on the raw data so they report even when fields are wrong."""
    found: list[tuple[Loc, str]] = []
    departments = _items(data, "departments")
    keys: dict[str, int] = {}
    for i, dept in departments:
        key = dept.get("key")
        if isinstance(key, str) and key in keys:
            found.append((("departments", i, "key"), f"{_q(key)} is used by #{keys[key] + 1} too"))
        elif isinstance(key, str):
            keys[key] = i
        if dept.get("role") in (Role.FULFILLER, Role.BOTH) and "intake_channel" not in dept:
            found.append((("departments", i, "intake_channel"), _NEEDS_INTAKE))
    roles = {role for _, dept in departments if isinstance(role := dept.get("role"), str)}
    if departments and not roles & {Role.REQUESTER, Role.BOTH}:
        found.append((("departments",), 'no department can request (role "requester"/"both")'))
    if departments and not roles & {Role.FULFILLER, Role.BOTH}:
        found.append((("departments",), 'no department can fulfil (role "fulfiller"/"both")'))
    for i, digest in _items(data, "digests"):
        names = digest.get("departments")
        for name in names if isinstance(names, list) else []:
            if isinstance(name, str) and name not in keys:
                found.append((("digests", i, "departments"), f"unknown department {_q(name)}"))
    reactions = data.get("reactions")
    owners: dict[str, str] = {}
    for action in (*_ACTIONS, "estimate_days"):
        raw = reactions.get(action) if isinstance(reactions, dict) else None
        names = raw if isinstance(raw, list | dict) else getattr(Reactions(), action)
        for name in names:
            other = owners.setdefault(name, action) if isinstance(name, str) else action
            if other != action:
                found.append((("reactions", action), f"{_q(name)} is already used for {other}"))
    return found


def parse_config(data: dict[str, Any], source: str = "<config>") -> LiaisonConfig:
    """Validate parsed TOML data; raise ConfigError listing every problem with its place."""
    config: LiaisonConfig | None = None
    found: list[tuple[Loc, str]] = []
    try:
        config = LiaisonConfig.model_validate(data)
    except ValidationError as error:
        found = _pydantic_problems(error)
    found += _relation_problems(data)
    if found or config is None:
        order = {name: rank for rank, name in enumerate(_SECTIONS)}
        found.sort(key=lambda p: (order.get(str(p[0][0]), -1), _index(p[0])))
        raise ConfigError([f"{_place(loc, data)}: {message}" for loc, message in found], source)
    # Departments and digests without a time zone of their own take the organization's.
    zone = {"timezone": config.organization.timezone}
    return config.model_copy(
        update={
            name: tuple(item if item.timezone else item.model_copy(update=zone) for item in items)
            for name, items in (("departments", config.departments), ("digests", config.digests))
        }
    )


def load_config(path: str | Path) -> LiaisonConfig:
    """Read and validate the TOML config file at `path`; raise ConfigError if anything is wrong."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            data = tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError([_NOT_FOUND], str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"not valid TOML: {error}"], str(path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([f"cannot read the config file: {error}"], str(path)) from None
    return parse_config(data, str(path))
