"""The words for each refusal of the workflow, with the mentions Slack renders."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.domain.workflow import Attempt, Refusal, RefusalCode

# How each attempt reads after "can …" in a sentence.
VERBS = {
    Attempt.CLAIM: "claim",
    Attempt.ESTIMATE: "estimate",
    Attempt.ASK: "ask about",
    Attempt.NOT_READY: "send back",
    Attempt.ANSWER: "answer questions about",
    Attempt.DECLINE: "decline",
    Attempt.CANCEL: "cancel",
    Attempt.EDIT: "edit",
    Attempt.ACCEPT: "accept a new date for",
    Attempt.ESCALATE: "escalate",
    Attempt.REASSIGN: "reassign",
    Attempt.SET_DATE: "set the committed date of",
    Attempt.REOPEN: "reopen",
    Attempt.CLOSE: "close",
    Attempt.CREATE_ISSUE: "create an issue for",
    Attempt.RETRY_ISSUE: "retry the issue of",
}


def _snooze_choice(f: dict[str, Any]) -> str:
    *most, last = (str(n) for n in f["choices"])
    return f"Reminders can be snoozed for {', '.join(most)} or {last} days: pick one in the menu."


SENTENCES: dict[RefusalCode, Callable[[dict[str, Any]], str]] = {
    RefusalCode.ALREADY_CLOSED: lambda f: f"{f['reference']} is already {f['status'].value}.",
    RefusalCode.MEMBERS_ONLY: lambda f: (
        f"Only members of {f['department']} can {VERBS[f['attempt']]} {f['reference']}. "
        "If you should be one, ask a lead to add you to the department."
    ),
    RefusalCode.REQUESTER_ONLY: lambda f: (
        f"Only <@{f['requester']}>, who filed {f['reference']}, can {VERBS[f['attempt']]} it."
    ),
    RefusalCode.ALREADY_CLAIMED: lambda f: (
        f"<@{f['claimer']}> has already claimed {f['reference']}."
    ),
    RefusalCode.CLAIMER_ONLY: lambda f: (
        f"Only the person who claimed {f['reference']} can release it."
    ),
    RefusalCode.LEADS_ONLY: lambda f: (
        f"Only a lead of {' or '.join(f['departments'])} can {VERBS[f['attempt']]} requests."
    ),
    RefusalCode.NOT_IN_DEPARTMENT: lambda f: (
        f"<@{f['user']}> is not in {f['department']}, so they can't take it."
    ),
    RefusalCode.CLAIMER_OR_LEADS_ONLY: lambda f: (
        f"Only the person who claimed {f['reference']} or a lead of {f['department']} can mark "
        "it delivered."
    ),
    RefusalCode.NO_NEGOTIATION: lambda f: f"{f['reference']} has no open negotiation.",
    RefusalCode.NOT_WAITING_FOR_ANSWER: lambda f: (
        f"{f['reference']} is no longer waiting for an answer: it is "
        f"{f['status'].value.replace('_', ' ')}."
    ),
    RefusalCode.NOT_REMINDED: lambda f: (
        f"Only the people this reminder about {f['reference']} is for can snooze it."
    ),
    RefusalCode.SNOOZE_CHOICE: _snooze_choice,
    RefusalCode.FEEDBACK_REQUESTER_ONLY: lambda f: (
        "Only the requester can say whether it met the need."
    ),
    RefusalCode.NOT_DELIVERED: lambda f: f"{f['reference']} is not delivered.",
    RefusalCode.FEEDBACK_GIVEN: lambda f: (
        f"You already said whether {f['reference']} met the need. Thanks!"
    ),
    RefusalCode.NOT_CLAIMED: lambda f: (
        f"Nobody has claimed {f['reference']}: reassign it to someone before committing a date."
    ),
    RefusalCode.DATE_IN_PAST: lambda f: (
        f"Pick a date from {f['today']:%a %-d %b} on: a committed date cannot be in the past."
    ),
    RefusalCode.NO_TRACKER: lambda f: (
        f"{f['department']} links no issue tracker, so {f['reference']} has nowhere to go."
    ),
    RefusalCode.ISSUE_EXISTS: lambda f: (
        f"{f['reference']} is already tracked as {f['key']}."
        if f.get("key")
        else f"The issue for {f['reference']} is already on its way."
    ),
    RefusalCode.NOTHING_TO_RETRY: lambda f: (
        f"The issue for {f['reference']} did not fail, so there is nothing to retry."
    ),
}


def refusal_text(refusal: Refusal) -> str:
    """The sentence telling the person why the workflow refused."""
    return SENTENCES[refusal.code](refusal.facts)
