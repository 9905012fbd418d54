"""The configuration's models: departments, digests, reactions, nudge timings, trackers and
request types, each validated field by field."""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime, time
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from bot.domain.durations import BusinessDuration, parse_duration

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_USER_ID = re.compile(r"^[UW][A-Z0-9]+$")
_USERGROUP_ID = re.compile(r"^S[A-Z0-9]+$")
_CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]+$")
_CLOCK = r"([01]\d|2[0-3]):([0-5]\d)"
_HOURS = re.compile(rf"^{_CLOCK}-{_CLOCK}$")
_TIME = re.compile(rf"^{_CLOCK}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REPO = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
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
Key = Annotated[str, _check(_KEY.match, "use lowercase letters, digits, - or _ (at most 32): {}")]


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


ReactionKind = Literal["claim", "needs_info", "deliver", "decline", "not_ready", "estimate"]
ACTION_KINDS: tuple[ReactionKind, ...] = ("claim", "needs_info", "deliver", "decline", "not_ready")
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
    # Not ready yet: the reactor is offered the form naming what is missing.
    not_ready: tuple[Emoji, ...] = ("memo",)
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


class TrackerKind(StrEnum):
    """The issue trackers a department can link."""

    GITHUB = "github"
    JIRA = "jira"
    LINEAR = "linear"


class CreateOn(StrEnum):
    """When a request becomes an issue in the tracker: on commitment, on claim, or when someone
    clicks "Create issue" on the card."""

    COMMIT = "commit"
    CLAIM = "claim"
    MANUAL = "manual"


# The target keys each kind needs; a key of another kind is refused.
_TARGETS: dict[TrackerKind, tuple[str, ...]] = {
    TrackerKind.GITHUB: ("repo",),
    TrackerKind.JIRA: ("project",),
    TrackerKind.LINEAR: ("team",),
}


class Tracker(BaseModel):
    """A fulfilling department's issue tracker: where its committed requests become issues."""

    model_config = _STRICT
    department: Annotated[str, NonEmpty]
    kind: TrackerKind
    repo: Annotated[str, _check(_REPO.match, 'not "owner/name": {}')] | None = None
    project: Annotated[str, NonEmpty] | None = None
    issue_type: Annotated[str, NonEmpty] | None = None
    team: Annotated[str, NonEmpty] | None = None
    create_on: CreateOn = CreateOn.COMMIT
    # Slack user → the tracker's account (GitHub login, Jira account id, Linear user id). People
    # not named here are matched by the e-mail address Slack has for them.
    users: dict[UserId, Annotated[str, NonEmpty]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _target(self) -> Tracker:
        for kind, keys in _TARGETS.items():
            for key in keys:
                if kind == self.kind and getattr(self, key) is None:
                    raise ValueError(f'a {kind} tracker needs "{key}"')
                if kind != self.kind and getattr(self, key) is not None:
                    raise ValueError(f'"{key}" is for a {kind} tracker, not {self.kind}')
        if self.issue_type is not None and self.kind != TrackerKind.JIRA:
            raise ValueError(f'"issue_type" is for a jira tracker, not {self.kind}')
        return self

    @property
    def target(self) -> str:
        """Where issues are created, as people name it: "acme/backend", "ENG", a team id."""
        return self.repo or self.project or self.team or ""

    @property
    def jira_issue_type(self) -> str:
        return self.issue_type or "Task"


class FieldKind(StrEnum):
    """What a request type's field asks for; each has its Block Kit element."""

    TEXT = "text"  # several lines
    LINE = "line"  # one line
    NUMBER = "number"
    SELECT = "select"
    MULTI_SELECT = "multi_select"
    DATE = "date"
    URL = "url"
    USER = "user"
    CHECKBOX = "checkbox"


_WITH_OPTIONS = (FieldKind.SELECT, FieldKind.MULTI_SELECT)
# Block Kit's limits on a static select's and a checkbox group's options.
MAX_OPTIONS = 100
MAX_CHECKBOXES = 10
MAX_OPTION_TEXT = 75
MAX_TYPE_FIELDS = 40


def _options_ok(options: tuple[str, ...]) -> bool:
    return len(set(options)) == len(options) and len(options) <= MAX_OPTIONS


class TypeField(BaseModel):
    """One thing a request type asks for."""

    model_config = _STRICT
    key: Key
    label: Annotated[str, NonEmpty, Field(max_length=2000)]
    kind: FieldKind
    required: bool = False
    options: Annotated[
        tuple[Annotated[str, NonEmpty, Field(max_length=MAX_OPTION_TEXT)], ...],
        _check(_options_ok, f"options must differ and be at most {MAX_OPTIONS}"),
    ] = ()
    hint: Annotated[str, Field(max_length=2000)] | None = None

    @model_validator(mode="after")
    def _options(self) -> TypeField:
        if self.kind in _WITH_OPTIONS and not self.options:
            raise ValueError(f"a {self.kind} field needs options")
        if self.kind not in _WITH_OPTIONS and self.kind != FieldKind.CHECKBOX and self.options:
            raise ValueError(f"a {self.kind} field takes no options")
        if self.kind == FieldKind.CHECKBOX and len(self.options) > MAX_CHECKBOXES:
            raise ValueError(
                f"a checkbox field takes at most {MAX_CHECKBOXES} options (multi_select takes more)"
            )
        return self


class RequestType(BaseModel):
    """A kind of request a fulfilling department takes, with what it needs to know to judge it.
    A retired type is offered no more; requests filed with it still show it."""

    model_config = _STRICT
    department: Annotated[str, NonEmpty]
    key: Key
    name: Annotated[str, NonEmpty, Field(max_length=75)]
    description: Annotated[str, Field(max_length=150)] | None = None
    # At most this many fields: with the common ones they fit in a modal's 100 blocks.
    fields: Annotated[tuple[TypeField, ...], Field(max_length=MAX_TYPE_FIELDS)] = ()
    retired: bool = False

    def field(self, key: str) -> TypeField | None:
        return next((f for f in self.fields if f.key == key), None)

    def only(self, keys: Collection[object]) -> RequestType:
        """This type with only the fields `keys` names (in the type's order): what a request
        sent back as not ready asks to complete."""
        return self.model_copy(update={"fields": tuple(f for f in self.fields if f.key in keys)})


class LiaisonConfig(BaseModel):
    """A workspace's settings: the whole config file, or what was set up in Slack."""

    model_config = _STRICT
    organization: Organization = Organization()
    departments: tuple[Department, ...] = ()
    digests: tuple[Digest, ...] = ()
    reactions: Reactions = Reactions()
    nudges: Nudges = Nudges()
    trackers: tuple[Tracker, ...] = ()
    request_types: tuple[RequestType, ...] = ()

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

    def tracker_for(self, department_key: str | None) -> Tracker | None:
        """The tracker a department's committed requests go to, or None."""
        return next((t for t in self.trackers if t.department == department_key), None)

    def request_types_for(
        self, department_key: str | None, *, retired: bool = False
    ) -> tuple[RequestType, ...]:
        """A department's request types in the order it set; retired ones only when asked."""
        return tuple(
            t
            for t in self.request_types
            if t.department == department_key and (retired or not t.retired)
        )

    def request_type(self, department_key: str | None, key: str | None) -> RequestType | None:
        """A department's type by key, retired or not (an old request still shows it)."""
        return next(
            (t for t in self.request_types if t.department == department_key and t.key == key),
            None,
        )
