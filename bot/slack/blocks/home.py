"""The Home tab: one person's requests, queue, team queue and (for leads) what needs attention,
each request with the buttons that act on it. Each section lists at most `SECTION_LIMIT`
requests (bot/domain/home.py) and says how many more there are, so the view stays within
Slack's 100 blocks whatever the number of requests.

The buttons reuse the action ids of the card and of the requester's DM (bot/slack/ids.py
`HomeItem`): a click on the Home runs the same handler, the same workflow and the same refusals
as the same click anywhere else."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.domain.home import SECTION_LIMIT, Attention, Home, Section
from bot.domain.lifecycle import Status
from bot.domain.models import Request
from bot.slack import text
from bot.slack.blocks.card import estimate_menu
from bot.slack.blocks.common import (
    SECTION_TEXT,
    Block,
    actions,
    button,
    context,
    divider,
    header,
    link,
    section,
    user,
)
from bot.slack.blocks.dm import FEEDBACK, NEEDS_INFO, NEGOTIATION, decision_buttons
from bot.slack.blocks.overrides import lead_menu
from bot.slack.blocks.type_summary import Kind, no_type, type_name
from bot.slack.dates import slack_date
from bot.slack.ids import Card, HomeItem, HomeMore, HomeSearch, HomeTrends, LeadActions
from bot.slack.permalinks import link_url

MAX_HOME_BLOCKS = 100
TITLE_TEXT = 200

# The blocks of one listed request.
Item = list[Block]


def _typed(item: Item, request: Request, kind: Kind) -> Item:
    """`item` whose first line names the request's type, when it has one."""
    name = type_name(request, kind(request))
    if name is None or not item or item[0].get("type") != "section":
        return item
    first = dict(item[0])
    words = first["text"]["text"]
    head, newline, rest = words.partition("\n")
    first["text"] = {
        **first["text"],
        "text": text.cut_mrkdwn(f"{head}{newline}{name} · {rest}", SECTION_TEXT),
    }
    return [first, *item[1:]]


@dataclass(frozen=True)
class _Part:
    key: str
    title: str
    items: Section
    empty: str
    render: Callable[[Request], Item]


def home_view(
    home: Home, *, tail: list[Block] | None = None, kind: Kind | None = None
) -> dict[str, Any]:
    """The `views.publish` view of `home`, within `MAX_HOME_BLOCKS` whatever its sections hold:
    when they list more than fits, the sections taking the most blocks are cut and the rest
    counted in "and N more". `tail` (the Settings section, bot/slack/blocks/settings.py) ends it.
    The Settings section is shown to exactly the leads and admins, who also get *Trends*.
    `kind`: each request's type (from the settings), whose name its line shows."""
    tail = tail or []
    kind = kind or no_type
    search = button("Search requests", HomeSearch.button, "search")
    trends = [button("Trends", HomeTrends.button, "trends")] if tail else []
    head: list[Block] = [
        section("Your work with Liaison. File a request with `/request`."),
        actions(HomeSearch.block, search, *trends),
        divider(),
    ]
    parts = [
        _Part(
            "mine",
            "My requests",
            home.mine,
            "You have no open requests. File one with `/request`.",
            _mine,
        ),
        _Part("queue", "My queue", home.queue, "Nothing is claimed by you right now.", _queue),
    ]
    if home.team is None:
        parts.append(
            _Part(
                "team",
                "Team queue",
                Section([], 0),
                "You are in no team that works on requests.",
                _team,
            )
        )
    else:
        parts.append(
            _Part("team", "Team queue", home.team, "Nothing waits for your team: all clear.", _team)
        )
    if home.attention is not None:
        reasons = home.attention.reasons
        parts.append(
            _Part(
                "attention",
                "Needs attention",
                home.attention,
                "Nothing needs your attention.",
                lambda request: _attention(request, reasons.get(request.id)),
            )
        )
    items = [
        [_typed(part.render(request), request, kind) for request in part.items.requests]
        for part in parts
    ]
    shown = [len(listed) for listed in items]
    while True:
        blocks = list(head)
        for part, listed, count in zip(parts, items, shown, strict=True):
            blocks += _section(part, listed[:count], expanded=part.key in home.expanded)
        if len(blocks) + len(tail) <= MAX_HOME_BLOCKS or not any(shown):
            return {"type": "home", "blocks": blocks + tail}
        heaviest = max(range(len(parts)), key=lambda i: sum(map(len, items[i][: shown[i]])))
        shown[heaviest] -= 1


def _section(part: _Part, listed: list[Item], *, expanded: bool) -> list[Block]:
    total = part.items.total
    blocks: list[Block] = [header(f"{part.title} ({total})" if total else part.title)]
    if not listed:
        blocks.append(context(part.empty))
    for item in listed:
        blocks += item
    more = total - len(listed)
    if more > 0:
        blocks.append(context(f"and {more} more"))
    if expanded and total > SECTION_LIMIT:
        blocks.append(
            actions(f"{HomeMore.fewer}:{part.key}", button("Show fewer", HomeMore.fewer, part.key))
        )
    elif more > 0 and not expanded:
        blocks.append(
            actions(f"{HomeMore.button}:{part.key}", button("Show more", HomeMore.button, part.key))
        )
    blocks.append(divider())
    return blocks


# -- each section's requests --------------------------------------------------------------------


def _mine(request: Request) -> Item:
    """A request the person filed: the link to its card, and the decision waiting on them."""
    blocks = [_listed(request, claimer=True, accessory=_open_card(request))]
    waiting = _waiting_on_requester(request)
    if waiting is not None:
        blocks.append(actions(f"mine:{request.id}", *decision_buttons(waiting, str(request.id))))
    return blocks


def _queue(request: Request) -> Item:
    """A request the person claimed: estimate, deliver or release it."""
    value = str(request.id)
    return [
        _listed(request, claimer=False, accessory=_open_card(request)),
        actions(
            f"queue:{request.id}",
            estimate_menu(request),
            button("Delivered", Card.deliver, value, style="primary"),
            button("Release", Card.release, value),
        ),
    ]


def _team(request: Request) -> Item:
    """A request of the person's team: unclaimed (Claim), or claimed and at risk."""
    if request.claimer_id is None and request.status.is_open:
        accessory = button("Claim", Card.claim, str(request.id), style="primary")
    else:
        accessory = _open_card(request)
    return [_listed(request, claimer=True, accessory=accessory)]


# Why a request is on a lead's attention list, as the line says it.
WHY = {
    Attention.OVERDUE: "*overdue*",
    Attention.UNANSWERED: "*question unanswered*",
    Attention.HARD_DEADLINE: "*hard deadline at risk*",
    Attention.ESCALATED: "*escalated*",
}


def _attention(request: Request, why: Attention | None) -> Item:
    """A request on a lead's list: why it is there, and their overrides as on the card (the
    reference links to the card)."""
    reason = WHY[why] + " · " if why is not None else ""
    menu = lead_menu(request)
    block = _listed(request, claimer=True, accessory=menu or _open_card(request), prefix=reason)
    if menu is not None:
        block["block_id"] = f"{LeadActions.menu}:{request.id}"
    return [block]


def _waiting_on_requester(request: Request) -> str | None:
    """Which decision the request waits for from its requester, if any (the Home lists a
    delivered request only while its feedback is still to give)."""
    if request.status is Status.NEEDS_INFO:
        return NEEDS_INFO
    if request.status is Status.AT_RISK and request.projected_date is not None:
        return NEGOTIATION
    if request.status is Status.DELIVERED:
        return FEEDBACK
    return None


def _open_card(request: Request) -> dict[str, Any] | None:
    """A link button to the request's card, when it was posted and Slack gave its link."""
    url = link_url(request.card_permalink)
    if url is None:
        return None
    return {**button("Open card", HomeItem.open_card, str(request.id)), "url": url}


def _listed(
    request: Request, *, claimer: bool, accessory: dict[str, Any] | None, prefix: str = ""
) -> Block:
    block = section(_line(request, claimer=claimer, prefix=prefix))
    if accessory is not None:
        block["accessory"] = accessory
    return block


def _line(request: Request, *, claimer: bool, prefix: str = "") -> str:
    reference = link(request.card_permalink, f"*{request.reference}*")
    parts = [prefix + request.status.label.split(":")[0]]
    if claimer:
        parts.append(
            f"claimed by {user(request.claimer_id)}" if request.claimer_id else "unclaimed"
        )
    parts.append(_when(request))
    title = text.mrkdwn(request.title, TITLE_TEXT)
    return f"{reference} {title}\n" + " · ".join(parts)


def _when(request: Request) -> str:
    if request.committed_date is not None:
        return f"committed for {slack_date(request.committed_date)}"
    if request.projected_date is not None:
        return f"projected for {slack_date(request.projected_date)}"
    if request.desired_date is not None:
        return f"wanted by {slack_date(request.desired_date)}"
    return "no date yet"
