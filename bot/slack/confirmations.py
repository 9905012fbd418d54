"""The words telling a person what the workflow did for them, with the mentions Slack renders
(bot/slack/refusals.py has the words for what it refused)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.domain.workflow import Done, DoneCode


def _day(value: Any) -> str:
    return f"{value:%a %-d %b}"


def _status(value: Any) -> str:
    return str(value.value).replace("_", " ")


def _answered(f: dict[str, Any]) -> str:
    told = f" and <@{f['asked_by']}> is told" if f["asked_by"] else ""
    return f"Your answer is in the thread of {f['reference']}{told}."


def _completed(f: dict[str, Any]) -> str:
    told = f" and <@{f['asked_by']}> is told" if f["asked_by"] else ""
    return f"{f['reference']} is complete{told}."


def _edited(f: dict[str, Any]) -> str:
    cleared = " The estimates were cleared; the team will estimate again."
    return f"{f['reference']} is updated." + (cleared if f["estimates_cleared"] else "")


def _snoozed(f: dict[str, Any]) -> str:
    plural = "s" if f["days"] > 1 else ""
    nudge = f["nudge"].replace("_", " ")
    return f"Reminders about {f['reference']} ({nudge}) are snoozed for {f['days']} day{plural}."


SENTENCES: dict[DoneCode, Callable[[dict[str, Any]], str]] = {
    DoneCode.CLAIMED: lambda f: f"You claimed {f['reference']}.",
    DoneCode.ALREADY_YOURS: lambda f: f"You already have {f['reference']}.",
    DoneCode.RELEASED: lambda f: f"You released {f['reference']}; it is back in the queue.",
    DoneCode.ESTIMATED: lambda f: f"Your estimate for {f['reference']}: {f['days']} working days.",
    DoneCode.SAME_ESTIMATE: lambda f: (
        f"Your estimate for {f['reference']} is already {f['days']} d."
    ),
    DoneCode.ACCEPTED: lambda f: (
        f"Agreed: {f['reference']} is committed for {_day(f['committed'])}."
    ),
    DoneCode.ESCALATED: lambda f: f"Escalated {f['reference']} to the leads of both departments.",
    DoneCode.ALREADY_ESCALATED: lambda f: (
        f"{f['reference']} is already escalated: the leads have it."
    ),
    DoneCode.ASKED: lambda f: f"I asked <@{f['requester']}> and will tell you when they answer.",
    DoneCode.ANSWERED: _answered,
    DoneCode.DECLINE_TOO_LATE: lambda f: (
        f"{f['reference']} was not declined: the reason did not come within {f['minutes']} "
        "minutes. React again to decline it."
    ),
    DoneCode.DELIVERED: lambda f: (
        f"{f['reference']} is delivered; I asked <@{f['requester']}> for feedback."
    ),
    DoneCode.DECLINE_ASKED: lambda f: (
        f"Reply in the thread of {f['reference']} with the reason within {f['minutes']} "
        "minutes, and I'll decline it."
    ),
    DoneCode.DECLINED: lambda f: f"{f['reference']} is declined; I passed your reason on.",
    DoneCode.CANCELLED: lambda f: f"{f['reference']} is cancelled.",
    DoneCode.FEEDBACK: lambda f: (
        "Thanks, noted." if f["helpful"] else "Thanks for saying so; I told the team."
    ),
    DoneCode.EDITED: _edited,
    DoneCode.UNCHANGED: lambda f: f"{f['reference']} is unchanged.",
    DoneCode.SNOOZED: _snoozed,
    DoneCode.REASSIGNED: lambda f: f"{f['reference']} is now <@{f['to']}>'s.",
    DoneCode.ALREADY_ASSIGNED: lambda f: f"<@{f['to']}> already has {f['reference']}.",
    DoneCode.DATE_SET: lambda f: (
        f"{f['reference']} is committed for {_day(f['day'])}; both sides are told."
    ),
    DoneCode.SAME_DATE: lambda f: f"{f['reference']} is already committed for {_day(f['day'])}.",
    DoneCode.REOPENED: lambda f: f"{f['reference']} is reopened ({_status(f['status'])}).",
    DoneCode.CLOSED: lambda f: (
        f"{f['reference']} is closed as {f['outcome'].value}; both sides are told."
    ),
    DoneCode.ISSUE_QUEUED: lambda f: f"Creating the issue for {f['reference']} in {f['target']}.",
    DoneCode.ISSUE_RETRIED: lambda f: f"Trying again to create the issue for {f['reference']}.",
    DoneCode.SEND_BACK_OFFERED: lambda f: (
        f"Is {f['reference']} not ready yet? Say what is missing and I'll ask the requester."
    ),
    DoneCode.SENT_BACK: lambda f: (
        f"{f['reference']} waits for <@{f['requester']}> to complete it; "
        "I'll tell you when they do."
    ),
    DoneCode.COMPLETED: _completed,
}


def confirmation_text(done: Done | None) -> str | None:
    """The sentence telling the person what was done, or None when there is nothing to say."""
    return None if done is None else SENTENCES[done.code](done.facts)
