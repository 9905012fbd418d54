"""The request lifecycle: its states, the kinds of change in its history, and the surfaces a
change can come from."""

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


class EventKind(StrEnum):
    """What an entry of a request's history records. Only these can be recorded; each has a label
    in the request's timeline (bot/slack/blocks/replies.py)."""

    CREATED = "created"
    CLAIMED = "claimed"
    UNCLAIMED = "unclaimed"
    REASSIGNED = "reassigned"
    ESTIMATED = "estimated"
    COMMITTED = "committed"
    AT_RISK = "at_risk"
    ACCEPTED = "accepted"
    ESCALATED = "escalated"
    NEEDS_INFO = "needs_info"
    # Sent back as not ready: the fields of its type still missing or unclear, and a note.
    NOT_READY = "not_ready"
    INFO_PROVIDED = "info_provided"
    INFO_WITHDRAWN = "info_withdrawn"
    DELIVERED = "delivered"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    EDITED = "edited"
    FEEDBACK = "feedback"
    SNOOZED = "snoozed"
    # A lead's overrides (bot/domain/workflow/overrides.py).
    DATE_SET = "date_set"  # the committed date set after a conversation
    REOPENED = "reopened"  # a delivered request back to work
    CLOSED = "closed"  # an open request closed as cancelled or declined (a stale one)


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
    # A modal opened from the Home tab (one opened from the card is MODAL).
    HOME = "home"
    # Found by comparing Slack with what was recorded: a reaction or reply whose event was lost.
    RECONCILE = "reconcile"
    # The request's issue changed in its department's tracker (a webhook, or a poll).
    TRACKER = "tracker"


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
