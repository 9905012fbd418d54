"""What an estimate may be: working days from half a day to a working year, in half days.

Every surface that takes an estimate as text (the card's menu, the *Estimate…* modal) reads it
with `parse_estimate_days`, so the rule lives here once. Reactions keep their own 1–10 map
in the configuration.
"""

from __future__ import annotations

import re

MIN_DAYS = 0.5
MAX_DAYS = 250
# ASCII digits only: "²" or "٣" are digits to Python but not a number anyone means here.
_NUMBER = re.compile(r"[0-9]+(?:[.,][0-9]+)?")
_ONE_DECIMAL = re.compile(r"[0-9]+(?:[.,][0-9])?")


class InvalidEstimate(ValueError):
    """Why a typed estimate is not one; the message is meant for the person who typed it."""


def parse_estimate_days(typed: str) -> float:
    """`typed` (like "3", "2.5" or "2,5") as working days, or InvalidEstimate saying why not."""
    value = typed.strip()
    if not _NUMBER.fullmatch(value):
        raise InvalidEstimate("Enter a number of working days, like 3 or 2.5.")
    if not _ONE_DECIMAL.fullmatch(value):
        raise InvalidEstimate("Use whole or half days, with at most one decimal, like 2.5.")
    days = float(value.replace(",", "."))
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise InvalidEstimate(f"An estimate is {MIN_DAYS:g} to {MAX_DAYS} working days.")
    if (days * 2) % 1:
        raise InvalidEstimate("Use whole or half days, like 2 or 2.5.")
    return days


def whole_or_half(days: float) -> int | float:
    """`days` as an int when it is whole, so it reads "15" rather than "15.0" wherever shown."""
    return int(days) if float(days).is_integer() else float(days)
