"""The request lifecycle: its states, and the surfaces a change can come from."""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    NEW = "new"
    CLAIMED = "claimed"
    ESTIMATED = "estimated"
    AT_RISK = "at_risk"
    COMMITTED = "committed"
    NEEDS_INFO = "needs_info"
    DELIVERED = "delivered"
    DECLINED = "declined"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def is_open(self) -> bool:
        return self not in CLOSED


class Surface(StrEnum):
    """Where a change came from; recorded on every event."""

    SLASH_COMMAND = "slash_command"
    MODAL = "modal"
    SHORTCUT = "shortcut"
    REACTION = "reaction"
    BUTTON = "button"
    THREAD = "thread"
    SCHEDULER = "scheduler"
    CLI = "cli"
    # Found by comparing Slack with what was recorded: a reaction or reply whose event was lost.
    RECONCILE = "reconcile"


CLOSED = frozenset({Status.DELIVERED, Status.DECLINED, Status.CANCELLED})

_LABELS = {
    Status.NEW: "New: waiting for someone to claim it",
    Status.CLAIMED: "Claimed",
    Status.ESTIMATED: "Estimated",
    Status.AT_RISK: "At risk: the desired date looks infeasible",
    Status.COMMITTED: "Committed",
    Status.NEEDS_INFO: "Needs information from the requester",
    Status.DELIVERED: "Delivered",
    Status.DECLINED: "Declined",
    Status.CANCELLED: "Cancelled",
}
