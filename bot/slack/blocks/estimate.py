"""The *Estimate…* modal: any number of working days the card's menu does not list."""

from __future__ import annotations

import json
from typing import Any

from bot.domain.estimates import MAX_DAYS, MIN_DAYS
from bot.slack.blocks.common import plain
from bot.slack.ids import EstimateModal, Intake


def estimate_modal(*, request_id: int, reference: str, current: float | None) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "number_input",
        "action_id": Intake.value,
        "is_decimal_allowed": True,
        "min_value": f"{MIN_DAYS:g}",
        "max_value": f"{MAX_DAYS:g}",
    }
    if current is not None:
        element["initial_value"] = f"{current:g}"
    return {
        "type": "modal",
        "callback_id": EstimateModal.callback,
        "title": plain(f"Estimate {reference}"),
        "submit": plain("Estimate"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps({"request_id": request_id}),
        "blocks": [
            {
                "type": "input",
                "block_id": EstimateModal.days,
                "label": plain("Working days"),
                "hint": plain(f"Whole or half days, from {MIN_DAYS:g} to {MAX_DAYS:g}."),
                "element": element,
            }
        ],
    }
