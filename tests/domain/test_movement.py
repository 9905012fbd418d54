"""The digest's headline and its better/worse marks, from a hand-built two-week history of six
department pairs whose every score is worked out by hand (bot/domain/movement.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bot.config import LiaisonConfig
from bot.domain.digest import build_digest
from bot.domain.movement import METRICS, Change, change, headline, movements
from bot.slack.blocks.digest import digest_figures, digest_message
from tests.conftest import ENGINEER
from tests.domain.test_metrics import History, berlin
from tests.fakes.slack.blockkit import block_errors

NAMES = {
    "sales": "Sales",
    "eng": "Engineering",
    "mkt": "Marketing",
    "ops": "Operations",
    "cs": "Customer Success",
    "fin": "Finance",
    "legal": "Legal",
}
PAIRS = [("sales", "eng"), ("mkt", "eng"), ("ops", "eng"), ("cs", "eng"), ("fin", "eng")]
PAIRS.append(("legal", "eng"))


def figures(requesting: str, fulfilling: str, **values: Any) -> dict[str, Any]:
    """One week of one pair: nothing happened, except `values`."""
    week = {key: 0 for key in METRICS} | {
        "on_time_rate": None,
        "median_hours_to_claim": None,
        "median_hours_to_estimate": None,
        "estimate_accuracy": None,
    }
    return week | {"requesting": requesting, "fulfilling": fulfilling, "load": {}} | values


def payload(this: list[dict[str, Any]], last: list[dict[str, Any]], weeks=None) -> dict[str, Any]:
    pairs = [
        {"this": figures(*pair, **now), "last": figures(*pair, **before)}
        for pair, now, before in zip(PAIRS, this, last, strict=True)
    ]
    return {
        "period_start": "2026-11-30T09:00:00-05:00",
        "period_end": "2026-12-07T09:00:00-05:00",
        "names": NAMES,
        "pairs": pairs,
        "weeks": weeks or [],
        "urgent": [],
        "oldest_unclaimed": None,
        "promised": 0,
        "promised_infeasible": 0,
        "calibration": [],
    }


def a_busy_week() -> dict[str, Any]:
    """Sales → Engineering: on time 81 % of 100 deliveries, then 73 % of 100 (z = 0.08 /
    √(0.77 · 0.23 · 2/100) = 1.34). Overdue, in all pairs together: 57 → 73 (16 / √130 = 1.40),
    spread so that no single pair moves much (at most 3 / √23 = 0.63). Dates promised before an
    estimate: 58 → 39 (19 / √97 = 1.93), of which 10 → 6 for Customer Success → Engineering
    (4 / √16 = 1.0: notable, but smaller than the total's, which the headline names).

    Noise and small bases that must not make the headline: Legal → Engineering on time
    100 % → 0 % of 2 deliveries, at risk 0 → 4 for Finance → Engineering (the total 10 → 14
    scores 4 / √24 = 0.82), the overall rate 80 % → 78 % of 150 (0.43), and 120 opened both
    weeks."""
    overdue = ([10, 10, 10, 9, 9, 9], [13, 12, 12, 12, 12, 12])
    promised = ([10, 10, 10, 10, 9, 9], [7, 7, 7, 6, 6, 6])
    at_risk = ([2, 2, 2, 2, 0, 2], [2, 2, 2, 2, 4, 2])
    weeks: list[list[dict[str, Any]]] = [[], []]
    for week in (0, 1):
        for i in range(6):
            weeks[week].append(
                {
                    "opened": 20,
                    "delivered": 10,
                    "on_time_rate": 0.8,
                    "overdue": overdue[week][i],
                    "promised_before_estimate": promised[week][i],
                    "at_risk": at_risk[week][i],
                }
            )
    weeks[0][0] |= {"delivered": 100, "on_time_rate": 0.81}
    weeks[1][0] |= {"delivered": 100, "on_time_rate": 0.73}
    weeks[0][5] |= {"delivered": 2, "on_time_rate": 1.0}
    weeks[1][5] |= {"delivered": 2, "on_time_rate": 0.0}
    chart = [
        {"week_start": "2026-11-23", "on_time_rate": 0.8, "dated": 150},
        {"week_start": "2026-11-30", "on_time_rate": 0.78, "dated": 150},
    ]
    return payload(weeks[1], weeks[0], chart)


def test_the_headline_names_the_three_biggest_movements() -> None:
    assert headline(a_busy_week()) == [
        "Dates promised before an estimate down from 58 to 39 (better).",
        "Overdue up from 57 to 73 (worse).",
        "On-time down from 81% to 73% for Sales → Engineering (worse).",
    ]


def test_small_bases_and_noise_stay_out_of_the_headline() -> None:
    found = {(m.key, m.pair): round(m.score, 2) for m in movements(a_busy_week())}
    assert found == {
        ("promised_before_estimate", None): 1.93,
        ("overdue", None): 1.40,
        ("on_time_rate", ("sales", "eng")): 1.34,
        ("promised_before_estimate", ("cs", "eng")): 1.0,
    }


def test_one_sentence_per_figure_the_largest_wins() -> None:
    """A pair whose overdue jumps outscores the total's smaller movement; the headline names the
    figure once, for that pair."""
    quiet = [{"overdue": 10}] * 5
    sentences = headline(payload([{"overdue": 30}, *quiet], [{"overdue": 10}, *quiet]))
    # The pair: 20 / √40 = 3.16; all pairs: 20 / √120 = 1.83.
    assert sentences == ["Overdue up from 10 to 30 for Sales → Engineering (worse)."]


def test_a_steady_week_says_so_in_one_sentence() -> None:
    same = [{"opened": 20, "delivered": 18, "overdue": 3, "on_time_rate": 0.8}] * 6
    almost = [{"opened": 21, "delivered": 18, "overdue": 3, "on_time_rate": 0.804}] * 6
    assert headline(payload(almost, same)) == [
        "A steady week: no figure moved beyond its usual week-to-week noise "
        "(126 opened, 108 delivered, 18 overdue)."
    ]


@pytest.mark.parametrize(
    ("key", "now", "before", "expected"),
    [
        ("on_time_rate", 0.73, 0.81, Change("down", "worse")),
        ("on_time_rate", 0.9, 0.81, Change("up", "better")),
        ("overdue", 73, 57, Change("up", "worse")),
        ("overdue", 3, 5, Change("down", "better")),
        ("median_hours_to_claim", 5.0, 2.6, Change("up", "worse")),
        ("promised_before_estimate", 39, 58, Change("down", "better")),
        ("delivered", 4, 9, Change("down", "worse")),
        # Neither better nor worse: more demand is just more demand.
        ("opened", 12, 9, Change("up", None)),
        # Closer to 1 is better for actual ÷ estimated days, whichever side of 1.
        ("estimate_accuracy", 1.1, 1.3, Change("down", "better")),
        ("estimate_accuracy", 1.2, 0.9, Change("up", "worse")),
        ("estimate_accuracy", 1.1, 0.9, Change("up", None)),
        # Equal once rounded as shown: no movement, whatever the raw values did.
        ("median_hours_to_claim", 2.64, 2.56, Change("same", None)),
        ("on_time_rate", 0.812, 0.808, Change("same", None)),
        ("estimate_accuracy", 1.234, 1.226, Change("same", None)),
        # A week without the figure: nothing to compare.
        ("on_time_rate", 0.8, None, Change(None, None)),
    ],
)
def test_better_or_worse(key: str, now: Any, before: Any, expected: Change) -> None:
    assert change(key, now, before) == expected


def test_the_message_marks_each_figure_and_no_arrow_on_one_equal_as_shown() -> None:
    busy = a_busy_week()
    busy["pairs"][0]["this"]["median_hours_to_claim"] = 2.64
    busy["pairs"][0]["last"]["median_hours_to_claim"] = 2.56
    message = digest_message(busy)
    blocks = message["blocks"]
    summary = str(blocks)
    assert "Dates promised before an estimate down from 58 to 39 (better)." in summary
    line = next(b["text"]["text"] for b in blocks if "*Sales → Engineering*:" in str(b))
    # No mark on a figure that reads the same both weeks.
    assert line.splitlines()[0] == (
        "*Sales → Engineering*: 20 opened · 100 delivered · "
        "on time 73% ↓ worse (was 81%) · 13 overdue ↑ worse (was 10) · 2 at risk"
    )
    # The wall of figures is not in the message but in its thread reply.
    assert "Median hours to claim" not in summary
    figures_text = str(digest_figures(busy)["blocks"])
    assert "Median hours to claim: *2.6* (last week 2.6)" in figures_text
    assert "On time: *73%* ↓ worse (last week 81%)" in figures_text
    assert "Opened: *20* (last week 20)" in figures_text


def test_within_block_kit_limits_however_many_pairs() -> None:
    many = a_busy_week()
    many["pairs"] = many["pairs"] * 40
    message, full = digest_message(many), digest_figures(many)
    assert block_errors(message["blocks"], "blocks", 50) == []
    assert block_errors(full["blocks"], "blocks", 50) == []
    assert "Most urgent" in str(message["blocks"][-3:])
    assert "more pairs: `liaison stats` has them all" in str(full["blocks"][-1])


def test_the_headline_of_a_digest_built_from_a_history(engine: Engine, config: LiaisonConfig):
    """Last week six requests came with a date already promised, each committed for Wednesday 2
    December; none is delivered, so by this digest all six are overdue (0 → 6: 6 / √6 = 2.45).
    This week two are filed, one with a promised date (6 → 1: 5 / √7 = 1.89; opened 6 → 2:
    4 / √8 = 1.41)."""
    with Session(engine) as session, session.begin():
        h = History(session, config)
        for _ in range(6):
            request = h.file(berlin(11, 24, 10), promised_to_client=True)
            h.claim(request, berlin(11, 24, 11), ENGINEER)
            h.estimate(request, berlin(11, 24, 12), ENGINEER, 2)
            h.commit(request, berlin(11, 24, 12), date(2026, 12, 2))
        h.file(berlin(12, 1, 10), promised_to_client=True)
        h.file(berlin(12, 1, 11))
    with Session(engine) as session:
        end = datetime(2026, 12, 7, 9, tzinfo=ZoneInfo("America/New_York"))
        facts = build_digest(session, config=config, digest=config.digests[0], scheduled_for=end)
    assert headline(facts.payload) == [
        "Overdue up from 0 to 6 (worse).",
        "Dates promised before an estimate down from 6 to 1 (better).",
        "Opened down from 6 to 2.",
    ]
