"""A request's type and its filled fields as the card and `/request status` show them: escaped,
nobody pinged, cut to Block Kit's limits (the database keeps every word). A retired type still
shows its name and labels; a field or type no longer in the settings shows under its key."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from bot.config import FieldKind, RequestType
from bot.domain.models import Request
from bot.domain.request_types import is_user_id
from bot.slack import text
from bot.slack.blocks.common import (
    FIELD_TEXT,
    Block,
    context,
    day,
    fields,
    link,
    quote_section,
    user,
)

NAME_TEXT = 150
LABEL_TEXT = 150
# Block Kit's section holds at most 10 fields.
FIELDS_PER_SECTION = 10
_LONG = (FieldKind.TEXT,)
# A longer address is shown as text: with its label it would not fit in a field.
URL_LINK = 1500


# The request type of a request, if it has one (from the workspace's settings).
Kind = Callable[[Request], RequestType | None]


def no_type(request: Request) -> RequestType | None:
    return None


def type_name(request: Request, request_type: RequestType | None) -> str | None:
    """The type's name as mrkdwn (its key when the settings lost it); None without a type."""
    if request.request_type is None:
        return None
    name = request_type.name if request_type is not None else request.request_type
    return text.mrkdwn(name, NAME_TEXT)


def type_field_summary(
    request_type: RequestType | None, values: Mapping[str, Any] | None, *, max_blocks: int
) -> list[Block]:
    """The filled fields, in the type's order (then any the type no longer has), at most
    `max_blocks` blocks: short values side by side, long text quoted, and a line saying how many
    more there are when they do not all fit."""
    shown = _shown(request_type, values or {})
    blocks: list[Block] = []
    pending: list[tuple[str, str]] = []
    room = max(max_blocks, 0)
    left = len(shown)

    def flush() -> None:
        if pending:
            blocks.append(fields(*pending))
            pending.clear()

    for label, kind, value in shown:
        # Keep a block free for "N more" while fields remain after this one.
        reserve = 1 if left > 1 else 0
        if kind in _LONG:
            if len(blocks) + bool(pending) + 1 + reserve > room:
                break
            flush()
            blocks.append(quote_section(label, str(value)))
        else:
            opens = not pending or len(pending) == FIELDS_PER_SECTION
            if opens and len(blocks) + bool(pending) + 1 + reserve > room:
                break
            if len(pending) == FIELDS_PER_SECTION:
                flush()
            pending.append((label, _short(kind, value)))
        left -= 1
    flush()
    if left and len(blocks) < room:
        blocks.append(context(f"and {left} more field{'s' if left > 1 else ''} not shown here"))
    return blocks


def _shown(
    request_type: RequestType | None, values: Mapping[str, Any]
) -> list[tuple[str, FieldKind | None, Any]]:
    """(escaped label, kind, value) of each filled field."""
    shown: list[tuple[str, FieldKind | None, Any]] = []
    known = request_type.fields if request_type is not None else ()
    for field in known:
        if _filled(values.get(field.key)):
            label = text.mrkdwn(field.label, LABEL_TEXT)
            shown.append((label, field.kind, values[field.key]))
    keys = {f.key for f in known}
    for key, value in values.items():
        if key not in keys and _filled(value):
            shown.append((text.mrkdwn(str(key), LABEL_TEXT), None, value))
    return shown


def _filled(value: object) -> bool:
    return value not in (None, "", [], False)


def _short(kind: FieldKind | None, value: object) -> str:
    """One field's value as mrkdwn."""
    room = FIELD_TEXT - LABEL_TEXT - 10
    if (
        kind == FieldKind.URL
        and isinstance(value, str)
        and value.lower().startswith(("http://", "https://"))
        and len(value) < URL_LINK
    ):
        # Shown cut; the link goes where it says, whole (link() escapes what would end it).
        return link(value, text.mrkdwn(value, 200))
    if kind == FieldKind.USER and is_user_id(value):
        return user(str(value))
    if kind == FieldKind.DATE and isinstance(value, str):
        try:
            return day(date.fromisoformat(value))
        except ValueError:
            pass
    if value is True:
        return "Yes"
    if isinstance(value, list):
        return text.cut_mrkdwn(", ".join(text.mrkdwn(str(v), 200) for v in value), room)
    return text.mrkdwn(str(value), room)
