"""Words for the earliest realistic date (bot/domain/realistic.py): the intake modal's hint and
warning, and the answer to `/request check`."""

from __future__ import annotations

from datetime import date

from bot.domain.realistic import Realistic
from bot.slack.ids import COMMAND

CHECK_USAGE = (
    f"Usage: `{COMMAND} check 2026-12-15 [team]`: whether that date is realistic for a new "
    "request now (nothing is filed). Name the team by its key or name."
)


def short_day(value: date) -> str:
    """A date as "Tue 15 Dec"."""
    return f"{value:%a} {value.day} {value:%b}"


def realistic_hint(figure: Realistic) -> str:
    """ "Realistic: Tue 15 Dec · 4 requests ahead · from 23 deliveries", or the fallback's words."""
    ahead = f"{figure.ahead} request{'' if figure.ahead == 1 else 's'} ahead"
    if figure.enough_history:
        sureness = f"from {figure.deliveries} deliveries"
    else:
        sureness = "not enough history yet"
    return f"Realistic: {short_day(figure.date)} · {ahead} · {sureness}"


def at_risk_warning(figure: Realistic) -> str:
    return f"This would likely be at risk: realistic is {short_day(figure.date)}"


def check_answer(wanted: date, team: str, figure: Realistic) -> str:
    """The private answer to `/request check DATE [team]`."""
    if figure.is_realistic(wanted):
        verdict = f"{short_day(wanted)} looks realistic for a new request to {team}."
    else:
        verdict = (
            f"{short_day(wanted)} would likely be at risk for a new request to {team}: "
            f"realistic is {short_day(figure.date)}."
        )
    return f"{verdict}\n{realistic_hint(figure)}. Nothing was filed."
