"""Which way each digest figure moved, whether that is better or worse, and the headline that
names the week's biggest movements.

Every figure is compared as it is shown: rounded to its precision first (an on-time rate to the
whole percent, a median to one decimal, a ratio to two), so a figure that reads the same both
weeks has not moved, whatever its raw value did.

"Biggest" is measured in standard errors, so that a count and a rate can be ranked together and a
small base cannot make a large movement out of noise:

- a count (opened, delivered, overdue, at risk, dates promised before an estimate), this week `a`
  against last week `b`: |a - b| / √(a + b), the movement of a count that varies like a Poisson
  count; only when the larger of the two is at least `MIN_COUNT`;
- an on-time rate, `p` of `n` deliveries this week against `q` of `m` last week: the two-proportion
  z score |p - q| / √(r (1 - r) (1/n + 1/m)) with r the rate of both weeks together; only when each
  week has at least `MIN_DELIVERED` deliveries. A pair's volume is its deliveries; the digest's
  overall rate is counted over the deliveries that had a committed date (its `weeks`).

A movement counts when its score is at least `NOTABLE` (one standard error: a low bar on purpose,
as a digest had better mention a real movement than miss it; the minimum bases keep small numbers
out) and its shown figures differ. Each figure is looked at for the digest's departments together
and, when the digest has several pairs, for each pair; the headline keeps the largest score per
figure and names the `HEADLINE_SENTENCES` largest figures. Medians and the estimate ratio have no
volume to weigh them by and stay out of the headline (they are marked in the full figures).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

# Which way is good: HIGHER, LOWER, NEITHER (a count of demand: more is not better or worse), or
# TOWARD_ONE (actual ÷ estimated days: the closer to 1, the better the estimates).
HIGHER, LOWER, NEITHER, TOWARD_ONE = "higher", "lower", "neither", "toward one"


@dataclass(frozen=True)
class Metric:
    label: str
    good: str


# Every figure of a pair in the digest, in the order shown, with the direction that is good.
METRICS: dict[str, Metric] = {
    "opened": Metric("Opened", NEITHER),
    "claimed": Metric("Claimed", HIGHER),
    "estimated": Metric("Estimated", HIGHER),
    "committed": Metric("Committed", HIGHER),
    "delivered": Metric("Delivered", HIGHER),
    "declined": Metric("Declined", LOWER),
    "cancelled": Metric("Cancelled", NEITHER),
    "on_time_rate": Metric("On time", HIGHER),
    "median_hours_to_claim": Metric("Median hours to claim", LOWER),
    "median_hours_to_estimate": Metric("Median hours to estimate", LOWER),
    "estimate_accuracy": Metric("Actual ÷ estimated days", TOWARD_ONE),
    "promised_before_estimate": Metric("Dates promised before an estimate", LOWER),
    "open": Metric("Open now", NEITHER),
    "at_risk": Metric("At risk now", LOWER),
    "overdue": Metric("Overdue now", LOWER),
}
# The figures of a pair's one-line summary.
COMPACT = ("opened", "delivered", "on_time_rate", "overdue", "at_risk")
# The counts the headline weighs, with the words it uses for them.
HEADLINE_COUNTS = {
    "overdue": "Overdue",
    "at_risk": "At risk",
    "delivered": "Delivered",
    "opened": "Opened",
    "promised_before_estimate": "Dates promised before an estimate",
}
MIN_COUNT = 5
MIN_DELIVERED = 5
NOTABLE = 1.0
HEADLINE_SENTENCES = 3


def rounded(key: str, value: Any) -> float | int | None:
    """`value` as the digest shows it (None stays None): on-time in whole percent."""
    if value is None:
        return None
    if key == "on_time_rate":
        return int(f"{100 * value:.0f}")
    if key == "estimate_accuracy":
        return float(f"{value:.2f}")
    if isinstance(value, float):
        return float(f"{value:.1f}")
    return int(value)


def figure(key: str, value: Any) -> str:
    """`value` as text, at the digest's precision; "—" for none."""
    shown = rounded(key, value)
    if shown is None:
        return "—"
    if key == "on_time_rate":
        return f"{shown}%"
    if key == "estimate_accuracy":
        return f"×{shown:.2f}"
    if isinstance(shown, float):
        return f"{shown:.1f}"
    return str(shown)


@dataclass(frozen=True)
class Change:
    # "up", "down", "same" (equal as shown), or None (a week without the figure).
    direction: str | None
    # "better", "worse", or None (no change, or a figure that is neither).
    verdict: str | None


def change(key: str, now: Any, before: Any) -> Change:
    """How figure `key` moved from `before` (last week) to `now`, compared as shown."""
    a, b = rounded(key, now), rounded(key, before)
    if a is None or b is None:
        return Change(None, None)
    if a == b:
        return Change("same", None)
    direction = "up" if a > b else "down"
    good = METRICS[key].good
    if good == TOWARD_ONE:
        closer, farther = round(abs(a - 1), 2), round(abs(b - 1), 2)
        verdict = None if closer == farther else "better" if closer < farther else "worse"
    elif good == NEITHER:
        verdict = None
    else:
        verdict = "better" if (direction == "up") == (good == HIGHER) else "worse"
    return Change(direction, verdict)


@dataclass(frozen=True)
class Movement:
    key: str
    pair: tuple[str, str] | None  # None: the digest's departments together
    now: Any
    before: Any
    score: float


def count_score(now: int, before: int) -> float:
    if max(now, before) < MIN_COUNT:
        return 0.0
    return abs(now - before) / math.sqrt(now + before)


def rate_score(now: float | None, n: int, before: float | None, m: int) -> float:
    if now is None or before is None or min(n, m) < MIN_DELIVERED:
        return 0.0
    pooled = (now * n + before * m) / (n + m)
    spread = pooled * (1 - pooled) * (1 / n + 1 / m)
    return abs(now - before) / math.sqrt(spread) if spread > 0 else 0.0


def movements(payload: dict[str, Any]) -> list[Movement]:
    """The notable movements of a digest's figures (its JSON payload), the largest first."""
    pairs = payload.get("pairs") or []
    found: list[Movement] = []
    for key in HEADLINE_COUNTS:
        now = sum(p["this"][key] for p in pairs)
        before = sum(p["last"][key] for p in pairs)
        found.append(Movement(key, None, now, before, count_score(now, before)))
    weeks = payload.get("weeks") or []
    if len(weeks) >= 2 and "dated" in weeks[-1]:
        found.append(_on_time(None, weeks[-1], weeks[-2], "dated"))
    for p in pairs:
        this, last = p["this"], p["last"]
        pair = (this["requesting"], this["fulfilling"])
        found.append(_on_time(pair, this, last, "delivered"))
        if len(pairs) > 1:  # with one pair, its counts are the totals
            for key in HEADLINE_COUNTS:
                score = count_score(this[key], last[key])
                found.append(Movement(key, pair, this[key], last[key], score))
    notable = [
        m
        for m in found
        if m.score >= NOTABLE and change(m.key, m.now, m.before).direction in ("up", "down")
    ]
    return sorted(notable, key=lambda m: -m.score)


def _on_time(
    pair: tuple[str, str] | None, this: dict[str, Any], last: dict[str, Any], volume: str
) -> Movement:
    now, before = this["on_time_rate"], last["on_time_rate"]
    score = rate_score(now, this[volume], before, last[volume])
    return Movement("on_time_rate", pair, now, before, score)


def headline(payload: dict[str, Any]) -> list[str]:
    """At most `HEADLINE_SENTENCES` plain sentences naming the week's biggest movements, one per
    figure; one sentence saying the week was steady when nothing moved notably."""
    names = payload.get("names") or {}
    chosen: dict[str, Movement] = {}
    for movement in movements(payload):
        chosen.setdefault(movement.key, movement)
    sentences = [_sentence(m, names) for m in list(chosen.values())[:HEADLINE_SENTENCES]]
    return sentences or [_steady(payload)]


def pair_title(pair: tuple[str, str], names: dict[str, str]) -> str:
    requesting, fulfilling = pair
    return f"{names.get(requesting, requesting)} → {names.get(fulfilling, fulfilling)}"


def _sentence(movement: Movement, names: dict[str, str]) -> str:
    key = movement.key
    moved = change(key, movement.now, movement.before)
    label = "On-time" if key == "on_time_rate" else HEADLINE_COUNTS[key]
    where = f" for {pair_title(movement.pair, names)}" if movement.pair else ""
    judged = f" ({moved.verdict})" if moved.verdict else ""
    return (
        f"{label} {moved.direction} from {figure(key, movement.before)} "
        f"to {figure(key, movement.now)}{where}{judged}."
    )


def _steady(payload: dict[str, Any]) -> str:
    pairs = payload.get("pairs") or []
    opened = sum(p["this"]["opened"] for p in pairs)
    delivered = sum(p["this"]["delivered"] for p in pairs)
    overdue = sum(p["this"]["overdue"] for p in pairs)
    return (
        f"A steady week: no figure moved beyond its usual week-to-week noise "
        f"({opened} opened, {delivered} delivered, {overdue} overdue)."
    )
