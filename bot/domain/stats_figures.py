"""The rows `liaison stats` prints (one department pair's figures, or one pair's figures for one
request type), and which types a split shows. bot/domain/metrics.py computes them."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any

from bot.config import LiaisonConfig

Pair = tuple[str, str]
# A pair, or a pair and a request type (None: filed without one) when the figures are split.
Group = tuple[str | None, ...]


@dataclass(frozen=True)
class PairStats:
    """One department pair's figures; the field names are the SPEC's JSON keys, in its order."""

    requesting: str
    fulfilling: str
    period_start: datetime
    period_end: datetime
    opened: int
    claimed: int
    estimated: int
    committed: int
    delivered: int
    declined: int
    cancelled: int
    delivered_on_time: int
    on_time_rate: float | None
    median_hours_to_claim: float | None
    median_hours_to_estimate: float | None
    estimate_accuracy: float | None
    promised_before_estimate: int
    at_risk: int
    overdue: int
    open: int
    load: dict[str, float]
    # Requests opened in the period with a desired date the intake modal said was at risk.
    filed_despite_warning: int = 0
    # Requests opened in the period per request type key (untyped ones left out).
    by_type: dict[str, int] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The `liaison stats --json` object: ISO 8601 datetimes, floats rounded to 2 decimals."""
        return {f.name: _json_value(getattr(self, f.name)) for f in fields(self)}


@dataclass(frozen=True)
class TypeStats(PairStats):
    """One pair's figures for the requests of one type (`type` None: filed without one)."""

    type: str | None = None

    def as_json(self) -> dict[str, Any]:
        """The `liaison stats --by-type --json` object: the pair, the type, then the figures
        (by_type, always this row's own type, is left out)."""
        figures = super().as_json()
        head = {"requesting": self.requesting, "fulfilling": self.fulfilling, "type": self.type}
        rest = {k: v for k, v in figures.items() if k not in head and k != "by_type"}
        return head | rest


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    return value


def split_types(config: LiaisonConfig, pair: Pair, seen: list[Group]) -> list[str | None]:
    """The types a pair's split figures show: the fulfilling department's types in its order
    (retired ones only when they have figures), then other keys with figures (types since
    removed), then None for the requests filed without a type."""
    found = {group[2] for group in seen if group[:2] == pair and group[2] is not None}
    kinds: list[str | None] = [
        t.key
        for t in config.request_types_for(pair[1], retired=True)
        if not t.retired or t.key in found
    ]
    kinds += sorted(found - set(kinds))
    return [*kinds, None]
