"""Rendering queued outbox messages into Slack message arguments, one renderer per template."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.config import LiaisonConfig
from bot.domain import outbox
from bot.domain.models import OutboxMessage, Request
from bot.slack import text
from bot.slack.blocks.card import days
from bot.slack.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    actions,
    button,
    channel,
    day,
    link,
    section,
    user,
)
from bot.slack.blocks.digest import digest_figures, digest_message
from bot.slack.blocks.dm import FEEDBACK, answer_actions, decision_actions, decision_buttons
from bot.slack.blocks.not_ready import LABEL_SHOWN, not_ready_message
from bot.slack.blocks.nudges import snooze_menu
from bot.slack.blocks.trends import (
    VIEWS,
    series_values,
    trends_chart_upload,
    trends_message,
    week_labels,
)
from bot.slack.ids import Negotiation, Requester, TrackerFailure


@dataclass(frozen=True)
class Rendering:
    message: OutboxMessage
    request: Request | None
    config: LiaisonConfig

    @property
    def facts(self) -> dict[str, Any]:
        return self.message.payload or {}


Renderer = Callable[[Rendering], dict[str, Any]]
_RENDERERS: dict[str, Renderer] = {}


def renderer(template: str) -> Callable[[Renderer], Renderer]:
    def register(function: Renderer) -> Renderer:
        _RENDERERS[template] = function
        return function

    return register


def render(rendering: Rendering) -> dict[str, Any]:
    """`text` and `blocks` for a queued message."""
    assert rendering.message.template is not None
    return _RENDERERS[rendering.message.template](rendering)


def _simple(message: str, *extra: dict[str, Any]) -> dict[str, Any]:
    return {"text": message, "blocks": [section(message), *extra]}


def _ref(request: Request) -> str:
    return link(request.card_permalink, request.reference)


def _titled(request: Request) -> str:
    return f"{_ref(request)} “{text.mrkdwn(request.title, 300)}”"


def _date(value: str | None) -> str:
    return day(date.fromisoformat(value)) if value else "no date"


def _quoted(value: str | None) -> str:
    return "\n" + text.quote(value, 2000) if value else ""


@renderer(outbox.FILED_CONFIRMATION)
def _filed(r: Rendering) -> dict[str, Any]:
    request = r.request
    assert request is not None
    where = f" and posted in {channel(request.card_channel)}" if request.card_channel else ""
    message = (
        f"Your request {_titled(request)} is filed{where}. "
        f"Desired date: {day(request.desired_date)}. I'll tell you when someone claims it and "
        "how long they think it takes."
    )
    value = str(request.id)
    return _simple(
        message,
        actions(
            Requester.block,
            button("Edit", Requester.edit, value),
            button("Cancel request", Requester.cancel, value, style="danger"),
        ),
    )


# Thread entries on the card, one line per change.
_THREAD = {
    "claimed": "{actor} claimed it.",
    "unclaimed": "{actor} released it; it is back in the queue.",
    "reassigned": "{actor} reassigned it to {to}.",
    "estimated": "{actor} estimates {days} working days{previous}.{disagree}",
    "committed": "Committed for {committed}.",
    "accepted": "{actor} accepted the projected date: committed for {committed}.",
    "escalated": "{actor} escalated it to the leads of both departments.",
    "delivered": "{actor} marked it delivered.",
    "declined": "{actor} declined it.{reason}",
    "cancelled": "{actor} cancelled the request.",
    "answer": "*Answer from {actor}:*{answer}",
    "completed": "{actor} completed the request{labels}.{answer}",
    "edited": "{actor} edited the request ({fields}).{cleared}",
    "info_withdrawn": "{actor} withdrew the question: no answer is needed.",
    "decline_withdrawn": "{actor} took back the decline: replies here are conversation again.",
    "decline_dropped": "{actor} took it on, so the decline {decliner} asked for is off. React "
    "again to decline it.",
    "date_set": "{actor} set the committed date to {committed}{was}.{reason}",
    "reopened": "{actor} reopened it: it is not done yet.{reason}",
    "closed": "{actor} closed it as {outcome}.{reason}",
    "issue_requested": "{actor} asked for an issue in the tracker.",
    "issue_created": "Tracked in {issue}.",
    # Changes made to the request's issue in its tracker.
    "tracker_closed": "{issue} was closed in {tracker}{by}, so the request is delivered.",
    "tracker_reopened": "{issue} was reopened in {tracker}{by}: it is not done yet.",
    "tracker_due": "The due date of {issue} in {tracker} is now {due}{was_due}.",
    "tracker_assignee": "{issue} in {tracker} is now assigned to {assignee}.",
}

# DMs about a change, to whoever the change concerns.
_DIRECT = {
    "claimed": "{actor} claimed your request {request}.",
    "unclaimed": "{actor} released your request {request}; it is back in the queue.",
    "reassigned": "{actor} handed your request {request} to {to}.",
    "committed": "Your request {request} is committed for {committed} (estimate {estimate}).",
    "declined": "{actor} declined your request {request}.{reason}",
    "assigned_to_you": "{actor} assigned {request} to you.",
    "info_withdrawn": "{actor} withdrew their question about {request}: no answer is needed.",
    "accepted": "{actor} accepted the projected date for {request}: committed for {committed}.",
    "answered": "{actor} answered your question about {request}:{answer}",
    "completed": "{actor} completed {request}, which you sent back{labels}.{answer}",
    "cancelled": "{actor} cancelled {request}, which you had claimed: no need to go on with it.",
    "feedback": "{actor} says {request} {verdict}",
    "reestimate": "{actor} changed {request} after you estimated it, so your estimate was "
    "cleared. Please estimate it again.",
    # A lead's overrides: to the requester, and to the claimer ("_claimer").
    "unassigned": "{actor} handed {request}, which you had, to {to}: it is off your queue.",
    "date_set": "{actor} set the committed date of your request {request} to {committed}{was}."
    "{reason}",
    "date_set_claimer": "{actor} set the committed date of {request}, which you have, to "
    "{committed}{was}.{reason}",
    "reopened": "{actor} reopened your request {request}: the team is on it again.{reason}",
    "reopened_claimer": "{actor} reopened {request}, which you delivered: it is back in your "
    "queue.{reason}",
    "closed": "{actor} closed your request {request} as {outcome}.{reason}",
    "closed_claimer": "{actor} closed {request}, which you had claimed, as {outcome}: no need to "
    "go on with it.{reason}",
    "issue_created": "Your request {request} is now tracked by the team as {issue}.",
    "tracker_reopened": "{issue} was reopened in {tracker}{by}: your request {request} is being "
    "worked on again.",
    "tracker_due": "The due date of your request {request} in {tracker} ({issue}) is now "
    "{due}{was_due}.",
    "tracker_assignee": "Your request {request} is now assigned to {assignee} in {tracker} "
    "({issue}).",
}

# How each tracker is named to people.
TRACKER_NAMES = {"github": "GitHub", "jira": "Jira", "linear": "Linear"}


def _tracker_facts(facts: dict[str, Any]) -> dict[str, str]:
    """The words for a change made in a tracker: which issue (a link), which tracker, by whom,
    the new due date and assignee. Names from the tracker are people's text: escaped."""
    by = user(facts["by_user"]) if facts.get("by_user") else None
    if by is None and facts.get("by"):
        by = text.mrkdwn(str(facts["by"]), 100)
    assignee = user(facts["assignee_user"]) if facts.get("assignee_user") else None
    if assignee is None:
        assignee = text.mrkdwn(str(facts["assignee"]), 100) if facts.get("assignee") else "nobody"
    return {
        "issue": link(
            facts.get("issue_url"), text.mrkdwn(str(facts.get("issue_key") or "the issue"), 100)
        ),
        "tracker": TRACKER_NAMES.get(str(facts.get("tracker")), "the tracker"),
        "by": f" by {by}" if by else "",
        "due": _date(facts.get("due")),
        "was_due": f" (was {_date(facts['was_due'])})" if facts.get("was_due") else "",
        "assignee": assignee,
    }


def _change_facts(r: Rendering) -> dict[str, str]:
    request, facts = r.request, r.facts
    assert request is not None
    previous = facts.get("previous")
    estimators = facts.get("estimators") or []
    cleared = facts.get("estimators") if facts.get("change") == "edited" else None
    return {
        "actor": user(facts["actor"]) if facts.get("actor") else "Liaison",
        "decliner": user(facts["decliner"]) if facts.get("decliner") else "",
        "request": _titled(request),
        "to": user(facts["to"]) if facts.get("to") else "",
        "days": str(facts.get("days", "")),
        "previous": f" (was {previous})" if previous else "",
        "disagree": (
            " The estimates disagree widely: "
            + " ".join(user(e) for e in estimators)
            + ", please talk it through here."
            if facts.get("disagree")
            else ""
        ),
        "committed": _date(facts.get("committed")),
        "was": f" (was {_date(facts['was'])})" if facts.get("was") else "",
        "outcome": str(facts.get("outcome", "")),
        "estimate": days(request.estimate_days),
        "reason": _quoted(facts.get("reason")),
        "answer": _quoted(facts.get("answer")),
        "labels": (
            ": " + ", ".join(text.mrkdwn(label, 150) for label in facts["labels"][:40])
            if facts.get("labels")
            else ""
        ),
        "fields": _edited_fields(r) or "no changes",
        "cleared": (
            " The estimates were cleared: " + " ".join(user(e) for e in cleared) + ", please "
            "estimate again."
            if cleared
            else ""
        ),
        "verdict": "met the need. :+1:" if facts.get("helpful") else "did not fully meet the need.",
        **_tracker_facts(facts),
    }


def _edited_fields(r: Rendering) -> str:
    """The fields an edit changed, as people read them: a type's fields by their labels."""
    request = r.request
    assert request is not None
    names = [f.replace("_", " ") for f in r.facts.get("fields") or [] if f != "type_fields"]
    kind = r.config.request_type(request.fulfilling_department.key, request.request_type)
    for key in r.facts.get("type_fields") or []:
        field = kind.field(str(key)) if kind is not None else None
        names.append(text.mrkdwn(field.label if field else str(key), LABEL_IN_NOTE))
    return ", ".join(names)


LABEL_IN_NOTE = 80


@renderer(outbox.THREAD_NOTE)
def _thread_note(r: Rendering) -> dict[str, Any]:
    return _simple(_THREAD[r.facts["change"]].format(**_change_facts(r)))


@renderer(outbox.DIRECT_NOTE)
def _direct_note(r: Rendering) -> dict[str, Any]:
    return _simple(_DIRECT[r.facts["change"]].format(**_change_facts(r)))


@renderer(outbox.NEGOTIATION)
def _negotiation(r: Rendering) -> dict[str, Any]:
    request = r.request
    assert request is not None
    projected = _date(r.facts.get("projected"))
    who = f"{user(request.claimer_id)}'s" if request.claimer_id else "the team's"
    message = (
        f":warning: {_titled(request)} is at risk. With the estimate of "
        f"{days(request.estimate_days)} and {who} other work, delivery is projected for "
        f"*{projected}*, after the desired {_date(r.facts.get('desired'))}. "
        f"{user(request.requester_id)}, what would you like to do?"
    )
    value = str(request.id)
    return _simple(
        message,
        actions(
            Negotiation.block,
            button(f"Accept {projected}", Negotiation.accept, value, style="primary"),
            button("Cut scope", Negotiation.cut_scope, value),
            button("Escalate", Negotiation.escalate, value, style="danger"),
        ),
    )


@renderer(outbox.LEAD_ALERT)
def _lead_alert(r: Rendering) -> dict[str, Any]:
    request = r.request
    assert request is not None
    facts = r.facts
    opening = (
        f"{user(facts['actor'])} escalated {_titled(request)}."
        if facts.get("reason") == "escalated"
        else f":rotating_light: {_titled(request)} has a *hard deadline* that looks infeasible."
    )
    client = f" for {text.mrkdwn(request.client, 200)}" if request.client else ""
    message = (
        f"{opening} Filed by {user(request.requester_id)}{client}; desired "
        f"{_date(facts.get('desired'))}{' (hard deadline)' if request.hard_deadline else ''}, "
        f"projected {_date(facts.get('projected'))} with an estimate of "
        f"{days(request.estimate_days)} by "
        f"{user(request.claimer_id) if request.claimer_id else 'nobody yet'}."
        f"{' A date was already promised to the client.' if request.promised_to_client else ''}"
    )
    return _simple(message)


@renderer(outbox.INFO_REQUEST)
def _info_request(r: Rendering) -> dict[str, Any]:
    request = r.request
    assert request is not None
    asker, question = user(r.facts["actor"]), _quoted(r.facts.get("question"))
    if r.message.in_thread:
        message = (
            f"{user(request.requester_id)}, {asker} needs more information:{question}\n"
            "Please reply in this thread."
        )
    else:
        message = f"{asker} needs more information about your request {_titled(request)}" + (
            f":{question}" if question else "."
        )
        return _simple(message, answer_actions(request.id))
    return _simple(message)


@renderer(outbox.NOT_READY)
def _not_ready(r: Rendering) -> dict[str, Any]:
    request = r.request
    assert request is not None
    labels = [label for label in r.facts.get("missing") or [] if isinstance(label, str)]
    return not_ready_message(
        asker=r.facts["actor"],
        request=request,
        titled=_titled(request),
        labels=labels,
        note=r.facts.get("note"),
        in_thread=r.message.in_thread,
    )


@renderer(outbox.DELIVERED)
def _delivered(r: Rendering) -> dict[str, Any]:
    request = r.request
    assert request is not None
    how = ""
    if r.facts.get("tracker"):
        how = " ({issue} was closed in {tracker})".format(**_tracker_facts(r.facts))
    message = (
        f"{user(r.facts['actor'])} delivered your request {_titled(request)}{how}. "
        "Did it meet the need?"
    )
    return _simple(message, actions(Requester.block, *decision_buttons(FEEDBACK, str(request.id))))


@renderer(outbox.DECLINE_PROMPT)
def _decline_prompt(r: Rendering) -> dict[str, Any]:
    request = r.request
    assert request is not None
    minutes = r.facts.get("within_minutes")
    within = f" within {minutes} minutes" if isinstance(minutes, int) else ""
    return _simple(
        f"{user(r.facts['actor'])}, reply in this thread with the reason for declining{within}, "
        f"and I'll decline {request.reference} and pass it on to {user(request.requester_id)}. "
        "Only your first reply counts; removing your reaction calls it off."
    )


_NUDGE_TEXT = {
    "unclaimed": "{mentions} {request} has waited {hours} business hours for someone to claim it.",
    "unestimated": "{request}: you claimed it {hours} business hours ago; how many days will it "
    "take? React with a number or use the card's Estimate menu.",
    "needs_info": "{request} is waiting for your answer ({hours} business hours so far).",
    "negotiation": "{request} is at risk and waiting for your decision ({hours} business "
    "hours): accept the projected date, cut scope or escalate.",
    "due_soon": "{mentions} {request} is due {due}.",
    "overdue": "{mentions} {request} was due {due} and is not delivered. Is there news for the "
    "client?",
    "overdue_leads": "{request} is overdue (committed for {due}); you may want to look in.",
}


def _mentions(ids: list[str]) -> str:
    # Our own mentions of the team or a person, never text a user typed.
    return " ".join(f"<!subteam^{i[8:]}>" if i.startswith("subteam:") else user(i) for i in ids)


# A request sent back as not ready waits for its fields to be completed, not for an answer.
_NOT_READY_NUDGE = (
    "{request} was sent back as not ready and waits for you to complete {fields} "
    "({hours} business hours so far)."
)


def _completing(labels: list[Any]) -> str:
    """The labels of the fields awaited (each escaped and cut), or "it" when none were named."""
    shown = [text.mrkdwn(str(label), LABEL_SHOWN) for label in labels]
    return text.cut_mrkdwn(", ".join(shown), 1000) if shown else "it"


def nudge_line(item: dict[str, Any], *, with_mentions: bool) -> str:
    reference = link(item.get("permalink"), item["reference"])
    request = f"{reference} “{text.mrkdwn(item.get('title'), 200)}”"
    awaited = item.get("completing")
    template = _NUDGE_TEXT[item["kind"]]
    if item["kind"] == "needs_info" and isinstance(awaited, list):
        template = _NOT_READY_NUDGE
    return template.format(
        fields=_completing(awaited) if isinstance(awaited, list) else "",
        mentions=_mentions(item.get("mentions") or []) if with_mentions else "",
        request=request,
        hours=f"{item.get('waiting_hours', 0):g}",
        due=_date(item.get("due")),
    ).strip()


@renderer(outbox.NUDGE)
def _nudge(r: Rendering) -> dict[str, Any]:
    line = nudge_line(r.facts, with_mentions=True)
    block = section(line)
    block["accessory"] = snooze_menu(r.facts)
    return {"text": line, "blocks": [block]}


@renderer(outbox.NUDGE_DIGEST)
def _nudge_digest(r: Rendering) -> dict[str, Any]:
    items = r.facts.get("items") or []
    blocks = [section(f"*{len(items)} request{'s' if len(items) > 1 else ''} need you*")]
    lines = []
    # Blocks left, once every item has its line, for the buttons of decisions asked of the reader.
    spare = MAX_MESSAGE_BLOCKS - 1 - len(items[:45])
    for item in items[:45]:
        line = nudge_line(item, with_mentions=False)
        lines.append(line)
        block = section(line)
        block["accessory"] = snooze_menu(item)
        blocks.append(block)
        decide = decision_actions(item)
        if decide is not None and spare > 0:
            blocks.append(decide)
            spare -= 1
    return {"text": "Reminders: " + " · ".join(lines)[:3000], "blocks": blocks}


@renderer(outbox.WEEKLY_DIGEST)
def _weekly_digest(r: Rendering) -> dict[str, Any]:
    return digest_message(r.facts)


@renderer(outbox.DIGEST_FIGURES)
def _digest_figures(r: Rendering) -> dict[str, Any]:
    return digest_figures(r.facts)


@renderer(outbox.DIGEST_CHART)
def _digest_chart(r: Rendering) -> dict[str, Any]:
    # A file, not a message: the outbox uploads it (files_upload_v2) into the channel.
    # Imported here: matplotlib costs ~50 MB, which web workers that never draw should not pay.
    from bot.slack.chart import weekly_chart

    end = r.facts.get("period_end", "")[:10]
    return {
        "file": weekly_chart(r.facts.get("weeks") or []),
        "filename": f"liaison-digest-{end}.png",
        "title": f"Requests opened vs delivered, 8 weeks to {end}",
    }


@renderer(outbox.TRENDS)
def _trends(r: Rendering) -> dict[str, Any]:
    return trends_message(r.facts)


@renderer(outbox.TRENDS_CHART)
def _trends_chart(r: Rendering) -> dict[str, Any]:
    # A file, uploaded like the digest's chart; matplotlib is imported only to draw.
    from bot.slack.chart import trend_chart

    series, weeks = r.facts["series"], r.facts.get("weeks") or []
    view = VIEWS[series]
    lines = list(zip(view.labels, series_values(weeks, series), strict=True))
    png = trend_chart(view.title, week_labels(weeks), lines, view.unit)
    return trends_chart_upload(r.facts, series, png)


_WHAT = {
    outbox.CARD: "the request card",
    outbox.WEEKLY_DIGEST: "the weekly digest",
    outbox.DIGEST_CHART: "the weekly digest's chart",
    outbox.DIGEST_FIGURES: "the weekly digest's full figures",
    outbox.TRENDS: "the monthly trends",
    outbox.TRENDS_CHART: "a chart of the monthly trends",
}
# What a lead can do about Slack's permanent errors.
_REMEDY = {
    "channel_not_found": "the channel does not exist (check the Liaison configuration)",
    "not_in_channel": "invite Liaison to the channel",
    "is_archived": "the channel is archived: unarchive it or change the configuration",
    "account_inactive": "the person's account is deactivated",
}


@renderer(outbox.DELIVERY_FAILED)
def _delivery_failed(r: Rendering) -> dict[str, Any]:
    facts = r.facts
    what = _WHAT.get(facts.get("failed_kind", ""), "a message")
    about = f" about {facts['reference']}" if facts.get("reference") else ""
    destination = facts.get("destination") or ""
    where = channel(destination) if destination[:1] in ("C", "G") else user(destination)
    error = facts.get("error", "")
    remedy = _REMEDY.get(error.split(" ")[0], "")
    message = (
        f":warning: Liaison could not deliver {what}{about} to {where}: Slack answered "
        f"`{text.mrkdwn(error, 200)}`{' (' + remedy + ')' if remedy else ''}."
    )
    return _simple(message)


@renderer(outbox.CHANNEL_UNUSABLE)
def _channel_unusable(r: Rendering) -> dict[str, Any]:
    facts = r.facts
    where = channel(facts.get("channel", ""))
    purposes = " and ".join(facts.get("purposes") or []) or "a channel in the configuration"
    places = ", ".join(f"`{text.mrkdwn(p, 200)}`" for p in facts.get("places") or [])
    problem = facts.get("problem", "")
    if problem in ("channel_not_found", "not_invited"):
        why = "it is private (or it does not exist)"
    else:
        why = f"Slack answered `{text.mrkdwn(problem, 100)}`"
    message = (
        f":warning: Liaison cannot get into {where}, {purposes}: {why}. If it is a private "
        "channel, open it and type `/invite @Liaison`; until then what Liaison has to post "
        "there waits, and nothing is lost. If the channel is wrong, correct "
        f"{places or 'it'} in the configuration."
    )
    return _simple(message)


@renderer(outbox.NOT_FILED)
def _not_filed(r: Rendering) -> dict[str, Any]:
    title = text.mrkdwn(r.facts.get("title"), 200)
    return _simple(
        f"Your request \u201c{title}\u201d was not filed: a department it names was removed "
        "from Liaison's settings just after you sent it. Please file it again with `/request`."
    )


@renderer(outbox.TRACKER_FAILED)
def _tracker_failed(r: Rendering) -> dict[str, Any]:
    request = r.request
    assert request is not None
    message = (
        f":warning: Liaison could not create the issue for {_titled(request)} in the tracker, "
        f"which answered `{text.mrkdwn(r.facts.get('error'), 500)}`. Fix what it says (the "
        "credentials, the target, or the claimer's account), then retry."
    )
    return _simple(
        message,
        actions(
            f"{TrackerFailure.block}:{request.id}",
            button("Retry", TrackerFailure.retry, str(request.id), style="primary"),
        ),
    )
