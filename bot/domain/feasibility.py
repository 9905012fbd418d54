"""Estimates and feasibility: the request's estimate, whether estimators disagree, the projected
delivery date, and the verdict against the desired date."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from statistics import median

from bot.domain.calendar import BusinessCalendar

# The card asks estimators to talk when the largest estimate is this many times the smallest.
DISAGREEMENT_RATIO = 3


def effective_estimate(estimates: Mapping[str, float], claimer_id: str | None) -> float | None:
    """The claimer's estimate when they gave one, otherwise the median of everyone's."""
    if not estimates:
        return None
    if claimer_id is not None and claimer_id in estimates:
        return float(estimates[claimer_id])
    return float(median(estimates.values()))


def estimates_disagree(estimates: Mapping[str, float]) -> bool:
    """True when at least two estimates exist and the largest is ≥ 3 × the smallest."""
    values = list(estimates.values())
    return len(values) >= 2 and max(values) >= DISAGREEMENT_RATIO * min(values)


@dataclass(frozen=True)
class Verdict:
    projected: date
    feasible: bool
    # The date both sides would commit to if it is feasible: the desired date, or, without one,
    # the projection.
    commit_to: date


def project_delivery(
    calendar: BusinessCalendar, *, now: datetime, queued_days: float, estimate_days: float
) -> date:
    """The day the work would be done: starting now in the department's business time, after the
    claimer's other open estimated work, plus this estimate."""
    done = calendar.project_completion(now, queued_days + estimate_days)
    return calendar.local_date(done)


def judge(*, projected: date, desired: date | None) -> Verdict:
    """Feasible when the desired date is on or after the projected one (or there is none)."""
    if desired is None:
        return Verdict(projected=projected, feasible=True, commit_to=projected)
    return Verdict(projected=projected, feasible=desired >= projected, commit_to=desired)
