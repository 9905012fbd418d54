"""What people do to a request after it is filed: claim, estimate, ask, deliver, decline, cancel,
edit, send back as not ready, the negotiation when the desired date is infeasible, and a lead's
overrides (reassign, set the committed date, reopen, close a stale request).

Every rule lives here once; reactions, buttons, modals, commands and thread replies all call these
methods. Each change is recorded as an event and queues its messages in the caller's transaction.
A `Refusal` carries a code and the facts that explain it, and what was done comes back as a
`Done` with its code and facts; the Slack layer writes the words for both.

Each feature has its module, around the shared change context in `context.py`; `Workflow` puts
them together as the one entry point.
"""

from __future__ import annotations

from bot.domain.workflow.context import find_by_card, lock_request
from bot.domain.workflow.done import Done, DoneCode
from bot.domain.workflow.editing import Editing
from bot.domain.workflow.issues import Issues
from bot.domain.workflow.readiness import Readiness
from bot.domain.workflow.refusals import Attempt, Refusal, RefusalCode
from bot.domain.workflow.tracker_sync import TrackerSync

__all__ = [
    "Attempt",
    "Done",
    "DoneCode",
    "Refusal",
    "RefusalCode",
    "Workflow",
    "find_by_card",
    "lock_request",
]


class Workflow(TrackerSync, Readiness, Editing, Issues):
    """The operations on requests, within one transaction."""
