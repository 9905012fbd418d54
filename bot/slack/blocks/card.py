"""The request card: the single live view of a request in the intake channel."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.config import LiaisonConfig, Reactions, RequestType
from bot.domain.feasibility import estimates_disagree
from bot.domain.lifecycle import Status
from bot.domain.models import Request
from bot.domain.request_types import request_type_of
from bot.slack import text
from bot.slack.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    Block,
    actions,
    button,
    context,
    day,
    fields,
    header,
    link,
    option,
    plain,
    quote_section,
    section,
    user,
)
from bot.slack.blocks.not_ready import LABEL_SHOWN
from bot.slack.blocks.overrides import lead_menu
from bot.slack.blocks.type_summary import type_field_summary, type_name
from bot.slack.ids import Card

# The card's menu: the usual sizes; "Other…" opens a modal for any other (bot/domain/estimates.py).
ESTIMATE_CHOICES = (0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9, 10, 15, 20, 30, 40, 60)
# Each choice as the menu's option value names it; a value not here is not from the menu.
ESTIMATE_OPTIONS = {f"{n:g}": n for n in ESTIMATE_CHOICES}
# The fields awaited as the status shows them: well within a section field with its label.
AWAITED_TEXT = 1200


def card_title(request: Request) -> str:
    return f"{request.reference} · {request.title}"


def status_line(request: Request, awaited: Sequence[str] | None = None) -> str:
    """The request's status in words (mrkdwn); `awaited`, for a request sent back as not ready,
    names the fields the requester is to complete ([] when only a note was written)."""
    if awaited is None or request.status is not Status.NEEDS_INFO:
        return request.status.label
    if not awaited:
        return "Waiting for the requester to complete the request"
    return "Waiting for the requester to complete: " + text.cut_mrkdwn(
        ", ".join(text.mrkdwn(label, LABEL_SHOWN) for label in awaited), AWAITED_TEXT
    )


def card_text(request: Request, awaited: Sequence[str] | None = None) -> str:
    """The plain-text fallback (notifications, screen readers, clients without blocks)."""
    desired = day(request.desired_date)
    return (
        f"{request.reference}: {text.mrkdwn(request.title, 500)} — requested by "
        f"{user(request.requester_id)}, desired {desired}"
        f"{' (hard deadline)' if request.hard_deadline else ''}. "
        f"Status: {status_line(request, awaited)}."
    )


def desired_date_line(request: Request) -> str:
    if request.desired_date is None:
        return "No date given"
    kind = "hard deadline" if request.hard_deadline else "soft deadline"
    return f"{day(request.desired_date)} ({kind})"


def days(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g} d"


def estimate_line(request: Request) -> str:
    """ "3 d", "3 d (median of 3)", "3 d · usually ×1.4 → 4.2 d"."""
    if request.estimate_days is None:
        return "Not yet"
    line = days(request.estimate_days)
    if len(request.estimates) > 1:
        mine = any(e.estimator_id == request.claimer_id for e in request.estimates)
        line += " (the claimer's)" if mine else f" (median of {len(request.estimates)})"
    ratio = request.forecast_ratio
    if ratio is not None and abs(ratio - 1) >= 0.05:
        who = "usually" if request.forecast_basis == "personal" else "the team usually"
        line += f" · {who} ×{ratio:g} → {days(round(request.estimate_days * ratio, 1))}"
    return line


def how_to_respond(reactions: Reactions) -> str:
    estimate = sorted(reactions.estimate_days.items(), key=lambda item: item[1])
    first, last = estimate[0], estimate[-1]
    return (
        f"React :{reactions.claim[0]}: to claim · :{first[0]}: … :{last[0]}: to estimate in "
        f"working days ({first[1]}–{last[1]}) · :{reactions.needs_info[0]}: to ask the requester "
        f"· :{reactions.deliver[0]}: delivered · :{reactions.decline[0]}: decline"
    )


@dataclass(frozen=True)
class IssueOnCard:
    """The request's issue in its department's tracker as the card shows it: its state, key and
    address (once created), and whether to offer a "Create issue" button (a tracker that creates
    issues by hand, and none yet)."""

    state: str | None = None
    key: str | None = None
    url: str | None = None
    offer: bool = False


def request_card(
    request: Request,
    *,
    reactions: Reactions,
    issue: IssueOnCard | None = None,
    request_type: RequestType | None = None,
    awaited: Sequence[str] | None = None,
) -> list[Block]:
    """Blocks for the card; the thread under it is the request's conversation. `issue`: its
    issue in the department's tracker; `request_type`: the type it was filed as (from the
    settings), whose name and field labels it shows; `awaited`: the labels of the fields the
    requester is to complete when it was sent back as not ready (see `status_line`)."""
    dates = (
        ("Committed for", day(request.committed_date))
        if request.committed_date
        else (
            "Projected delivery",
            day(request.projected_date) if request.projected_date else "After an estimate",
        )
    )
    blocks: list[Block] = [
        header(card_title(request)),
        fields(
            ("Requested by", user(request.requester_id)),
            ("Client", text.mrkdwn(request.client, 500) or "—"),
            ("Desired date", desired_date_line(request)),
            (
                "Promised to the client",
                "Yes, already promised" if request.promised_to_client else "No",
            ),
            ("Status", status_line(request, awaited)),
            ("Claimed by", user(request.claimer_id) if request.claimer_id else "Nobody yet"),
            ("Estimate", estimate_line(request)),
            dates,
            *_type_line(request, request_type),
        ),
    ]
    blocks.extend(_situation(request, awaited))
    if request.impact:
        blocks.append(quote_section("Business impact", request.impact))
    if request.details:
        blocks.append(quote_section("Details", request.details))
    typed_at = len(blocks)
    notes = []
    if request.source_permalink:
        notes.append(link(request.source_permalink, "Started from this conversation"))
    if issue is not None and (line := _issue_line(issue)):
        notes.append(line)
    if request.status.is_open:
        notes.append(how_to_respond(reactions))
    if notes:
        blocks.append(context(*notes))
    if request.status.is_open:
        blocks.append(card_actions(request, offer_issue=issue is not None and issue.offer))
    elif (reopen := lead_menu(request)) is not None:
        blocks.append(actions(f"{Card.block}:{request.id}", reopen))
    room = MAX_MESSAGE_BLOCKS - len(blocks)
    blocks[typed_at:typed_at] = type_field_summary(
        request_type, request.type_fields, max_blocks=room
    )
    return blocks


def _type_line(request: Request, request_type: RequestType | None) -> list[tuple[str, str]]:
    name = type_name(request, request_type)
    return [("Type", name)] if name else []


def _situation(request: Request, awaited: Sequence[str] | None) -> list[Block]:
    """What needs attention right now, in a sentence or two."""
    blocks: list[Block] = []
    estimates = {e.estimator_id: e.days for e in request.estimates}
    if len(estimates) > 1:
        listed = " · ".join(f"{user(who)} {days(n)}" for who, n in sorted(estimates.items()))
        blocks.append(context(f"Estimates: {listed}"))
    if estimates_disagree(estimates):
        names = " ".join(user(who) for who in sorted(estimates))
        blocks.append(
            section(
                f":warning: *The estimates disagree widely* ({days(min(estimates.values()))} vs "
                f"{days(max(estimates.values()))}). {names}, please talk it through in the thread."
            )
        )
    if request.status is Status.AT_RISK:
        blocks.append(
            section(
                ":rotating_light: *At risk*: the projected delivery "
                f"({day(request.projected_date)}) is after the desired date "
                f"({day(request.desired_date)}). Waiting for "
                f"{user(request.requester_id)} to accept the new date, cut scope or escalate."
            )
        )
    if request.status is Status.NEEDS_INFO and request.info_asked_by and awaited is not None:
        blocks.append(
            section(
                f":memo: {user(request.info_asked_by)} sent it back as not ready; work waits for "
                f"{user(request.requester_id)} to complete it from the DM."
            )
        )
    elif request.status is Status.NEEDS_INFO and request.info_asked_by:
        blocks.append(
            section(
                f":question: {user(request.info_asked_by)} asked {user(request.requester_id)} "
                "a question in the thread; work waits for the answer."
            )
        )
    if request.status is Status.DECLINED and request.decline_reason:
        blocks.append(quote_section("Declined because", request.decline_reason))
    return blocks


def _issue_line(issue: IssueOnCard) -> str | None:
    if issue.key:
        return ":link: Tracked in " + link(issue.url, text.mrkdwn(issue.key, 200))
    if issue.state in ("queued", "creating"):
        return ":hourglass_flowing_sand: Creating its issue in the tracker…"
    if issue.state == "failed":
        return ":warning: The tracker refused its issue; the leads can retry."
    return None


def card_actions(request: Request, *, offer_issue: bool = False) -> Block:
    value = str(request.id)
    claim = (
        button("Release", Card.release, value)
        if request.claimer_id
        else button("Claim", Card.claim, value, style="primary")
    )
    return {
        "type": "actions",
        "block_id": f"{Card.block}:{request.id}",
        "elements": [
            claim,
            estimate_menu(request),
            button("Ask the requester", Card.ask, value),
            button("Not ready", Card.not_ready, value),
            button("Delivered", Card.deliver, value),
            button("Decline", Card.decline, value, style="danger"),
            button("Edit", Card.edit, value),
            *([button("Create issue", Card.create_issue, value)] if offer_issue else []),
            *filter(None, [lead_menu(request)]),
        ],
    }


def estimate_menu(request: Request) -> dict[str, Any]:
    """The estimate menu (the card's, and the Home's under a request in someone's queue)."""
    return {
        "type": "static_select",
        "action_id": Card.estimate,
        "placeholder": plain("Estimate"),
        "options": [
            *(
                option(f"{key} working day{'s' if n > 1 else ''}", f"{request.id}:{key}")
                for key, n in ESTIMATE_OPTIONS.items()
            ),
            option("Other…", f"{request.id}:{Card.estimate_other}"),
        ],
    }


def card_message(
    request: Request,
    *,
    reactions: Reactions,
    issue: IssueOnCard | None = None,
    request_type: RequestType | None = None,
    awaited: Sequence[str] | None = None,
) -> dict[str, Any]:
    blocks = request_card(
        request, reactions=reactions, issue=issue, request_type=request_type, awaited=awaited
    )
    return {"text": card_text(request, awaited), "blocks": blocks}


def card_for(
    request: Request,
    config: LiaisonConfig,
    *,
    issue: IssueOnCard | None = None,
    awaited: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The card of `request` under the workspace's settings (its reactions, its type's name and
    field labels), with its issue in the department's tracker when there is one, and the fields
    `awaited` from the requester when it was sent back as not ready."""
    kind = request_type_of(config, request)
    return card_message(
        request, reactions=config.reactions, issue=issue, request_type=kind, awaited=awaited
    )
