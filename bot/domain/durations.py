"""Durations counted in business time, as written in the config file ("4h", "1d", "1d4h", "30m")."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PART = re.compile(r"(\d+)\s*([dhm])")
_WHOLE = re.compile(r"^\s*(?:\d+\s*[dhm]\s*)+$")


@dataclass(frozen=True)
class BusinessDuration:
    """A span of business time: whole working days plus business minutes."""

    days: int = 0
    minutes: int = 0

    def __str__(self) -> str:
        hours, minutes = divmod(self.minutes, 60)
        text = (f"{self.days}d" if self.days else "") + (f"{hours}h" if hours else "")
        text += f"{minutes}m" if minutes else ""
        return text or "0m"


def parse_duration(text: str) -> BusinessDuration:
    """Parse "4h", "1d", "1d4h" or "30m"; raise ValueError on anything else."""
    if not isinstance(text, str) or not _WHOLE.match(text):
        raise ValueError(f'"{text}" is not a duration like "4h", "1d" or "30m"')
    days = minutes = 0
    for amount, unit in _PART.findall(text):
        if unit == "d":
            days += int(amount)
        else:
            minutes += int(amount) * (60 if unit == "h" else 1)
    return BusinessDuration(days=days, minutes=minutes)
