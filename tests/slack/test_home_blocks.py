"""The Home tab's builder: whatever requests it is given, Slack accepts the view."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from bot.domain.home import (
    EXPANDED_LIMIT,
    SECTION_LIMIT,
    SECTIONS,
    Attention,
    Home,
    Section,
)
from bot.domain.lifecycle import Status
from bot.domain.models import Request
from bot.slack.blocks.home import home_view
from tests.fakes.slack.blockkit import view_errors

NASTY = ["@channel <!here>", "<@U123> & <https://x|y>", "*bold* _it_ `code`", "\u202eevil", "é" * 3]


PERMALINKS = [
    None,
    "https://acme.slack.com/archives/C1/p1|<>",
    "https://acme.slack.com/archives/CENGINTAKE/p1796137200000100",
    "javascript:alert(1)",
]


def random_request(rng: random.Random, number: int) -> Request:
    dates = [None, date(2026, 12, 1) + timedelta(days=rng.randint(0, 400))]
    return Request(
        id=number,
        number=number,
        title=" ".join(rng.choice(NASTY) for _ in range(rng.randint(1, 400))),
        status=rng.choice(list(Status)),
        claimer_id=rng.choice([None, "UENG1"]),
        committed_date=rng.choice(dates),
        projected_date=rng.choice(dates),
        desired_date=rng.choice(dates),
        card_permalink=rng.choice(PERMALINKS),
    )


def random_section(rng: random.Random, numbers: list[int], limit: int = SECTION_LIMIT) -> Section:
    shown = [random_request(rng, next_number(numbers)) for _ in range(rng.randint(0, limit))]
    more = rng.choice([0, 0, rng.randint(1, 100_000)]) if len(shown) == limit else 0
    return Section(shown, len(shown) + more)


def with_reasons(rng: random.Random, section: Section) -> Section:
    """The section as the attention list: each request with why it is there."""
    return replace(section, reasons={r.id: rng.choice(list(Attention)) for r in section.requests})


def next_number(numbers: list[int]) -> int:
    numbers.append(len(numbers) + 1)
    return numbers[-1]


@pytest.mark.parametrize("seed", range(60))
def test_every_home_is_a_view_slack_accepts(seed: int) -> None:
    rng = random.Random(seed)
    numbers: list[int] = []
    home = Home(
        user_id="U1",
        mine=random_section(rng, numbers),
        queue=random_section(rng, numbers),
        team=rng.choice([None, random_section(rng, numbers)]),
        attention=rng.choice([None, with_reasons(rng, random_section(rng, numbers))]),
        expanded=frozenset(rng.sample(SECTIONS, rng.randint(0, 2))),
    )
    view = home_view(home)
    assert_accepted(view)


@pytest.mark.parametrize("seed", range(40))
def test_every_home_with_sections_shown_at_length_is_a_view_slack_accepts(seed: int) -> None:
    """ "Show more" lists one section at length; even all four at length stay within limits."""
    rng = random.Random(seed)
    numbers: list[int] = []

    def any_section() -> Section:
        limit = rng.choice([SECTION_LIMIT, EXPANDED_LIMIT])
        shown = [random_request(rng, next_number(numbers)) for _ in range(limit)]
        return Section(shown, limit + rng.choice([0, rng.randint(1, 100_000)]))

    home = Home(
        user_id="U1",
        mine=any_section(),
        queue=any_section(),
        team=rng.choice([None, any_section()]),
        attention=rng.choice([None, with_reasons(rng, any_section())]),
        expanded=frozenset(rng.sample(SECTIONS, rng.randint(0, 4))),
    )
    view = home_view(home)
    assert_accepted(view)
    listed = sum(1 for b in view["blocks"] if b["type"] == "section") - 1  # the greeting
    said_more = [
        int(e["text"].split()[1])
        for b in view["blocks"]
        if b["type"] == "context"
        for e in b["elements"]
        if e["text"].startswith("and ")
    ]
    sections = [home.mine, home.queue, home.team, home.attention]
    assert listed + sum(said_more) == sum(s.total for s in sections if s is not None)


def assert_accepted(view: dict[str, Any]) -> None:
    """Slack would publish `view`: within its limits, with ids unique where Slack wants them,
    links only to Slack, and no mass mention."""
    assert view_errors(view) == []
    blocks = view["blocks"]
    assert len(blocks) <= 100
    block_ids = [b["block_id"] for b in blocks if "block_id" in b]
    assert len(block_ids) == len(set(block_ids))
    for block in blocks:
        elements = list(block.get("elements") or [])
        if "accessory" in block:
            elements.append(block["accessory"])
        action_ids = [e["action_id"] for e in elements if "action_id" in e]
        assert len(action_ids) == len(set(action_ids)), block
        for element in elements:
            if "url" in element:
                assert element["url"].startswith("https://acme.slack.com/archives/")
        assert "<!here" not in str(block) and "<!channel" not in str(block)
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
        if block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
