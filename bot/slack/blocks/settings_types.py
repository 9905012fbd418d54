"""A fulfilling department's request types in Settings: the page listing them (each with a
menu to edit it, add a field, move it, retire or bring it back, and a menu of its fields), the
form of one type (key, name, description) and the form of one field (key, label, kind, required,
options one per line, hint). `read_type` and `read_field` turn a submission into the config
file's tables; `TYPE_FIELDS` and `FIELD_FIELDS` place the problems `check_config` finds."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.config import FieldKind, RequestType, TypeField
from bot.config.models import Department
from bot.slack import text
from bot.slack.blocks.common import (
    MODAL_TITLE,
    Block,
    actions,
    button,
    context,
    option,
    plain,
    section,
)
from bot.slack.blocks.forms import field, read_option, read_options, read_text, text_input
from bot.slack.ids import SettingsIds

TYPE_KEY = "type_key"
TYPE_NAME = "type_name"
TYPE_DESCRIPTION = "type_description"
FIELD_KEY = "field_key"
FIELD_LABEL = "field_label"
FIELD_KIND = "field_kind"
FIELD_REQUIRED = "field_required"
FIELD_OPTIONS = "field_options"
FIELD_HINT = "field_hint"
FIELD_REMOVE = "field_remove"

# The config file's name of each key -> the block it is edited in.
TYPE_FIELDS = {"key": TYPE_KEY, "name": TYPE_NAME, "description": TYPE_DESCRIPTION}
FIELD_FIELDS = {
    "key": FIELD_KEY,
    "label": FIELD_LABEL,
    "kind": FIELD_KIND,
    "required": FIELD_REQUIRED,
    "options": FIELD_OPTIONS,
    "hint": FIELD_HINT,
}
KIND_NAMES = {
    FieldKind.TEXT: "Text (several lines)",
    FieldKind.LINE: "One line of text",
    FieldKind.NUMBER: "Number",
    FieldKind.SELECT: "One of a list",
    FieldKind.MULTI_SELECT: "Several of a list",
    FieldKind.DATE: "Date",
    FieldKind.URL: "Web address",
    FieldKind.USER: "Person",
    FieldKind.CHECKBOX: "Checkbox",
}
# Each type takes two blocks of the page: fifty types fit Slack's hundred.
TYPES_SHOWN = 45
FIELD_NAMES_SHOWN = 10
# The options input's limit (Slack's for a text input), and the metadata flag of a field whose
# options do not fit it, which its form keeps unchanged.
OPTIONS_TEXT = 3000
KEEP_OPTIONS = "keep_options"


def types_summary(types: Sequence[RequestType]) -> str:
    """The department's types in a line: "Bug report · Feature · ~Old~ (retired)"."""
    if not types:
        return "no request types: the intake form asks the same for everything"
    return " · ".join(
        f"~{text.mrkdwn(t.name, 75)}~ (retired)" if t.retired else text.mrkdwn(t.name, 75)
        for t in types
    )


def types_page(
    department: Department, types: Sequence[RequestType], *, editable: bool
) -> dict[str, Any]:
    """The page of a department's types, in their order; without buttons when `editable` is
    false (a config file manages the settings)."""
    blocks: list[Block] = [
        section(
            f"What *{text.mrkdwn(department.name, 100)}* asks for each kind of request. A retired"
            " type is offered no more; requests filed with it keep showing it."
        )
    ]
    if editable:
        blocks.append(
            actions(
                SettingsIds.add_type, button("Add a type", SettingsIds.add_type, department.key)
            )
        )
    else:
        blocks.append(context("These settings come from the config file: change them there."))
    for index, kind in enumerate(types[:TYPES_SHOWN]):
        block = section(_type_summary(kind))
        if editable:
            block["block_id"] = f"{SettingsIds.type_menu}:{kind.key}"
            block["accessory"] = _type_menu(kind, first=index == 0, last=index == len(types) - 1)
        blocks.append(block)
        if editable and kind.fields:
            menu = {
                "type": "static_select",
                "action_id": SettingsIds.field_menu,
                "placeholder": plain("Edit a field"),
                "options": [option(f.label, f"{kind.key}:{f.key}") for f in kind.fields],
            }
            blocks.append(actions(f"{SettingsIds.field_menu}:{kind.key}", menu))
    if len(types) > TYPES_SHOWN:
        blocks.append(context(f"and {len(types) - TYPES_SHOWN} more types"))
    return {
        "type": "modal",
        "callback_id": SettingsIds.types_callback,
        "title": plain(text.plain(f"{department.name} types", MODAL_TITLE)),
        "close": plain("Done"),
        "private_metadata": json.dumps({"department": department.key}),
        "blocks": blocks,
    }


def _type_summary(kind: RequestType) -> str:
    name = f"*{text.mrkdwn(kind.name, 75)}* (`{kind.key}`)"
    if kind.retired:
        name += " · retired"
    about = f"\n{text.mrkdwn(kind.description, 150)}" if kind.description else ""
    names = [
        text.mrkdwn(f.label, 75) + ("*" if f.required else "")
        for f in kind.fields[:FIELD_NAMES_SHOWN]
    ]
    more = f" and {len(kind.fields) - FIELD_NAMES_SHOWN} more" if len(kind.fields) > 10 else ""
    fields = f"\nFields: {', '.join(names)}{more}" if names else "\nNo fields yet."
    return name + about + fields


def _type_menu(kind: RequestType, *, first: bool, last: bool) -> dict[str, Any]:
    choices = [("Edit", "edit"), ("Add a field", "add_field")]
    if not first:
        choices.append(("Move up", "up"))
    if not last:
        choices.append(("Move down", "down"))
    choices.append(("Bring back", "unretire") if kind.retired else ("Retire", "retire"))
    return {
        "type": "overflow",
        "action_id": SettingsIds.type_menu,
        "options": [option(label, f"{choice}:{kind.key}") for label, choice in choices],
    }


def type_modal(kind: RequestType | None, metadata: dict[str, Any]) -> dict[str, Any]:
    """The form of a type: a new one (its key asked for) or one to edit (its key kept: requests
    filed with it name it)."""
    blocks: list[Block] = []
    if kind is None:
        blocks.append(
            field(
                TYPE_KEY,
                "Key",
                text_input(placeholder="bug", max_length=32),
                hint="Lowercase letters, digits, - and _: it names the type in `liaison stats`.",
            )
        )
    else:
        blocks.append(context(f"Key: `{kind.key}`"))
    blocks += [
        field(TYPE_NAME, "Name", text_input(kind.name if kind else None, max_length=75)),
        field(
            TYPE_DESCRIPTION,
            "Description",
            text_input(kind.description if kind else None, max_length=150),
            optional=True,
        ),
    ]
    title = "New request type" if kind is None else f"Edit {kind.name}"
    return _form(SettingsIds.type_callback, title, blocks, metadata)


def read_type(view: dict[str, Any], *, new: bool) -> dict[str, Any]:
    """What the type's form says: its name and description (None to leave it out), and the key
    of a `new` one."""
    found: dict[str, Any] = {
        "name": read_text(view, TYPE_NAME),
        "description": read_text(view, TYPE_DESCRIPTION) or None,
    }
    if new:
        found["key"] = read_text(view, TYPE_KEY)
    return found


def field_modal(
    kind: RequestType, type_field: TypeField | None, metadata: dict[str, Any]
) -> dict[str, Any]:
    """The form of one field of `kind`: a new one, or one to edit (or remove)."""
    current = type_field
    kinds = [option(name, value.value) for value, name in KIND_NAMES.items()]
    kind_select: dict[str, Any] = {"type": "static_select", "options": kinds}
    if current is not None:
        kind_select["initial_option"] = option(KIND_NAMES[current.kind], current.kind.value)
    required: dict[str, Any] = {
        "type": "checkboxes",
        "options": [option("People must fill it in", "required")],
    }
    if current is not None and current.required:
        required["initial_options"] = required["options"]
    options = "\n".join(current.options) if current is not None else None
    # A text input holds 3,000 characters: longer options are kept as they are, not cut.
    kept = options is not None and len(options) > OPTIONS_TEXT
    if kept:
        metadata = {**metadata, KEEP_OPTIONS: True}
    blocks: list[Block] = [
        context(f"A field of *{text.mrkdwn(kind.name, 75)}*."),
        field(
            FIELD_KEY,
            "Key",
            text_input(current.key if current else None, placeholder="steps", max_length=32),
            hint="Lowercase letters, digits, - and _. Requests keep values under this key.",
        ),
        field(FIELD_LABEL, "Label", text_input(current.label if current else None)),
        field(FIELD_KIND, "Kind", kind_select),
        field(FIELD_REQUIRED, "Required", required, optional=True),
        context(
            f"Its {len(current.options)} options are too long to edit here together and are kept"
            " as they are: change them in the config file's `[[request_types]]`."
        )
        if kept and current is not None
        else field(
            FIELD_OPTIONS,
            "Options",
            text_input(options, multiline=True, max_length=OPTIONS_TEXT),
            optional=True,
            hint="One per line: the choices of a list, or of a checkbox group.",
        ),
        field(
            FIELD_HINT,
            "Hint",
            text_input(current.hint if current else None, max_length=2000),
            optional=True,
        ),
    ]
    if current is not None:
        remove = {"type": "checkboxes", "options": [option("Remove this field", "remove")]}
        blocks.append(field(FIELD_REMOVE, "Remove", remove, optional=True))
    title = "New field" if current is None else "Edit field"
    return _form(SettingsIds.field_callback, title, blocks, metadata)


def read_field(view: dict[str, Any]) -> dict[str, Any] | None:
    """The field's table as the submission makes it; None when it is to be removed."""
    if "remove" in read_options(view, FIELD_REMOVE):
        return None
    table: dict[str, Any] = {
        "key": read_text(view, FIELD_KEY),
        "label": read_text(view, FIELD_LABEL),
        "kind": read_option(view, FIELD_KIND) or "",
    }
    if "required" in read_options(view, FIELD_REQUIRED):
        table["required"] = True
    options = [line.strip() for line in read_text(view, FIELD_OPTIONS).splitlines()]
    if any(options):
        table["options"] = [o for o in options if o]
    hint = read_text(view, FIELD_HINT)
    if hint:
        table["hint"] = hint
    return table


def _form(
    callback: str, title: str, blocks: list[Block], metadata: dict[str, Any]
) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": callback,
        "title": plain(text.plain(title, MODAL_TITLE)),
        "submit": plain("Save"),
        "close": plain("Back"),
        "private_metadata": json.dumps(metadata),
        "blocks": blocks,
    }
