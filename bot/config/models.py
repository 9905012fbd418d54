"""The configuration's models: departments, digests, reactions and nudge timings, each
validated field by field."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

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


def quoted(value: object) -> str:
    """A value as the config file would spell it, for messages."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def _check(test: Callable[[Any], object], message: str) -> AfterValidator:
    """A validator raising `message` (formatted with the quoted value) when `test` fails."""

    def check(value: Any) -> Any:
        if not test(value):
            raise ValueError(message.format(quoted(value)))
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
    raise ValueError(f'not a date like "2026-12-25": {quoted(value)}')


def _role(value: Any) -> Any:
    if value not in tuple(Role):
        raise ValueError(f'must be "requester", "fulfiller" or "both", not {quoted(value)}')
    return value


def _duration(value: Any) -> BusinessDuration:
    duration = value if isinstance(value, BusinessDuration) else parse_duration(value)
    if duration == BusinessDuration():
        raise ValueError(f"{quoted(value)} must be longer than zero")
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
ACTION_KINDS: tuple[ReactionKind, ...] = ("claim", "needs_info", "deliver", "decline")
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
        for kind in ACTION_KINDS:
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
    """A workspace's settings: the whole config file, or what was set up in Slack."""

    model_config = _STRICT
    organization: Organization = Organization()
    departments: tuple[Department, ...] = ()
    digests: tuple[Digest, ...] = ()
    reactions: Reactions = Reactions()
    nudges: Nudges = Nudges()

    @property
    def is_set_up(self) -> bool:
        """True once a department can request and one can fulfil: before, nothing can be filed."""
        return bool(self.requesting_departments() and self.fulfilling_departments())

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
