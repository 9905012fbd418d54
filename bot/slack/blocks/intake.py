"""The intake modal (`/request` and the "Create request" shortcut) and reading it back."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.config import LiaisonConfig
from bot.domain.realistic import Realistic
from bot.domain.requests import (
    MAX_CLIENT,
    MAX_DETAILS,
    MAX_IMPACT,
    MAX_TITLE,
    TYPE_FIELD,
    RequestDraft,
)
from bot.slack import text
from bot.slack.blocks.common import Block, context, input_block, link, option, plain
from bot.slack.blocks.forms import ViewValues
from bot.slack.blocks.intake_types import department_of, type_block_id, type_select
from bot.slack.blocks.promise import at_risk_warning, realistic_hint
from bot.slack.blocks.type_fields import raw_type_fields, type_field_blocks, type_field_errors
from bot.slack.ids import EditModal, Intake

HARD, SOFT, YES, NO = "hard", "soft", "yes", "no"
FILE_ANYWAY = "I know, file it anyway"
CONFIRM_NEEDED = (
    "This hard deadline is likely at risk: tick this to file it anyway, or pick a later date."
)
# Which modal block shows the error for each field of RequestDraft.
FIELD_BLOCKS = {
    "title": Intake.title,
    "details": Intake.details,
    "client": Intake.client,
    "impact": Intake.impact,
    "desired_date": Intake.desired_date,
    "fulfilling_department": Intake.department,
}


def _text_input(
    block_id: str,
    label: str,
    *,
    initial: str = "",
    max_length: int,
    multiline: bool = False,
    optional: bool = True,
    placeholder: str | None = None,
    hint: str | None = None,
) -> Block:
    element: dict[str, Any] = {
        "type": "plain_text_input",
        "action_id": Intake.value,
        "multiline": multiline,
        "max_length": max_length,
    }
    if initial:
        # Slack rejects an initial value longer than max_length; the rest stays in the message.
        element["initial_value"] = initial[:max_length]
    if placeholder:
        element["placeholder"] = plain(placeholder)
    return input_block(block_id, label, element, optional=optional, hint=hint)


def _radio(
    block_id: str,
    label: str,
    choices: list[tuple[str, str]],
    initial: str,
    *,
    dispatch: bool = False,
) -> Block:
    options = [option(text_, value) for value, text_ in choices]
    return {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        **_dispatching(dispatch),
        "element": {
            "type": "radio_buttons",
            "action_id": Intake.value,
            "options": options,
            "initial_option": next(o for o in options if o["value"] == initial),
        },
    }


def intake_modal(
    *,
    config: LiaisonConfig,
    draft: RequestDraft | None = None,
    metadata: dict[str, Any] | None = None,
    editing: str | None = None,
    realistic: Realistic | None = None,
    file_anyway: bool = False,
) -> dict[str, Any]:
    """The modal view; `draft` prefills it (title from `/request words`, text from a message,
    or the request being edited, whose reference `editing` names). A new request's modal
    shows the team's earliest `realistic` date, warns when the desired date is before it (and
    for a hard deadline asks to confirm), and tells Liaison when the team, the date or the
    kind of deadline changes (bot/slack/listeners/promise.py)."""
    draft = draft or RequestDraft(title="")
    dispatch = editing is None
    department = department_of(config, draft)
    chosen_type = config.request_type(department, draft.request_type)
    metadata = {**(metadata or {}), SHOWN_TYPE: chosen_type.key if chosen_type else None}
    if editing:
        metadata[EDITED_TEAM] = department
    early = bool(
        realistic and draft.desired_date and not realistic.is_realistic(draft.desired_date)
    )
    blocks: list[Block] = [
        _text_input(
            Intake.title,
            "Title",
            initial=draft.title,
            max_length=MAX_TITLE,
            optional=False,
            placeholder="What do you need, in a few words?",
        ),
        _text_input(
            Intake.details,
            "Details",
            initial=draft.details,
            max_length=MAX_DETAILS,
            multiline=True,
            hint="What should it do, for whom, and how will you know it's done?",
        ),
        _text_input(
            Intake.client, "Client or account", initial=draft.client, max_length=MAX_CLIENT
        ),
        _text_input(
            Intake.impact,
            "Business impact",
            initial=draft.impact,
            max_length=MAX_IMPACT,
            multiline=True,
            hint="Revenue at stake, a renewal, a churn risk… it helps the team prioritise.",
        ),
        *(_kept_department(config, department) if editing else _department_select(config, draft)),
        *type_select(config, department, chosen_type, keep=draft.request_type if editing else None),
        *([_note(Intake.realistic, realistic_hint(realistic))] if realistic else []),
        _date_input(draft.desired_date, dispatch=dispatch),
        *([_note(Intake.warning, at_risk_warning(realistic))] if early else []),
        _radio(
            Intake.deadline,
            "Is that date a hard deadline?",
            [(SOFT, "Soft: a target, it can move"), (HARD, "Hard: it cannot move")],
            HARD if draft.hard_deadline else SOFT,
            dispatch=dispatch,
        ),
        *([_confirm(file_anyway)] if early and draft.hard_deadline else []),
        _radio(
            Intake.promised,
            "Has a date already been promised to the client?",
            [(NO, "No"), (YES, "Yes")],
            YES if draft.promised_to_client else NO,
        ),
        *(type_field_blocks(chosen_type, draft.type_fields) if chosen_type else []),
    ]
    source = (metadata or {}).get("source")
    if source:
        blocks.insert(0, context(link(source, "Started from this message")))
    return {
        "type": "modal",
        "callback_id": EditModal.callback if editing else Intake.callback,
        "title": plain(f"Edit {editing}"[:24] if editing else "New request"),
        "submit": plain("Save" if editing else "File request"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps(metadata or {}),
        "blocks": blocks,
    }


# Which type's fields the modal shows (private_metadata), so they are read back as that type's
# even when the menu changed before Slack told us.
SHOWN_TYPE = "type"
# The team of the request an edit modal is for (private_metadata): it is not edited.
EDITED_TEAM = "department"


def redrawn(
    view: dict[str, Any], draft: RequestDraft, config: LiaisonConfig, **shown: Any
) -> dict[str, Any]:
    """The intake (or edit) modal `view` drawn again for `draft`, as it was opened (`shown`: the
    realistic date and its confirmation, for a new request)."""
    metadata = view_metadata(view)
    editing = metadata.get("editing")
    return intake_modal(
        config=config,
        draft=draft,
        metadata=metadata,
        editing=editing if isinstance(editing, str) else None,
        **shown,
    )


def _note(block_id: str, words: str) -> Block:
    """A context line the modal's updates can find again by its block id."""
    return {**context(words), "block_id": block_id}


def _dispatching(dispatch: bool) -> dict[str, Any]:
    """An input block's `dispatch_action`: Slack then sends a block action on every change."""
    return {"dispatch_action": True} if dispatch else {}


def _kept_department(config: LiaisonConfig, key: str | None) -> list[Block]:
    """In the edit modal, the team said, not offered: a request stays with the team it was filed
    for (its card, claim and estimates are that team's)."""
    department = config.find_department(key) if key else None
    if len(config.fulfilling_departments()) <= 1 or department is None:
        return []
    name = text.mrkdwn(department.name, 100)
    return [
        _note(
            Intake.department_kept,
            f"For *{name}*. A request stays with the team it was filed for: to ask another "
            "team, cancel this one and file a new request.",
        )
    ]


def _department_select(config: LiaisonConfig, draft: RequestDraft) -> list[Block]:
    fulfillers = config.fulfilling_departments()
    if len(fulfillers) <= 1:
        return []
    options = [option(d.name, d.key) for d in fulfillers]
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": Intake.value,
        "options": options,
        "placeholder": plain("Choose a team"),
    }
    chosen = [o for o in options if o["value"] == draft.fulfilling_department]
    if chosen:
        element["initial_option"] = chosen[0]
    return [
        {
            "type": "input",
            "block_id": Intake.department,
            "label": plain("Which team should do it?"),
            "dispatch_action": True,
            "element": element,
        }
    ]


def _confirm(checked: bool) -> Block:
    """The checkbox that files a hard deadline before the realistic date anyway."""
    choice = option(FILE_ANYWAY, YES)
    element: dict[str, Any] = {"type": "checkboxes", "action_id": Intake.value, "options": [choice]}
    if checked:
        element["initial_options"] = [choice]
    return {
        "type": "input",
        "block_id": Intake.file_anyway,
        "label": plain("Hard deadline before the realistic date"),
        "optional": True,
        "element": element,
    }


def confirmed_anyway(view: dict[str, Any]) -> bool:
    """Whether the "file it anyway" box of a view's state is ticked."""
    return YES in ViewValues(view).checked(Intake.file_anyway)


def has_block(view: dict[str, Any], block_id: str) -> bool:
    blocks = view.get("blocks")
    return isinstance(blocks, list) and any(_object(b).get("block_id") == block_id for b in blocks)


def _date_input(initial: date | None, *, dispatch: bool = False) -> Block:
    element: dict[str, Any] = {
        "type": "datepicker",
        "action_id": Intake.value,
        "placeholder": plain("Pick a date"),
    }
    if initial:
        element["initial_date"] = initial.isoformat()
    return {
        "type": "input",
        "block_id": Intake.desired_date,
        "label": plain("Desired date"),
        "optional": True,
        **_dispatching(dispatch),
        "hint": plain("When would the client like it? The team will check it against an estimate."),
        "element": element,
    }


def read_intake(view: dict[str, Any], *, config: LiaisonConfig) -> RequestDraft:
    """The draft a submitted intake modal holds. Missing or malformed values read as empty, so
    validation (not a crash) deals with them."""
    values = ViewValues(view)
    typed, chosen = values.text, values.chosen

    metadata = view_metadata(view)
    fulfillers = config.fulfilling_departments()
    kept = _string(metadata.get(EDITED_TEAM)) if metadata.get("editing") else None
    department = kept or (chosen(Intake.department) if len(fulfillers) > 1 else fulfillers[0].key)
    # The fields shown are those of the type the modal was drawn with.
    shown = config.request_type(department, _string(metadata.get(SHOWN_TYPE)))
    return RequestDraft(
        title=typed(Intake.title),
        details=typed(Intake.details),
        client=typed(Intake.client),
        impact=typed(Intake.impact),
        desired_date=values.day(Intake.desired_date),
        hard_deadline=chosen(Intake.deadline) == HARD,
        promised_to_client=chosen(Intake.promised) == YES,
        fulfilling_department=department,
        source_permalink=_string(metadata.get("source")),
        request_type=chosen(type_block_id(department)),
        type_fields=raw_type_fields(view, shown) if shown else {},
    )


def shows_its_type(view: dict[str, Any], draft: RequestDraft) -> bool:
    """Whether the modal shows the fields of the type the draft has (it may not, when the type
    changed and Slack's notice of it was lost)."""
    return view_metadata(view).get(SHOWN_TYPE) == draft.request_type


def field_errors(
    problems: dict[str, str], *, config: LiaisonConfig, draft: RequestDraft
) -> dict[str, str]:
    """Domain validation problems as Slack's `response_action: errors` map (block id → message)."""
    errors: dict[str, str] = {}
    request_type = config.request_type(draft.fulfilling_department, draft.request_type)
    for field, message in problems.items():
        if field == "request_type":
            errors[type_block_id(draft.fulfilling_department)] = text.plain(message, 150)
        elif field.startswith(TYPE_FIELD) and request_type is not None:
            key = field.removeprefix(TYPE_FIELD)
            errors |= type_field_errors(request_type, {key: message})
        elif field in FIELD_BLOCKS:
            errors[FIELD_BLOCKS[field]] = text.plain(message, 150)
    return errors


def view_metadata(view: dict[str, Any]) -> dict[str, Any]:
    """A view's private_metadata as a JSON object (empty when it is anything else)."""
    encoded = view.get("private_metadata")
    if not isinstance(encoded, str):
        return {}
    try:
        data = json.loads(encoded or "{}")
    except (ValueError, RecursionError):  # RecursionError: "[[[[…" nested past the stack
        return {}
    return _object(data)


def _object(value: object) -> dict[str, Any]:
    """`value` when it is a JSON object, else an empty one: payload fields are read, not trusted."""
    return value if isinstance(value, dict) else {}


def _string(value: object) -> str | None:
    return value if isinstance(value, str) else None
