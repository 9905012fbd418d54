"""The weekly digest as Block Kit, with a fallback text that carries the key numbers: the
message (headline, one line per department pair, what is urgent), the full figures of its thread
reply, and both as plain text for `liaison digest --dry-run`."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from bot.domain.movement import COMPACT, METRICS, change, figure, headline, pair_title
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

# No mark for a figure that reads the same both weeks (equal as shown).
MARKS = {"up": "↑", "down": "↓"}
# Lines per section of the compact summary: well within a section's text limit.
LINES_PER_SECTION = 10


def _mark(key: str, now: Any, before: Any) -> str:
    """An arrow and whether the move is better or worse ("↓ worse"), an arrow alone for a
    figure that is neither, nothing for one that reads the same or that a week lacks."""
    moved = change(key, now, before)
    arrow = MARKS.get(moved.direction or "", "")
    return f"{arrow} {moved.verdict}" if moved.verdict else arrow


def _table(pair: dict[str, Any], *, bold: bool = True) -> str:
    this, last = pair["this"], pair["last"]
    star = "*" if bold else ""
    lines = []
    for key, metric in METRICS.items():
        mark = f" {_mark(key, this[key], last[key])}".rstrip()
        lines.append(
            f"{metric.label}: {star}{figure(key, this[key])}{star}{mark} "
            f"(last week {figure(key, last[key])})"
        )
    return "\n".join(lines)


def _by_type(pair: dict[str, Any], type_names: dict[str, dict[str, str]], *, escaped: bool) -> str:
    """ "Opened by type: Bug report 2 · Feature 1 · 1 without a type"; empty when none of the
    requests opened had a type (or the digest predates types)."""
    this = pair["this"]
    counted = this.get("by_type") or {}
    if not counted:
        return ""
    names = type_names.get(this["fulfilling"], {})
    parts = [
        f"{text.mrkdwn(names.get(key, key), 75) if escaped else names.get(key, key)} {number}"
        for key, number in sorted(counted.items(), key=lambda kv: -kv[1])
    ]
    untyped = this["opened"] - sum(counted.values())
    if untyped > 0:
        parts.append(f"{untyped} without a type")
    return "Opened by type: " + " · ".join(parts)  # context() cuts it to Block Kit's limit


def _calibration_by_type(
    payload: dict[str, Any], type_names: dict[str, dict[str, str]], *, escaped: bool
) -> str:
    """ "Calibration by type: Engineering: Bug report ×1.2 (5) · Feature ×1.8 (3)"; empty when
    no type has deliveries to judge by."""
    names = payload.get("names", {})
    parts = []
    for entry in payload.get("calibration") or []:
        department = entry.get("department", "")
        kinds = type_names.get(department, {})
        ratios = [
            f"{kinds.get(t['type'], t['type'])} ×{t['ratio']:g} ({t['samples']})"
            for t in entry.get("by_type") or []
        ]
        if ratios:
            parts.append(f"{names.get(department, department)}: " + " · ".join(ratios))
    if not parts:
        return ""
    line = "Calibration by type (actual ÷ estimated, deliveries): " + "; ".join(parts)
    return text.mrkdwn(line) if escaped else line


def _compact(pair: dict[str, Any], names: dict[str, str], *, bold: bool = True) -> str:
    """The few figures that matter, each with its mark: opened, delivered, on time, overdue,
    at risk."""
    this, last = pair["this"], pair["last"]
    star = "*" if bold else ""
    words = {
        "opened": "opened",
        "delivered": "delivered",
        "on_time_rate": "on time",
        "overdue": "overdue",
        "at_risk": "at risk",
    }
    parts = []
    for key in COMPACT:
        mark = _mark(key, this[key], last[key])
        was = f" (was {figure(key, last[key])})" if mark else ""
        value = figure(key, this[key])
        shown = f"{words[key]} {value}" if key == "on_time_rate" else f"{value} {words[key]}"
        parts.append(f"{shown} {mark}{was}".strip())
    return f"{star}{_title(pair, names, bold)}{star}: " + " · ".join(parts)


def _title(pair: dict[str, Any], names: dict[str, str], escaped: bool) -> str:
    this = pair["this"]
    title = pair_title((this["requesting"], this["fulfilling"]), names)
    return text.mrkdwn(title) if escaped else title


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


def _period(payload: dict[str, Any]) -> tuple[str, str]:
    """The period as the header says it, and as the fallback text says it."""
    end = datetime.fromisoformat(payload["period_end"])
    start = datetime.fromisoformat(payload["period_start"])
    return (
        f"{plain_day(start.date())} – {plain_day(end.date())}",
        f"{start.date()} – {end.date()}",
    )


def digest_message(payload: dict[str, Any]) -> dict[str, Any]:
    """The digest: its headline, one line per department pair, what is most urgent; the full
    figures follow in its thread (`digest_figures`)."""
    names = payload.get("names", {})
    period, dates = _period(payload)
    sentences = headline(payload)
    blocks: list[Block] = [header(f"Weekly digest: {period}")]
    blocks.append(section("*" + text.mrkdwn(" ".join(sentences)) + "*"))
    fallback = [f"Weekly digest {dates}.", *sentences]
    lines = [_compact(pair, names) for pair in payload["pairs"]]
    for first in range(0, len(lines), LINES_PER_SECTION):
        blocks.append(section("\n".join(lines[first : first + LINES_PER_SECTION])))
    for pair in payload["pairs"]:
        this = pair["this"]
        fallback.append(
            f"{_title(pair, names, False)}: {this['opened']} opened, {this['delivered']} "
            f"delivered, on time {figure('on_time_rate', this['on_time_rate'])}, "
            f"{this['open']} open, {this['at_risk']} at risk, {this['overdue']} overdue."
        )
    tail: list[Block] = [divider()]
    urgent = payload.get("urgent") or []
    if urgent:
        tail.append(section("*Most urgent*\n" + "\n".join(_item(i) for i in urgent)))
    else:
        tail.append(section("*Most urgent*\nNothing at risk or overdue. :tada:"))
    oldest = payload.get("oldest_unclaimed")
    if oldest:
        reference = link(oldest.get("permalink"), oldest["reference"])
        tail.append(
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
        moved = change("estimate_accuracy", entry["ratio"], entry.get("previous"))
        trend = {"up": "up", "down": "down", "same": "same"}.get(moved.direction or "", "new")
        if moved.verdict:
            trend += f", {moved.verdict}"
        was = f", last week ×{entry['previous']:g}" if entry.get("previous") is not None else ""
        ratios.append(f"{name} takes ×{entry['ratio']:g} its estimates ({trend}{was})")
    promised, infeasible = payload.get("promised", 0), payload.get("promised_infeasible", 0)
    notes = [
        f"{promised} request{'s' if promised != 1 else ''} came with a date already promised "
        f"to the client; {infeasible} of them turned out infeasible. Full figures in the thread."
    ]
    if ratios:
        notes.insert(0, "Forecast calibration: " + " · ".join(ratios))
    tail.append(context(*notes))
    fallback.append(f"{promised} dates promised before an estimate ({infeasible} infeasible).")
    # However many pairs, the summary leaves room for what is urgent.
    blocks = blocks[: MAX_MESSAGE_BLOCKS - len(tail)] + tail
    return {"text": "\n".join(fallback), "blocks": blocks}


def digest_text(payload: dict[str, Any]) -> str:
    """The digest as plain text, as `liaison digest --dry-run` prints it: the headline, one line
    per department pair, then the full figures of its thread reply."""
    names = payload.get("names", {})
    _, dates = _period(payload)
    lines = [f"Weekly digest {dates}.", *headline(payload), ""]
    lines += [_compact(pair, names, bold=False) for pair in payload["pairs"]]
    return "\n".join([*lines, "", digest_figures(payload)["text"]])


def digest_figures(payload: dict[str, Any]) -> dict[str, Any]:
    """Every figure of every pair against last week, with its mark: the digest's thread reply."""
    names = payload.get("names", {})
    type_names = payload.get("type_names", {})
    _, dates = _period(payload)
    blocks: list[Block] = []
    fallback = [f"Full figures, {dates}."]
    pairs = payload["pairs"]
    room = MAX_MESSAGE_BLOCKS - 1  # one left to say how many pairs did not fit
    for pair in pairs:
        if len(blocks) >= room:
            break
        title = f"*{_title(pair, names, True)}*"
        blocks.append(section(f"{title}\n{_table(pair)}"))
        kinds = _by_type(pair, type_names, escaped=True)
        if kinds and len(blocks) < room:
            blocks.append(context(kinds))
        load = pair["this"].get("load") or {}
        if load and len(blocks) < room:
            busiest = sorted(load.items(), key=lambda kv: -kv[1])[:10]
            blocks.append(
                context(
                    "Open load: " + " · ".join(f"{user(who)} {days:g} d" for who, days in busiest)
                )
            )
    for pair in pairs:
        fallback += ["", _title(pair, names, False), _table(pair, bold=False)]
        kinds = _by_type(pair, type_names, escaped=False)
        fallback += [kinds] if kinds else []
    typed = _calibration_by_type(payload, type_names, escaped=True)
    if typed and len(blocks) < room:
        blocks.append(context(typed))
        fallback += ["", _calibration_by_type(payload, type_names, escaped=False)]
    shown = sum(1 for b in blocks if b["type"] == "section")
    if shown < len(pairs):
        blocks.append(context(f"{len(pairs) - shown} more pairs: `liaison stats` has them all."))
    if not pairs:
        blocks.append(section("No department pairs in this digest."))
    return {"text": text.truncate("\n".join(fallback), 39000), "blocks": blocks}
