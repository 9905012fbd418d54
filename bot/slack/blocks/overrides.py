"""A lead's overrides: the menu on the card and on a Home *Needs attention* item, and the modal
each choice opens (a person to hand the request to, a date and what was agreed, a reason)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from bot.domain.lifecycle import Status
from bot.domain.models import Request
from bot.slack import text
from bot.slack.blocks.common import MODAL_TITLE, button, option, plain, section, user
from bot.slack.blocks.notes import note_modal
from bot.slack.ids import LeadActions

CANCELLED, DECLINED = Status.CANCELLED.value, Status.DECLINED.value
# What a lead may close a request as, with how the modal says it.
CLOSE_CHOICES = (
    (CANCELLED, "Cancelled: it is no longer needed"),
    (DECLINED, "Declined: the team will not do it"),
)
TITLE_TEXT = 200

Element = dict[str, Any]


def lead_menu(request: Request) -> Element | None:
    """The lead's entry point for `request`: an overflow menu ("…") while it is open, a Reopen
    button once delivered, nothing once declined or cancelled. Anyone may click it; only a lead
    gets a modal (bot/slack/listeners/overrides.py)."""
    value = f"{request.id}:{{}}"
    if request.status.is_open:
        return {
            "type": "overflow",
            "action_id": LeadActions.menu,
            "options": [
                option("Lead: reassign…", value.format(LeadActions.reassign)),
                option("Lead: set the committed date…", value.format(LeadActions.commit_date)),
                option("Lead: close as stale…", value.format(LeadActions.close)),
            ],
        }
    if request.status is Status.DELIVERED:
        return button("Reopen (leads)…", LeadActions.menu, value.format(LeadActions.reopen))
    return None


def _title(verb: str, request: Request) -> str:
    return text.plain(f"{verb} {request.reference}", MODAL_TITLE)


def _about(request: Request) -> str:
    return f"*{request.reference}* {text.mrkdwn(request.title, TITLE_TEXT)}"


def _modal(
    callback: str,
    title: str,
    intro: str,
    label: str,
    metadata: dict[str, Any],
    submit: str,
    *before_reason: Element,
) -> dict[str, Any]:
    """A note modal asking for the reason, with `before_reason` inputs above it."""
    view = note_modal(callback, title, intro, label, LeadActions.reason, metadata)
    view["submit"] = plain(submit)
    view["blocks"][1:1] = list(before_reason)
    return view


def _input(block_id: str, label: str, element: Element, hint: str | None = None) -> Element:
    block: Element = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label),
        "element": {**element, "action_id": LeadActions.value},
    }
    if hint:
        block["hint"] = plain(hint)
    return block


def reassign_modal(request: Request, metadata: dict[str, Any]) -> dict[str, Any]:
    element: Element = {"type": "users_select", "placeholder": plain("Pick a person")}
    if request.claimer_id:
        element["initial_user"] = request.claimer_id
    holder = f"{user(request.claimer_id)} has it now" if request.claimer_id else "Nobody has it"
    return {
        "type": "modal",
        "callback_id": LeadActions.reassign_callback,
        "title": plain(_title("Reassign", request)),
        "submit": plain("Reassign"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps(metadata),
        "blocks": [
            section(f"{_about(request)}\n{holder}."),
            _input(
                LeadActions.assignee,
                "Who should do it?",
                element,
                hint="Someone in the team; they, the requester and the previous holder are told.",
            ),
        ],
    }


def commit_date_modal(request: Request, metadata: dict[str, Any], *, today: date) -> dict[str, Any]:
    element: Element = {"type": "datepicker", "placeholder": plain("Pick a date")}
    initial = request.committed_date or request.projected_date or request.desired_date
    if initial is not None and initial >= today:
        element["initial_date"] = initial.isoformat()
    return _modal(
        LeadActions.commit_date_callback,
        _title("Commit", request),
        f"{_about(request)}\nThe date both sides agreed on; the requester and the claimer are "
        "told, with what you write below.",
        "What was agreed, and with whom?",
        metadata,
        "Commit",
        _input(LeadActions.date, "Committed date", element),
    )


def reopen_modal(request: Request, metadata: dict[str, Any]) -> dict[str, Any]:
    return _modal(
        LeadActions.reopen_callback,
        _title("Reopen", request),
        f"{_about(request)}\nIt goes back to work; the requester and the claimer are told why.",
        "What is missing?",
        metadata,
        "Reopen",
    )


def close_modal(request: Request, metadata: dict[str, Any]) -> dict[str, Any]:
    options = [option(label, value) for value, label in CLOSE_CHOICES]
    element: Element = {"type": "radio_buttons", "options": options, "initial_option": options[0]}
    return _modal(
        LeadActions.close_callback,
        _title("Close", request),
        f"{_about(request)}\nThe requester and the claimer are told, with the reason.",
        "Why close it? (e.g. stale: no news for weeks)",
        metadata,
        "Close request",
        _input(LeadActions.outcome, "Close it as", element),
    )
