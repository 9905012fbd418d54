"""The intake modal's request type menu: the chosen team's types (a retired one only for the
request being edited that has it), whose choice redraws the modal with that type's fields."""

from __future__ import annotations

from typing import Any

from bot.config import LiaisonConfig, RequestType
from bot.domain.requests import RequestDraft
from bot.slack import text
from bot.slack.blocks.common import Block, context, option, plain
from bot.slack.ids import Intake


def department_of(config: LiaisonConfig, draft: RequestDraft) -> str | None:
    """The draft's team: the one chosen, or the only one that does work."""
    fulfillers = config.fulfilling_departments()
    if draft.fulfilling_department is None and len(fulfillers) == 1:
        return fulfillers[0].key
    return draft.fulfilling_department


def type_block_id(department: str | None) -> str:
    """The block id of `department`'s request type menu."""
    return f"{Intake.request_type}.{department}"


def type_select(
    config: LiaisonConfig, department: str | None, chosen: RequestType | None, *, keep: str | None
) -> list[Block]:
    """The menu of the team's request types (none: no menu), and the chosen one's description.
    `keep`: a retired type the request being edited has, still offered to it."""
    types = [
        t
        for t in config.request_types_for(department, retired=True)
        if not t.retired or t.key == keep
    ][:100]
    if not types:
        return []
    options = [option(t.name, t.key) for t in types]
    element: dict[str, Any] = {
        "type": "static_select",
        "action_id": Intake.value,
        "options": options,
        "placeholder": plain("Choose the kind of request"),
    }
    picked = next((o for o in options if chosen and o["value"] == chosen.key), None)
    if picked is not None:
        element["initial_option"] = picked
    blocks: list[Block] = [
        {
            "type": "input",
            "block_id": type_block_id(department),
            "label": plain("What kind of request is it?"),
            # Always: the fields below follow the type, when filing and when editing.
            "dispatch_action": True,
            "element": element,
        }
    ]
    if chosen is not None and chosen.description:
        about = context(text.mrkdwn(chosen.description, 300))
        blocks.append({**about, "block_id": Intake.type_about})
    return blocks
