"""The Home tab: one person's requests, queue, team queue and (for leads) what needs attention.
Each section lists at most `SECTION_LIMIT` requests (bot/domain/home.py) and says how many more
there are, so the view stays within Slack's 100 blocks whatever the number of requests."""

from __future__ import annotations

from typing import Any

from bot.domain.home import Home, Section
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
from bot.slack.dates import slack_date
from bot.slack.ids import HomeSearch

MAX_HOME_BLOCKS = 100
TITLE_TEXT = 200


def home_view(home: Home) -> dict[str, Any]:
    """The `views.publish` view of `home`."""
    blocks: list[Block] = [
        section("Your work with Liaison. File a request with `/request`."),
        actions(HomeSearch.block, button("Search requests", HomeSearch.button, "search")),
        divider(),
    ]
    blocks += _section(
        "My requests",
        home.mine,
        "You have no open requests. File one with `/request`.",
        claimer=True,
    )
    blocks += _section(
        "My queue", home.queue, "Nothing is claimed by you right now.", claimer=False
    )
    if home.team is None:
        blocks += _section(
            "Team queue",
            Section([], 0),
            "You are in no team that works on requests.",
            claimer=True,
        )
    else:
        blocks += _section(
            "Team queue", home.team, "Nothing waits for your team: all clear.", claimer=True
        )
    if home.attention is not None:
        blocks += _section(
            "Needs attention", home.attention, "Nothing needs your attention.", claimer=True
        )
    assert len(blocks) <= MAX_HOME_BLOCKS
    return {"type": "home", "blocks": blocks}


def _section(title: str, items: Section, empty: str, *, claimer: bool) -> list[Block]:
    blocks: list[Block] = [header(f"{title} ({items.total})" if items.total else title)]
    if not items.requests:
        blocks.append(context(empty))
    blocks += [section(_line(request, claimer=claimer)) for request in items.requests]
    if items.more > 0:
        blocks.append(context(f"and {items.more} more"))
    blocks.append(divider())
    return blocks


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
