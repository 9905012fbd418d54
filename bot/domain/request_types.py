"""What a request type's fields may hold: the one check every way of filling them goes through
(the intake modal, an edit, completing a request sent back as not ready).

Values are kept as the `requests.type_fields` column holds them: text (text, line, url), a
number (int or float), an ISO date, a Slack user id, a list of chosen options (multi_select,
checkboxes with options), or true (a ticked checkbox without options). An empty value is left
out. The check is idempotent: values it returned pass through it unchanged."""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Mapping
from datetime import date
from typing import Any

from bot.config import FieldKind, LiaisonConfig, RequestType, TypeField
from bot.domain.models import Request

# What a person may type; the database keeps whatever passed.
MAX_TEXT = 3000
MAX_LINE = 200
MAX_URL = 2000
# A number beyond this is a typo, not a quantity (and stays exact in JSON and in a float).
MAX_NUMBER = 10**12
_USER = re.compile(r"^[UW][A-Z0-9]{2,}$")
_URL = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
_LENGTHS = {FieldKind.TEXT: MAX_TEXT, FieldKind.LINE: MAX_LINE, FieldKind.URL: MAX_URL}

Values = dict[str, Any]


def request_type_of(config: LiaisonConfig, request: Request) -> RequestType | None:
    """The type the request was filed as, retired or not; None without one (or when the
    settings no longer have it)."""
    if request.request_type is None:
        return None
    return config.request_type(request.fulfilling_department.key, request.request_type)


def field_labels(config: LiaisonConfig, request: Request, keys: Collection[object]) -> list[str]:
    """The labels of the fields `keys` of the request's type (retired or not), in its order."""
    kind = request_type_of(config, request)
    return [f.label for f in kind.only(keys).fields] if kind is not None else []


def check_type_fields(
    request_type: RequestType, values: Mapping[str, Any]
) -> tuple[Values, dict[str, str]]:
    """The values of `request_type`'s fields cleaned to what is stored (keys of other fields are
    dropped), and a problem per field key: a required field left empty, or a value the field
    cannot hold (a url that is not http(s), a number out of range, an option not offered...)."""
    cleaned: Values = {}
    problems: dict[str, str] = {}
    for field in request_type.fields:
        try:
            value = _clean(field, values.get(field.key))
        except ValueError as problem:
            problems[field.key] = str(problem)
            continue
        if value is None:
            if field.required:
                problems[field.key] = _MISSING.get(field.kind, "Fill this in.")
        else:
            cleaned[field.key] = value
    return cleaned, problems


def clean_value(field: TypeField, value: object) -> Any:
    """`value` as `field` would store it, or None when it is empty or not something the field
    can hold (e.g. what another type's field of the same key held)."""
    try:
        return _clean(field, value)
    except ValueError:
        return None


def is_user_id(value: object) -> bool:
    """Whether `value` looks like a Slack user id (safe to show as a mention)."""
    return isinstance(value, str) and bool(_USER.match(value))


_MISSING = {
    FieldKind.SELECT: "Choose one.",
    FieldKind.MULTI_SELECT: "Choose at least one.",
    FieldKind.DATE: "Pick a date.",
    FieldKind.USER: "Pick someone.",
    FieldKind.CHECKBOX: "Tick this.",
}


def _clean(field: TypeField, value: object) -> Any:
    """`value` as stored for `field`; None when empty; ValueError (the words for the person)
    when it is not something the field can hold."""
    if value is None or value == "" or value == [] or value is False:
        return None
    kind = field.kind
    if kind in (FieldKind.TEXT, FieldKind.LINE, FieldKind.URL):
        return _text(kind, value)
    if kind == FieldKind.NUMBER:
        return _number(value)
    if kind == FieldKind.SELECT:
        if not isinstance(value, str) or value not in field.options:
            raise ValueError("Choose one of the options offered.")
        return value
    if kind == FieldKind.MULTI_SELECT or (kind == FieldKind.CHECKBOX and field.options):
        return _chosen(field, value)
    if kind == FieldKind.CHECKBOX:
        if value is not True:
            raise ValueError("Tick the box or leave it empty.")
        return True
    if kind == FieldKind.DATE:
        return _date(value)
    if kind == FieldKind.USER:
        if not is_user_id(value):
            raise ValueError("Pick someone from the list.")
        return value
    raise ValueError(f"Unknown kind of field: {kind}")  # pragma: no cover (FieldKind is closed)


def _text(kind: FieldKind, value: object) -> str | None:
    if not isinstance(value, str):
        raise ValueError("Type some text.")
    # PostgreSQL cannot store NUL in text; it is never meaningful in what people type.
    value = value.replace("\x00", "").strip()
    if not value:
        return None
    limit = _LENGTHS[kind]
    if len(value) > limit:
        raise ValueError(f"Keep this under {limit} characters (it has {len(value)}).")
    if kind == FieldKind.URL and not _URL.match(value):
        raise ValueError("Give a web address starting with http:// or https://.")
    return value


def _number(value: object) -> int | float:
    if isinstance(value, bool):
        raise ValueError("Give a number.")
    if isinstance(value, int | float):
        number: int | float = value
    elif isinstance(value, str):
        try:
            number = int(value.strip()) if value.strip().lstrip("+-").isdigit() else float(value)
        except ValueError:
            raise ValueError("Give a number, like 12 or 2.5.") from None
    else:
        raise ValueError("Give a number.")
    if isinstance(number, float):
        if not math.isfinite(number):
            raise ValueError("Give a number, like 12 or 2.5.")
        if number.is_integer() and abs(number) <= MAX_NUMBER:
            number = int(number)
    if abs(number) > MAX_NUMBER:
        raise ValueError(f"Give a number between -{MAX_NUMBER:,} and {MAX_NUMBER:,}.")
    return number


def _chosen(field: TypeField, value: object) -> list[str] | None:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError("Choose among the options offered.")
    if any(v not in field.options for v in value):
        raise ValueError("Choose among the options offered.")
    # In the order the type lists them, each once.
    chosen = [o for o in field.options if o in value]
    return chosen or None


def _date(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    raise ValueError("Pick a date.")
