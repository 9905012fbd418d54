"""Not ready: the button offered to someone who reacted, the modal naming what is missing, the
message listing it (in the card's thread and the requester's DM), and the modal in which the
requester completes the request."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from bot.config import RequestType
from bot.config.models import MAX_CHECKBOXES
from bot.domain.models import Request
from bot.slack import text
from bot.slack.blocks.common import (
    MODAL_TITLE,
    SECTION_TEXT,
    Block,
    actions,
    button,
    context,
    input_block,
    option,
    plain,
    section,
    user,
)
from bot.slack.blocks.forms import ViewValues
from bot.slack.blocks.notes import MAX_NOTE
from bot.slack.blocks.type_fields import type_field_blocks
from bot.slack.ids import NotReady

LABEL_SHOWN = 150
LABELS_LISTED = 40
# What the list of fields and the note may take of a message's section (the rest: who sent it
# back, the request's reference and title); the note is quoted to at most NOTE_SHOWN.
MISSING_TEXT = SECTION_TEXT - 700
NOTE_SHOWN = 1000


def offer(message: str, request_id: int) -> dict[str, Any]:
    """What someone who reacted "not ready" sees privately (`message` asks what is missing): a
    reaction cannot open a modal, a click can."""
    return {
        "text": message,
        "blocks": [
            section(message),
            actions(
                NotReady.offer,
                button("Say what is missing", NotReady.open, str(request_id), style="primary"),
            ),
        ],
    }


def not_ready_modal(
    *, reference: str, requester: str, request_type: RequestType | None, metadata: dict[str, Any]
) -> dict[str, Any]:
    """Tick the fields of the request's type that are missing or unclear, and/or write a note
    (only the note for a request without a type, or one whose type has no fields)."""
    fields = request_type.fields if request_type is not None else ()
    blocks: list[Block] = [
        section(f"{user(requester)} gets what you name here in a DM, with a button to complete it.")
    ]
    if fields:
        options = [option(f.label, f.key) for f in fields]
        element: dict[str, Any] = (
            {"type": "checkboxes", "options": options}
            if len(options) <= MAX_CHECKBOXES
            else {"type": "multi_static_select", "options": options, "placeholder": plain("Fields")}
        )
        blocks.append(
            input_block(
                NotReady.missing,
                "Missing or unclear",
                {**element, "action_id": NotReady.value},
                optional=True,
            )
        )
    note = {
        "type": "plain_text_input",
        "action_id": NotReady.value,
        "multiline": True,
        "max_length": MAX_NOTE,
    }
    blocks.append(
        input_block(
            NotReady.note,
            "What else is needed?" if fields else "What is missing?",
            note,
            optional=bool(fields),
        )
    )
    return {
        "type": "modal",
        "callback_id": NotReady.callback,
        "title": plain(text.plain(f"{reference} not ready", MODAL_TITLE)),
        "submit": plain("Send back"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps(metadata),
        "blocks": blocks,
    }


def read_not_ready(view: dict[str, Any]) -> tuple[list[str], str]:
    """The field keys ticked and the note typed in a submitted not-ready modal."""
    values = ViewValues(view)
    return values.options(NotReady.missing), values.text(NotReady.note)


def missing_list(labels: Sequence[str], note: str | None) -> str:
    """The fields named, one per line, then the note quoted (mrkdwn), within MISSING_TEXT so
    that the message around it stays one section: the labels that fit, then how many more."""
    quoted = text.quote(note, NOTE_SHOWN) if note else ""
    room = MISSING_TEXT - len(quoted) - len(f"• … and {len(labels)} more") - 2
    lines: list[str] = []
    for label in labels[:LABELS_LISTED]:
        line = f"• {text.mrkdwn(label, LABEL_SHOWN)}"
        if sum(len(x) + 1 for x in lines) + len(line) > room:
            break
        lines.append(line)
    if len(labels) > len(lines):
        lines.append(f"• … and {len(labels) - len(lines)} more")
    return "\n".join([*lines, *([quoted] if quoted else [])])


def not_ready_message(
    *,
    asker: str,
    request: Request,
    titled: str,
    labels: Sequence[str],
    note: str | None,
    in_thread: bool,
) -> dict[str, Any]:
    """What `asker` sent back as not ready, in the card's thread or (with the button that opens
    the completion modal) in the requester's DM; `titled` is the request's linked title."""
    named = missing_list(labels, note)
    what = "Missing or unclear:" if labels else "What is needed:"
    if in_thread:
        message = (
            f"{user(asker)} sent it back as not ready. {what}\n{named}\n"
            f"{user(request.requester_id)} can complete it from the DM I sent."
        )
        return {"text": message, "blocks": [section(message)]}
    message = f"{user(asker)} says your request {titled} is not ready yet. {what}\n{named}"
    complete = button("Complete the request", NotReady.complete, str(request.id), style="primary")
    return {"text": message, "blocks": [section(message), actions(NotReady.block, complete)]}


def complete_modal(
    *,
    reference: str,
    asker: str | None,
    request_type: RequestType | None,
    values: dict[str, Any],
    note: str | None,
    metadata: dict[str, Any],
) -> dict[str, Any]:
    """The fields named (`request_type` with only those: `RequestType.only`) showing what the
    request holds now, and an answer to the note (required when there are no fields to fill)."""
    fields = request_type.fields if request_type is not None else ()
    who = user(asker) if asker else "The team"
    blocks: list[Block] = [section(f"{who} needs more before judging {reference}.")]
    if note:
        blocks.append(section(f"{who} wrote:\n{text.quote(note, SECTION_TEXT - 40)}"))
    if request_type is not None and fields:
        blocks += type_field_blocks(request_type, values)
    answer = {
        "type": "plain_text_input",
        "action_id": NotReady.value,
        "multiline": True,
        "max_length": MAX_NOTE,
    }
    label = "Anything else to add?" if fields else "Your answer"
    blocks.append(input_block(NotReady.answer, label, answer, optional=bool(fields)))
    blocks.append(context(f"The request is updated and the team is told in {reference}'s thread."))
    return {
        "type": "modal",
        "callback_id": NotReady.complete_callback,
        "title": plain(text.plain(f"Complete {reference}", MODAL_TITLE)),
        "submit": plain("Send"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps(metadata),
        "blocks": blocks,
    }
