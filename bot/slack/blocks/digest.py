"""The weekly digest as Block Kit, with a fallback text that carries the key numbers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.slack import text
from bot.slack.blocks.common import (
    MAX_MESSAGE_BLOCKS,
    Block,
    context,
    day,
    divider,
    header,
    link,
    section,
    user,
)
from bot.slack.dates import plain_day

# (key, label, higher is better?) for the week-over-week table.
ROWS = (
    ("opened", "Opened", None),
    ("claimed", "Claimed", True),
    ("estimated", "Estimated", True),
    ("committed", "Committed", True),
    ("delivered", "Delivered", True),
    ("declined", "Declined", False),
    ("cancelled", "Cancelled", None),
    ("on_time_rate", "On time", True),
    ("median_hours_to_claim", "Median hours to claim", False),
    ("median_hours_to_estimate", "Median hours to estimate", False),
    ("estimate_accuracy", "Actual ÷ estimated days", None),
    ("promised_before_estimate", "Dates promised before an estimate", False),
    ("open", "Open now", None),
    ("at_risk", "At risk now", False),
    ("overdue", "Overdue now", False),
)


def _value(key: str, value: Any) -> str:
    if value is None:
        return "—"
    if key == "on_time_rate":
        return f"{100 * value:.0f}%"
    if key == "estimate_accuracy":
        return f"×{value:.2f}"
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


def _trend(now: Any, before: Any) -> str:
    if now is None or before is None or now == before:
        return "same" if now == before else ""
    return "up" if now > before else "down"


def _table(pair: dict[str, Any]) -> str:
    this, last = pair["this"], pair["last"]
    lines = []
    for key, label, _better in ROWS:
        trend = _trend(this[key], last[key])
        arrow = {"up": "↑", "down": "↓", "same": "="}.get(trend, "")
        lines.append(
            f"{label}: *{_value(key, this[key])}* {arrow} (last week {_value(key, last[key])})"
        )
    return "\n".join(lines)


def _item(item: dict[str, Any]) -> str:
    reference = link(item.get("permalink"), item["reference"])
    title = text.mrkdwn(item.get("title"), 150)
    who = f" · {user(item['claimer'])}" if item.get("claimer") else " · unclaimed"
    if item.get("overdue"):
        state = f"overdue since {_day(item.get('committed'))}"
    else:
        state = f"at risk: desired {_day(item.get('desired'))}"
    return f"• {reference} “{title}”: {state}{who}"


def _day(value: str | None) -> str:
    return day(date.fromisoformat(value[:10])) if value else "no date"


def digest_message(payload: dict[str, Any]) -> dict[str, Any]:
    names = payload.get("names", {})
    end = datetime.fromisoformat(payload["period_end"])
    start = datetime.fromisoformat(payload["period_start"])
    period = f"{plain_day(start.date())} – {plain_day(end.date())}"
    blocks: list[Block] = [header(f"Weekly digest: {period}")]
    fallback = [f"Weekly digest {start.date()} – {end.date()}."]
    for pair in payload["pairs"]:
        this = pair["this"]
        requesting, fulfilling = this["requesting"], this["fulfilling"]
        title = f"{names.get(requesting, requesting)} → {names.get(fulfilling, fulfilling)}"
        blocks += [section(f"*{text.mrkdwn(title)}*"), section(_table(pair))]
        load = this.get("load") or {}
        if load:
            busiest = sorted(load.items(), key=lambda kv: -kv[1])[:10]
            blocks.append(
                context(
                    "Open load: " + " · ".join(f"{user(who)} {days:g} d" for who, days in busiest)
                )
            )
        fallback.append(
            f"{title}: {this['opened']} opened, {this['delivered']} delivered, "
            f"on time {_value('on_time_rate', this['on_time_rate'])}, {this['open']} open, "
            f"{this['at_risk']} at risk, {this['overdue']} overdue."
        )
    urgent = payload.get("urgent") or []
    blocks.append(divider())
    if urgent:
        blocks.append(section("*Most urgent*\n" + "\n".join(_item(i) for i in urgent)))
    else:
        blocks.append(section("*Most urgent*\nNothing at risk or overdue. :tada:"))
    oldest = payload.get("oldest_unclaimed")
    if oldest:
        reference = link(oldest.get("permalink"), oldest["reference"])
        blocks.append(
            section(
                f"*Oldest unclaimed*: {reference} “{text.mrkdwn(oldest['title'], 150)}”, "
                f"filed {_day(oldest['created'])}"
            )
        )
    ratios = []
    for entry in payload.get("calibration") or []:
        if entry.get("ratio") is None:
            continue
        name = text.mrkdwn(names.get(entry["department"], entry["department"]))
        trend = _trend(entry["ratio"], entry.get("previous"))
        was = f", last week ×{entry['previous']:g}" if entry.get("previous") is not None else ""
        ratios.append(f"{name} takes ×{entry['ratio']:g} its estimates ({trend or 'new'}{was})")
    if ratios:
        blocks.append(context("Forecast calibration: " + " · ".join(ratios)))
    promised, infeasible = payload.get("promised", 0), payload.get("promised_infeasible", 0)
    blocks.append(
        context(
            f"{promised} request{'s' if promised != 1 else ''} came with a date already promised "
            f"to the client; {infeasible} of them turned out infeasible."
        )
    )
    fallback.append(f"{promised} dates promised before an estimate ({infeasible} infeasible).")
    return {"text": " ".join(fallback), "blocks": blocks[:MAX_MESSAGE_BLOCKS]}
