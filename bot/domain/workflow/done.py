"""What the workflow did, told back to the person who did it: a code and the facts the Slack
layer needs to say it in words (bot/slack/confirmations.py), as a `Refusal` is for what it
refused."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class DoneCode(StrEnum):
    """Each outcome a person is told about. The facts each code carries are listed beside it."""

    CLAIMED = "claimed"  # reference
    ALREADY_YOURS = "already_yours"  # reference
    RELEASED = "released"  # reference
    ESTIMATED = "estimated"  # reference, days
    SAME_ESTIMATE = "same_estimate"  # reference, days
    ACCEPTED = "accepted"  # reference, committed (date)
    ESCALATED = "escalated"  # reference
    ALREADY_ESCALATED = "already_escalated"  # reference
    ASKED = "asked"  # reference, requester
    ANSWERED = "answered"  # reference, asked_by (or None)
    DECLINE_TOO_LATE = "decline_too_late"  # reference, minutes
    DELIVERED = "delivered"  # reference, requester
    DECLINE_ASKED = "decline_asked"  # reference, minutes
    DECLINED = "declined"  # reference
    CANCELLED = "cancelled"  # reference
    FEEDBACK = "feedback"  # helpful
    EDITED = "edited"  # reference, estimates_cleared
    UNCHANGED = "unchanged"  # reference
    SNOOZED = "snoozed"  # reference, nudge, days
    REASSIGNED = "reassigned"  # reference, to
    ALREADY_ASSIGNED = "already_assigned"  # reference, to
    DATE_SET = "date_set"  # reference, day
    SAME_DATE = "same_date"  # reference, day
    REOPENED = "reopened"  # reference, status
    CLOSED = "closed"  # reference, outcome (the status it was closed as)
    ISSUE_QUEUED = "issue_queued"  # reference, target (where the tracker creates it)
    ISSUE_RETRIED = "issue_retried"  # reference
    SEND_BACK_OFFERED = "send_back_offered"  # reference
    SENT_BACK = "sent_back"  # reference, requester (sent back as not ready)
    COMPLETED = "completed"  # reference, asked_by (or None)


class Done:
    """What was done: `code` says what, `facts` what it needs to be told."""

    def __init__(self, code: DoneCode, **facts: Any) -> None:
        self.code = code
        self.facts = facts

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Done) and (self.code, self.facts) == (other.code, other.facts)

    __hash__ = None  # type: ignore[assignment]  # facts are a dict

    def __repr__(self) -> str:
        return f"Done({self.code.value}, {self.facts!r})"
