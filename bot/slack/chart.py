"""The digest's chart: requests opened vs delivered per week, and the on-time rate."""

from __future__ import annotations

import io
from typing import Any

# The object-oriented API (not pyplot) keeps no global state, so threads can draw at once.
from matplotlib.figure import Figure

OPENED, DELIVERED, ON_TIME = "#4a90d9", "#5cb85c", "#d9534f"


def weekly_chart(weeks: list[dict[str, Any]]) -> bytes:
    """A PNG with bars for opened and delivered per week and a line for the on-time rate."""
    labels = [w["week_start"][5:] for w in weeks]
    positions = list(range(len(weeks)))
    figure = Figure(figsize=(8, 3.6), dpi=100)
    bars = figure.subplots()
    width = 0.4
    bars.bar(
        [p - width / 2 for p in positions],
        [w["opened"] for w in weeks],
        width,
        color=OPENED,
        label="Opened",
    )
    bars.bar(
        [p + width / 2 for p in positions],
        [w["delivered"] for w in weeks],
        width,
        color=DELIVERED,
        label="Delivered",
    )
    bars.set_xticks(positions, labels)
    bars.set_ylabel("Requests")
    bars.set_title("Requests per week (week starting)")
    rate = bars.twinx()
    on_time = [
        float("nan") if w["on_time_rate"] is None else 100 * w["on_time_rate"] for w in weeks
    ]
    rate.plot(positions, on_time, color=ON_TIME, marker="o", label="On time %")
    rate.set_ylim(0, 105)
    rate.set_ylabel("On time (%)")
    handles, names = bars.get_legend_handles_labels()
    line_handles, line_names = rate.get_legend_handles_labels()
    bars.legend(handles + line_handles, names + line_names, loc="upper left", fontsize=8)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def trend_chart(
    title: str, labels: list[str], lines: list[tuple[str, list[float | None]]], unit: str
) -> bytes:
    """A small PNG with one line per series of weekly values (a gap where a week has none)."""
    figure = Figure(figsize=(5, 2.2), dpi=100)
    axes = figure.subplots()
    positions = list(range(len(labels)))
    for (name, values), color in zip(lines, (OPENED, ON_TIME, DELIVERED), strict=False):
        points = [float("nan") if v is None else v for v in values]
        axes.plot(positions, points, color=color, marker="o", markersize=3, label=name)
    axes.set_xticks(positions, labels, fontsize=6)
    axes.tick_params(axis="y", labelsize=7)
    axes.set_ylabel(unit, fontsize=7)
    axes.margins(y=0.2)
    axes.set_ylim(bottom=0)
    axes.set_title(title, fontsize=9)
    if len(lines) > 1:
        axes.legend(loc="upper left", fontsize=6)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
