"""The twelve weeks' trends as Block Kit: the monthly post in a digest channel and the Trends
page (a modal opened from the Home). Each series is a sentence (bot/domain/trends.py) and a
text sparkline; the monthly post also uploads a chart per series (bot/slack/chart.py), each with
alt text. The modal shows sparklines rather than the charts: an image block needs a public
image URL or a `slack_file` uploaded beforehand, which a click has no time for (3 seconds)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.slack.blocks.common import (
    MAX_MODAL_BLOCKS,
    Block,
    context,
    header,
    plain,
    section,
    user,
)
from bot.slack.ids import HomeTrends

SPARKS = "▁▂▃▄▅▆▇█"


@dataclass(frozen=True)
class SeriesView:
    """How one series is drawn: its title, the CSV columns it plots, and their labels."""

    title: str
    columns: tuple[str, ...]
    labels: tuple[str, ...]
    unit: str
    scale: float = 1.0


VIEWS: dict[str, SeriesView] = {
    "on_time": SeriesView("On time", ("on_time_rate",), ("On time",), "%", 100.0),
    "promised": SeriesView(
        "Dates promised before an estimate",
        ("promised_before_estimate", "promised_slipped"),
        ("Promised", "Slipped"),
        "requests",
    ),
    "first_response": SeriesView(
        "Time to first response",
        ("median_hours_to_first_response",),
        ("Median",),
        "business hours",
    ),
    "accuracy": SeriesView(
        "Estimate accuracy", ("estimate_accuracy",), ("Actual ÷ estimated",), "×"
    ),
    "load": SeriesView("Load per engineer", ("median_load_days",), ("Median",), "days"),
}


def series_values(weeks: list[dict[str, Any]], series: str) -> list[list[float | None]]:
    """Each plotted column of `series`, week by week (None where nothing was measured)."""
    view = VIEWS[series]
    return [
        [None if w.get(column) is None else float(w[column]) * view.scale for w in weeks]
        for column in view.columns
    ]


def sparkline(values: list[float | None]) -> str:
    """▁▂▃▅▇ from the lowest to the highest value; a dot for a week with nothing measured."""
    known = [v for v in values if v is not None]
    if not known:
        return "·" * len(values)
    low, high = min(known), max(known)
    steps = len(SPARKS) - 1
    return "".join(
        "·"
        if v is None
        else SPARKS[round((v - low) / (high - low) * steps) if high > low else steps // 2]
        for v in values
    )


def week_labels(weeks: list[dict[str, Any]]) -> list[str]:
    return [date.fromisoformat(w["week_start"]).strftime("%d %b") for w in weeks]


def alt_text(payload: dict[str, Any], series: str) -> str:
    """What the chart of `series` shows, for people who cannot see it."""
    view, weeks = VIEWS[series], payload.get("weeks") or []
    parts = []
    for label, values in zip(view.labels, series_values(weeks, series), strict=True):
        shown = ", ".join("none" if v is None else f"{v:g}" for v in _rounded(values))
        parts.append(f"{label} ({view.unit}) per week, from the week of {_span(weeks)}: {shown}.")
    sentence = (payload.get("sentences") or {}).get(series, "")
    return " ".join([f"{view.title}.", *parts, sentence]).strip()[:1000]


def _rounded(values: list[float | None]) -> list[float | None]:
    return [None if v is None else round(v, 1) for v in values]


def _span(weeks: list[dict[str, Any]]) -> str:
    labels = week_labels(weeks)
    return f"{labels[0]} to the week of {labels[-1]}" if labels else "no weeks"


def trends_blocks(payload: dict[str, Any]) -> list[Block]:
    """A section per series: its title, sparkline and sentence; then who carries the most."""
    weeks = payload.get("weeks") or []
    sentences = payload.get("sentences") or {}
    blocks: list[Block] = [context(f"{len(weeks)} weeks, from the week of {_span(weeks)}")]
    for series, view in VIEWS.items():
        lines = [
            f"{label} `{sparkline(values)}`"
            for label, values in zip(view.labels, series_values(weeks, series), strict=True)
        ]
        blocks.append(section(f"*{view.title}*  {'  '.join(lines)}\n{sentences.get(series, '')}"))
    overloaded = payload.get("overloaded") or []
    if overloaded:
        people = ", ".join(user(person) for person in overloaded[:20])
        blocks.append(context(f"Carrying more than 1.5× their team's median load now: {people}"))
    return blocks


def trends_message(payload: dict[str, Any]) -> dict[str, Any]:
    """The monthly post (its charts follow as uploads)."""
    sentences = payload.get("sentences") or {}
    fallback = "Trends, last 12 weeks: " + " ".join(sentences.values())
    blocks = [header("Trends: the last 12 weeks"), *trends_blocks(payload)]
    return {"text": fallback[:3000], "blocks": blocks}


def trends_chart_upload(payload: dict[str, Any], series: str, png: bytes) -> dict[str, Any]:
    """The arguments of `files_upload_v2` for the chart of `series`."""
    end = (payload.get("period_end") or "")[:10]
    return {
        "file": png,
        "filename": f"liaison-trends-{series}-{end}.png",
        "title": f"{VIEWS[series].title}, 12 weeks to {end}",
        "alt_txt": alt_text(payload, series),
    }


def trends_modal(payload: dict[str, Any], scope: str) -> dict[str, Any]:
    """The Trends page: the sentences and sparklines of `payload`, for `scope` (named)."""
    blocks = [section(f"*{scope}*"), *trends_blocks(payload)]
    blocks.append(context("The charts are posted in each digest channel on the 1st of the month."))
    return {
        "type": "modal",
        "callback_id": HomeTrends.callback,
        "title": plain("Trends"),
        "close": plain("Close"),
        "blocks": blocks[:MAX_MODAL_BLOCKS],
    }
