"""Why the workflow refused: a code and the facts the Slack layer needs to say it in words."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Attempt(StrEnum):
    """What the refused person tried to do to the request."""

    CLAIM = "claim"
    ESTIMATE = "estimate"
    ASK = "ask"
    NOT_READY = "not_ready"
    ANSWER = "answer"
    DECLINE = "decline"
    CANCEL = "cancel"
    EDIT = "edit"
    ACCEPT = "accept"
    ESCALATE = "escalate"
    REASSIGN = "reassign"
    SET_DATE = "set_date"
    REOPEN = "reopen"
    CLOSE = "close"
    CREATE_ISSUE = "create_issue"
    RETRY_ISSUE = "retry_issue"


class RefusalCode(StrEnum):
    """Each rule a person can run into. The facts each code carries are listed beside it."""

    ALREADY_CLOSED = "already_closed"  # reference, status
    MEMBERS_ONLY = "members_only"  # reference, department, attempt
    REQUESTER_ONLY = "requester_only"  # reference, requester, attempt
    ALREADY_CLAIMED = "already_claimed"  # reference, claimer
    CLAIMER_ONLY = "claimer_only"  # reference
    LEADS_ONLY = "leads_only"  # departments (names), attempt
    NOT_IN_DEPARTMENT = "not_in_department"  # user, department
    CLAIMER_OR_LEADS_ONLY = "claimer_or_leads_only"  # reference, department
    NO_NEGOTIATION = "no_negotiation"  # reference
    NOT_WAITING_FOR_ANSWER = "not_waiting_for_answer"  # reference, status
    NOT_REMINDED = "not_reminded"  # reference
    SNOOZE_CHOICE = "snooze_choice"  # choices
    FEEDBACK_REQUESTER_ONLY = "feedback_requester_only"  # (none)
    NOT_DELIVERED = "not_delivered"  # reference
    FEEDBACK_GIVEN = "feedback_given"  # reference
    NOT_CLAIMED = "not_claimed"  # reference
    DATE_IN_PAST = "date_in_past"  # reference, today
    NO_TRACKER = "no_tracker"  # reference, department
    ISSUE_EXISTS = "issue_exists"  # reference, key (None while it is being created)
    NOTHING_TO_RETRY = "nothing_to_retry"  # reference


class Refusal(Exception):
    """The actor may not do this now: `code` says which rule, `facts` what it needs to say why.
    `str(refusal)` is the code, for logs; bot/slack/refusals.py writes the sentence."""

    def __init__(self, code: RefusalCode, **facts: Any) -> None:
        super().__init__(code.value)
        self.code = code
        self.facts = facts
