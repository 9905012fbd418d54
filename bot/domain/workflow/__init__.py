"""What people do to a request after it is filed: claim, estimate, ask, deliver, decline, cancel,
edit, send back as not ready, the negotiation when the desired date is infeasible, and a lead's
overrides (reassign, set the committed date, reopen, close a stale request).

Every rule lives here once; reactions, buttons, modals, commands and thread replies all call these
methods. Each change is recorded as an event and queues its messages in the caller's transaction.
A `Refusal` carries a code and the facts that explain it; the Slack layer writes the words.

Each feature has its module, around the shared change context in `context.py`; `Workflow` puts
them together as the one entry point.
"""

from __future__ import annotations

from bot.domain.workflow.context import find_by_card, lock_request
from bot.domain.workflow.editing import Editing
from bot.domain.workflow.overrides import Overrides
from bot.domain.workflow.readiness import Readiness
from bot.domain.workflow.refusals import Attempt, Refusal, RefusalCode

__all__ = [
    "Attempt",
    "Refusal",
    "RefusalCode",
    "Workflow",
    "find_by_card",
    "lock_request",
]


class Workflow(Overrides, Readiness, Editing):
    """The operations on requests, within one transaction."""
