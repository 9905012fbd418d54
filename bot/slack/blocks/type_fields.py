"""A request type's fields in a modal, and read back from a submitted one.

- `type_field_blocks(request_type, values)`: an input block per field, with Block Kit's element
  for its kind, optional unless required, showing `values` (field key → stored value).
- `read_type_fields(view, request_type)`: the values a submitted view holds for those fields,
  cleaned as stored, and an error per block for a required field left empty or a value the
  field cannot hold (Slack's own `optional` is not trusted); ready for `response_action: errors`.
- `raw_type_fields(view, request_type)`: what the inputs hold, unchecked (to show it again).
- `field_block_id(field)`: the block a field's input (and its error) lives in.

Every element's action id is `value` (as everywhere in our modals), so `ViewValues` reads them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.config import FieldKind, RequestType, TypeField
from bot.domain.request_types import (
    MAX_LINE,
    MAX_NUMBER,
    MAX_TEXT,
    check_type_fields,
    clean_value,
)
from bot.slack import text
from bot.slack.blocks.common import Block, input_block, option, plain
from bot.slack.blocks.fields import VALUE
from bot.slack.blocks.forms import ViewValues

# What Slack shows under a field is short.
ERROR_TEXT = 150
HINT_TEXT = 2000
LABEL_TEXT = 2000
# The one option of a checkbox field without options: ticked means true.
TICKED = "yes"
_PREFIX = "type_field"


def field_block_id(field: TypeField) -> str:
    """The block id of `field`'s input. The kind is part of it: when another type has a field of
    the same key and kind, Slack keeps what was typed in it across `views.update`; of another
    kind, the input starts afresh instead of Slack carrying text into a date picker."""
    return f"{_PREFIX}.{field.kind.value}.{field.key}"


def type_field_blocks(
    request_type: RequestType, values: Mapping[str, Any] | None = None
) -> list[Block]:
    """An input block per field of `request_type`, in its order, each showing its value in
    `values` when it is one the field can hold."""
    values = values or {}
    return [_field_block(field, values.get(field.key)) for field in request_type.fields]


def raw_type_fields(view: Mapping[str, Any], request_type: RequestType) -> dict[str, Any]:
    """What `view`'s inputs hold for `request_type`'s fields, unchecked: text as typed, the
    chosen option(s), a date, a user id, or true/false for a lone checkbox."""
    read = ViewValues(dict(view))
    raw: dict[str, Any] = {}
    for field in request_type.fields:
        block = field_block_id(field)
        kind = field.kind
        if kind in (FieldKind.TEXT, FieldKind.LINE, FieldKind.URL, FieldKind.NUMBER):
            raw[field.key] = read.text(block)
        elif kind == FieldKind.SELECT:
            raw[field.key] = read.chosen(block)
        elif kind == FieldKind.MULTI_SELECT or (kind == FieldKind.CHECKBOX and field.options):
            raw[field.key] = read.options(block)
        elif kind == FieldKind.CHECKBOX:
            raw[field.key] = TICKED in read.options(block)
        elif kind == FieldKind.DATE:
            raw[field.key] = read.date(block)
        elif kind == FieldKind.USER:
            raw[field.key] = read.user(block)
    return raw


def read_type_fields(
    view: Mapping[str, Any], request_type: RequestType
) -> tuple[dict[str, Any], dict[str, str]]:
    """The values of a submitted view's fields of `request_type`, as stored, and the errors to
    answer with (block id → words), empty when every field is fine."""
    values, problems = check_type_fields(request_type, raw_type_fields(view, request_type))
    return values, type_field_errors(request_type, problems)


def type_field_errors(request_type: RequestType, problems: Mapping[str, str]) -> dict[str, str]:
    """Problems keyed by field key (bot/domain/request_types.py) as block id → words."""
    errors: dict[str, str] = {}
    for key, message in problems.items():
        field = request_type.field(key)
        if field is not None:
            errors[field_block_id(field)] = text.plain(message, ERROR_TEXT)
    return errors


def _field_block(field: TypeField, value: object) -> Block:
    element = {**_element(field, value), "action_id": VALUE}
    hint = text.plain(field.hint, HINT_TEXT) if field.hint else None
    return input_block(
        field_block_id(field),
        text.plain(field.label, LABEL_TEXT),
        element,
        hint=hint,
        optional=not field.required,
    )


def _element(field: TypeField, value: object) -> dict[str, Any]:
    kind = field.kind
    if kind in (FieldKind.TEXT, FieldKind.LINE):
        limit = MAX_TEXT if kind == FieldKind.TEXT else MAX_LINE
        element: dict[str, Any] = {
            "type": "plain_text_input",
            "multiline": kind == FieldKind.TEXT,
            "max_length": limit,
        }
        # What was typed is shown again as typed, even if it is not valid yet.
        if isinstance(value, str) and value:
            element["initial_value"] = value[:limit]
        return element
    if kind == FieldKind.URL:
        element = {"type": "url_text_input", "placeholder": plain("https://…")}
        if isinstance(value, str) and value:
            element["initial_value"] = value
        return element
    cleaned = clean_value(field, value)
    if kind == FieldKind.NUMBER:
        element = {
            "type": "number_input",
            "is_decimal_allowed": True,
            "min_value": str(-MAX_NUMBER),
            "max_value": str(MAX_NUMBER),
        }
        if cleaned is not None:
            element["initial_value"] = str(cleaned)
        return element
    if kind == FieldKind.SELECT:
        options = [option(o, o) for o in field.options]
        element = {"type": "static_select", "options": options, "placeholder": plain("Choose")}
        if cleaned is not None:
            element["initial_option"] = option(cleaned, cleaned)
        return element
    if kind == FieldKind.MULTI_SELECT:
        options = [option(o, o) for o in field.options]
        element = {
            "type": "multi_static_select",
            "options": options,
            "placeholder": plain("Choose"),
        }
        if cleaned:
            element["initial_options"] = [option(o, o) for o in cleaned]
        return element
    if kind == FieldKind.CHECKBOX:
        options = [option(o, o) for o in field.options] or [option("Yes", TICKED)]
        element = {"type": "checkboxes", "options": options}
        chosen = cleaned if isinstance(cleaned, list) else ([TICKED] if cleaned is True else [])
        if chosen:
            element["initial_options"] = [o for o in options if o["value"] in chosen]
        return element
    if kind == FieldKind.DATE:
        element = {"type": "datepicker", "placeholder": plain("Pick a date")}
        if cleaned is not None:
            element["initial_date"] = cleaned
        return element
    element = {"type": "users_select", "placeholder": plain("Pick someone")}
    if cleaned is not None:
        element["initial_user"] = cleaned
    return element
