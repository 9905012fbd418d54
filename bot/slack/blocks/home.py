"""The Home tab: one person's requests, queue, team queue and (for leads) what needs attention.
Each section lists at most `SECTION_LIMIT` requests (bot/domain/home.py) and says how many more
there are, so the view stays within Slack's 100 blocks whatever the number of requests."""

from __future__ import annotations

from typing import Any

from bot.domain.home import EXPANDED_LIMIT, Home, Section
from bot.domain.models import Request
from bot.slack import text
from bot.slack.blocks.common import (
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
from bot.slack.blocks.overrides import lead_menu
from bot.slack.dates import slack_date
from bot.slack.ids import HomeMore, HomeSearch, LeadActions

MAX_HOME_BLOCKS = 100
TITLE_TEXT = 200


def home_view(home: Home) -> dict[str, Any]:
    """The `views.publish` view of `home`, within `MAX_HOME_BLOCKS` whatever its sections hold:
    when they list more than fits, the longest lists are cut and counted in "and N more"."""
    head: list[Block] = [
        section("Your work with Liaison. File a request with `/request`."),
        actions(HomeSearch.block, button("Search requests", HomeSearch.button, "search")),
        divider(),
    ]
    parts: list[tuple[str, str, Section, str, bool]] = [
        (
            "mine",
            "My requests",
            home.mine,
            "You have no open requests. File one with `/request`.",
            True,
        ),
        ("queue", "My queue", home.queue, "Nothing is claimed by you right now.", False),
    ]
    if home.team is None:
        parts.append(
            (
                "team",
                "Team queue",
                Section([], 0),
                "You are in no team that works on requests.",
                True,
            )
        )
    else:
        parts.append(
            ("team", "Team queue", home.team, "Nothing waits for your team: all clear.", True)
        )
    if home.attention is not None:
        parts.append(
            ("attention", "Needs attention", home.attention, "Nothing needs your attention.", True)
        )
    shown = [len(part[2].requests) for part in parts]
    while True:
        blocks = list(head)
        for (key, title, items, empty, claimer), count in zip(parts, shown, strict=True):
            cut = Section(items.requests[:count], items.total)
            blocks += _section(key, title, cut, empty, claimer=claimer)
        if len(blocks) <= MAX_HOME_BLOCKS:
            return {"type": "home", "blocks": blocks}
        longest = max(range(len(shown)), key=lambda i: shown[i])
        shown[longest] -= 1


def _section(key: str, title: str, items: Section, empty: str, *, claimer: bool) -> list[Block]:
    blocks: list[Block] = [header(f"{title} ({items.total})" if items.total else title)]
    if not items.requests:
        blocks.append(context(empty))
    blocks += [_item(key, request, claimer=claimer) for request in items.requests]
    if items.more > 0:
        blocks.append(context(f"and {items.more} more"))
        if len(items.requests) < EXPANDED_LIMIT:
            blocks.append(
                actions(f"{HomeMore.button}:{key}", button("Show more", HomeMore.button, key))
            )
    blocks.append(divider())
    return blocks


def _item(key: str, request: Request, *, claimer: bool) -> Block:
    block = section(_line(request, claimer=claimer))
    if key == "attention":  # a lead's list: their overrides, as on the card
        menu = lead_menu(request)
        if menu is not None:
            block.update(block_id=f"{LeadActions.menu}:{request.id}", accessory=menu)
    return block


def _line(request: Request, *, claimer: bool) -> str:
    reference = link(request.card_permalink, f"*{request.reference}*")
    parts = [request.status.label.split(":")[0]]
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
