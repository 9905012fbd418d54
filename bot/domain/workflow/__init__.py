"""What people do to a request after it is filed: claim, estimate, ask, deliver, decline, cancel,
reassign, edit, and the negotiation when the desired date is infeasible.

Every rule lives here once; reactions, buttons, modals, commands and thread replies all call these
methods. Each change is recorded as an event and queues its messages in the caller's transaction.
A `Refusal` carries the explanation for the person who tried something they may not do.

Each feature has its module, around the shared change context in `context.py`; `Workflow` puts
them together as the one entry point.
"""

from __future__ import annotations

from bot.domain.workflow.claiming import Claiming
from bot.domain.workflow.context import Refusal, find_by_card, lock_request
from bot.domain.workflow.editing import Editing
from bot.domain.workflow.questions import Questions

__all__ = [
    "Refusal",
    "Workflow",
    "find_by_card",
    "lock_request",
]


class Workflow(Claiming, Questions, Editing):
    """The operations on requests, within one transaction."""
