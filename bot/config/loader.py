"""Reading the config file (`config/liaison.toml`; the example is `config/liaison.example.toml`)
and validating it, with every problem
reported at its place in the file."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from bot.config.models import ACTION_KINDS, LiaisonConfig, Reactions, Role, quoted


@dataclass(frozen=True)
class Problem:
    """One finding: `loc` is where in the data (("departments", 1, "timezone")), `place` says it
    as the file's reader would ('[[departments]] #2 (key "eng") → timezone')."""

    loc: tuple[str | int, ...]
    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message}" if self.place else self.message


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


# --- turning findings into "[[departments]] #2 (key "eng") → timezone: ..." -------------------

Loc = tuple[str | int, ...]
# The file's sections in their order, and those that are lists of tables ([[departments]]).
SECTIONS = (
    "organization",
    "departments",
    "digests",
    "reactions",
    "nudges",
    "trackers",
    "request_types",
)
LIST_SECTIONS = ("departments", "digests", "trackers", "request_types")


def _items(data: dict[str, Any], name: str) -> list[tuple[int, dict[str, Any]]]:
    value = data.get(name)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _index(loc: Loc) -> int:
    return loc[1] if len(loc) > 1 and isinstance(loc[1], int) else -1


def _place(loc: Loc, data: dict[str, Any]) -> str:
    head, rest = loc[0], list(loc[1:])
    if head in LIST_SECTIONS:
        place = f"[[{head}]]"
        if rest and isinstance(rest[0], int):
            index = rest.pop(0)
            place += f" #{index + 1}"
            key = dict(_items(data, head)).get(index, {}).get("key")
            if head in ("departments", "request_types") and isinstance(key, str) and key:
                place += f' (key "{key}")'
    elif head in SECTIONS:
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
        else:
            message = _MESSAGES.get(item["type"], item["msg"])
        found.append((loc, message))
    return found


_NEEDS_INTAKE = "required for a fulfilling department: it is where request cards are posted"


def example_config() -> Path:
    """The example config file, installed with the package (`bot/_config` links to the top-level
    `config/` in the source tree; the wheel carries a copy)."""
    return Path(str(files("bot") / "_config" / "liaison.example.toml"))


def _not_found() -> str:
    return (
        f"config file not found; copy the example ({example_config()}) to config/liaison.toml"
        " and edit it, or set LIAISON_CONFIG to the path of your config file (without one,"
        " Liaison is set up from its Home tab in Slack)"
    )


def _relation_problems(data: dict[str, Any], *, complete: bool) -> list[tuple[Loc, str]]:
    """Checks across entries, run on the raw data so they report even when fields are wrong.
    `complete`: departments, when there are any, must include one that requests and one that
    fulfils (a file must; settings made in Slack one step at a time need not)."""
    found: list[tuple[Loc, str]] = []
    departments = _items(data, "departments")
    keys: dict[str, int] = {}
    for i, dept in departments:
        key = dept.get("key")
        if isinstance(key, str) and key in keys:
            found.append(
                (("departments", i, "key"), f"{quoted(key)} is used by #{keys[key] + 1} too")
            )
        elif isinstance(key, str):
            keys[key] = i
        if dept.get("role") in (Role.FULFILLER, Role.BOTH) and "intake_channel" not in dept:
            found.append((("departments", i, "intake_channel"), _NEEDS_INTAKE))
    roles = {role for _, dept in departments if isinstance(role := dept.get("role"), str)}
    if complete and departments and not roles & {Role.REQUESTER, Role.BOTH}:
        found.append((("departments",), 'no department can request (role "requester"/"both")'))
    if complete and departments and not roles & {Role.FULFILLER, Role.BOTH}:
        found.append((("departments",), 'no department can fulfil (role "fulfiller"/"both")'))
    for i, digest in _items(data, "digests"):
        names = digest.get("departments")
        for name in names if isinstance(names, list) else []:
            if isinstance(name, str) and name not in keys:
                found.append((("digests", i, "departments"), f"unknown department {quoted(name)}"))
    found += _linked_problems(data, keys)
    reactions = data.get("reactions")
    owners: dict[str, str] = {}
    for action in (*ACTION_KINDS, "estimate_days"):
        raw = reactions.get(action) if isinstance(reactions, dict) else None
        names = raw if isinstance(raw, list | dict) else getattr(Reactions(), action)
        for name in names:
            other = owners.setdefault(name, action) if isinstance(name, str) else action
            if other != action:
                found.append((("reactions", action), f"{quoted(name)} is already used for {other}"))
    return found


def _fulfillers(data: dict[str, Any]) -> set[str]:
    return {
        key
        for _, dept in _items(data, "departments")
        if isinstance(key := dept.get("key"), str)
        and dept.get("role") in (Role.FULFILLER, Role.BOTH)
    }


def _linked_problems(data: dict[str, Any], keys: dict[str, int]) -> list[tuple[Loc, str]]:
    """Trackers and request types belong to a fulfilling department: one tracker each, and type
    keys (and each type's field keys) that differ."""
    found: list[tuple[Loc, str]] = []
    fulfillers = _fulfillers(data)

    def department_of(section: str, i: int, item: dict[str, Any]) -> str | None:
        name = item.get("department")
        if not isinstance(name, str):
            return None
        if name not in keys:
            found.append(((section, i, "department"), f"unknown department {quoted(name)}"))
        elif name not in fulfillers:
            found.append(((section, i, "department"), f"{quoted(name)} does not fulfil requests"))
        return name

    linked: dict[str, int] = {}
    for i, tracker in _items(data, "trackers"):
        name = department_of("trackers", i, tracker)
        if name is not None and name in linked:
            message = f"{quoted(name)} already has a tracker (#{linked[name] + 1})"
            found.append((("trackers", i, "department"), message))
        elif name is not None:
            linked[name] = i
    types: dict[tuple[str, str], int] = {}
    for i, kind in _items(data, "request_types"):
        name, key = department_of("request_types", i, kind), kind.get("key")
        if name is not None and isinstance(key, str):
            if (name, key) in types:
                message = f"{quoted(key)} is used by #{types[name, key] + 1} too"
                found.append((("request_types", i, "key"), message))
            else:
                types[name, key] = i
        fields = kind.get("fields")
        seen: set[str] = set()
        for j, field in enumerate(fields if isinstance(fields, list) else []):
            field_key = field.get("key") if isinstance(field, dict) else None
            if isinstance(field_key, str) and field_key in seen:
                message = f"{quoted(field_key)} is used by another field of this type"
                found.append((("request_types", i, "fields", j, "key"), message))
            elif isinstance(field_key, str):
                seen.add(field_key)
    return found


def check_config(
    data: dict[str, Any], *, complete: bool = True
) -> tuple[LiaisonConfig | None, list[Problem]]:
    """Validate parsed TOML data: the config (None when anything is wrong) and every problem
    with its place, in the file's order. See `_relation_problems` for `complete`."""
    config: LiaisonConfig | None = None
    found: list[tuple[Loc, str]] = []
    try:
        config = LiaisonConfig.model_validate(data)
    except ValidationError as error:
        found = _pydantic_problems(error)
    found += _relation_problems(data, complete=complete)
    if found or config is None:
        order = {name: rank for rank, name in enumerate(SECTIONS)}
        found.sort(key=lambda p: (order.get(str(p[0][0]), -1), _index(p[0])))
        return None, [Problem(loc, _place(loc, data), message) for loc, message in found]
    # Departments and digests without a time zone of their own take the organization's.
    zone = {"timezone": config.organization.timezone}
    return config.model_copy(
        update={
            name: tuple(item if item.timezone else item.model_copy(update=zone) for item in items)
            for name, items in (("departments", config.departments), ("digests", config.digests))
        }
    ), []


def parse_config(data: dict[str, Any], source: str = "<config>") -> LiaisonConfig:
    """Validate parsed TOML data; raise ConfigError listing every problem with its place."""
    config, problems = check_config(data)
    if config is None:
        raise ConfigError([str(p) for p in problems], source)
    return config


def read_config_data(path: str | Path) -> dict[str, Any]:
    """The TOML data of the file at `path`; ConfigError when it is missing or unreadable."""
    path = Path(path)
    try:
        with path.open("rb") as file:
            return tomllib.load(file)
    except FileNotFoundError:
        raise ConfigError([_not_found()], str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"not valid TOML: {error}"], str(path)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([f"cannot read the config file: {error}"], str(path)) from None


def dump_config_data(data: dict[str, Any]) -> str:
    """Settings data (a stored document) as a config file: `read_config_data` of it gives the
    same data back."""
    ordered = {key: data[key] for key in (*SECTIONS, *data) if key in data}
    return tomli_w.dumps(ordered)


def load_config(path: str | Path) -> LiaisonConfig:
    """Read and validate the TOML config file at `path`; raise ConfigError if anything is wrong."""
    return parse_config(read_config_data(path), str(path))
