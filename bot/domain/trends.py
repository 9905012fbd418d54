"""Twelve weeks of the figures management reads: the Trends page in the Home tab, the monthly
post in each digest channel and `liaison stats --weeks N --csv` all come from `compute_trends`,
so they show the same series.

The weeks are whole calendar weeks, Monday 00:00 to Monday 00:00 in a time zone (the digest's
for the monthly post, the organization's for the Trends page and the CSV): the last one ends at
the Monday at or before `at`. Each week's figures are the digest's (bot/domain/metrics.py), for
the workspace or one department pair, pooled over its pairs:

- on_time_rate: deliveries kept on their committed date / deliveries with a committed date.
- promised: requests filed in the week with a date already promised to the client (before any
  estimate). promised_slipped: those of them whose promise slipped, judged at the end of the
  last week: delivered (by then) on a local date after the desired date, or still open then
  with the desired date already past. A promise declined or cancelled, or without a desired
  date, did not slip (it is in `promised` only). So the recent weeks' figure can still grow.
- hours_to_first_response: the median business hours from filing to the first claim, over the
  requests first claimed in the week (the first response is the claim: the request has an owner).
- estimate_accuracy: the median of actual ÷ estimated working days of the week's deliveries.
- median_load: the median, over the engineers holding open estimated work at the end of the
  week, of the estimated days they hold; overloaded: who holds more than 1.5 times their team's
  (fulfilling department's) median.

Queries: a fixed number per week (the digest's grouped queries) plus one for the promises, for
any number of requests, pairs and people.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from bot.config import Digest, LiaisonConfig
from bot.domain.calendar import calendar_for
from bot.domain.lifecycle import Status
from bot.domain.metrics import Pair, _Period
from bot.domain.models import Department, Request

WEEKS = 12
OVERLOAD = 1.5  # more than this many times the team's median load
SERIES = ("on_time", "promised", "first_response", "accuracy", "load")
_REQUESTING = aliased(Department, name="requesting")
_FULFILLING = aliased(Department, name="fulfilling")


@dataclass(frozen=True)
class TrendWeek:
    """One week's figures (None: nothing to measure that week)."""

    start: datetime
    end: datetime
    on_time_rate: float | None
    delivered_dated: int
    promised: int
    promised_slipped: int
    hours_to_first_response: float | None
    estimate_accuracy: float | None
    median_load: float | None
    overloaded: tuple[str, ...]

    def as_row(self) -> dict[str, Any]:
        """The CSV row (without the scope columns)."""
        return {
            "week_start": self.start.date().isoformat(),
            "week_end": self.end.date().isoformat(),
            "on_time_rate": _rounded(self.on_time_rate),
            "delivered_with_date": self.delivered_dated,
            "promised_before_estimate": self.promised,
            "promised_slipped": self.promised_slipped,
            "median_hours_to_first_response": _rounded(self.hours_to_first_response),
            "estimate_accuracy": _rounded(self.estimate_accuracy),
            "median_load_days": _rounded(self.median_load),
            "over_1_5x_median_load": " ".join(self.overloaded),
        }


CSV_COLUMNS = (
    "workspace",
    "requesting",
    "fulfilling",
    "week_start",
    "week_end",
    "on_time_rate",
    "delivered_with_date",
    "promised_before_estimate",
    "promised_slipped",
    "median_hours_to_first_response",
    "estimate_accuracy",
    "median_load_days",
    "over_1_5x_median_load",
)


@dataclass(frozen=True)
class Trends:
    """The weeks of one scope (`pair` None: the whole workspace), oldest first, and a sentence
    per series saying what changed."""

    pair: Pair | None
    weeks: tuple[TrendWeek, ...]

    @property
    def sentences(self) -> dict[str, str]:
        return {name: _SENTENCES[name](self.weeks) for name in SERIES}

    def csv_rows(self, workspace: str) -> list[dict[str, Any]]:
        """`liaison stats --weeks N --csv`: one row per week; the whole workspace's rows have
        empty department columns."""
        requesting, fulfilling = self.pair or ("", "")
        scope = {"workspace": workspace, "requesting": requesting, "fulfilling": fulfilling}
        return [scope | week.as_row() for week in self.weeks]

    def payload(self, names: dict[str, str]) -> dict[str, Any]:
        """JSON-ready: what the monthly post, its charts and the Trends page are drawn from."""
        return {
            "period_start": self.weeks[0].start.isoformat() if self.weeks else None,
            "period_end": self.weeks[-1].end.isoformat() if self.weeks else None,
            "names": names,
            "weeks": [week.as_row() for week in self.weeks],
            "sentences": self.sentences,
            "overloaded": list(self.overloaded_now),
        }

    @property
    def overloaded_now(self) -> tuple[str, ...]:
        return self.weeks[-1].overloaded if self.weeks else ()


def week_bounds(
    at: datetime, zone: ZoneInfo, weeks: int = WEEKS
) -> list[tuple[datetime, datetime]]:
    """The `weeks` whole weeks (Monday midnight to Monday midnight in `zone`) before the Monday
    at or before `at`, oldest first."""
    today = at.astimezone(zone).date()
    monday = today - timedelta(days=today.weekday())
    starts = [monday - timedelta(weeks=back) for back in range(weeks, -1, -1)]
    moments = [datetime.combine(day, time(), tzinfo=zone) for day in starts]
    return list(pairwise(moments))


def last_monthly(digest: Digest, now: datetime) -> datetime:
    """The most recent moment at or before `now` when `digest`'s channel was due its monthly
    trends: the 1st of the month at the digest's time, in its time zone."""
    local = now.astimezone(digest.zone)
    first = local.date().replace(day=1)
    moment = datetime.combine(first, digest.at, tzinfo=digest.zone)
    if moment > now:
        previous = (first - timedelta(days=1)).replace(day=1)
        moment = datetime.combine(previous, digest.at, tzinfo=digest.zone)
    return moment


def compute_trends(
    session: Session,
    *,
    config: LiaisonConfig,
    at: datetime,
    zone: ZoneInfo | None = None,
    workspace_id: int | None = None,
    pairs: Iterable[Pair | None] = (None,),
    departments: Collection[str] | None = None,
    weeks: int = WEEKS,
) -> list[Trends]:
    """The trends of each scope in `pairs` (None: all the workspace's pairs, or those between
    two of `departments`) for the `weeks` weeks before `at`, in `zone` (default: the
    organization's). The queries are made once for all the scopes."""
    bounds = week_bounds(at, zone or ZoneInfo(config.organization.timezone), weeks)
    if not bounds:
        return [Trends(pair, ()) for pair in pairs]
    raw = [_week(session, config, start, end, workspace_id) for start, end in bounds]
    promises = _promises(session, config, bounds[0][0], bounds[-1][1], workspace_id)
    return [
        Trends(pair, tuple(_pooled(w, promises, _scope(pair, departments)) for w in raw))
        for pair in pairs
    ]


# -- gathering -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _RawWeek:
    start: datetime
    end: datetime
    counts: dict[Pair, Counter[str]]
    samples: dict[Pair, dict[str, list[float]]]
    loads: dict[Pair, dict[str, float]]


def _week(
    session: Session,
    config: LiaisonConfig,
    start: datetime,
    end: datetime,
    workspace_id: int | None,
) -> _RawWeek:
    period = _Period(session, config=config, start=start, end=end, workspace_id=workspace_id)
    counts, _ = period.counts()
    samples = period.samples()
    loads = period.state_at_end(counts)
    return _RawWeek(start, end, dict(counts), dict(samples), dict(loads))


@dataclass(frozen=True)
class _Promise:
    pair: Pair
    created_at: datetime
    slipped: bool


def _promises(
    session: Session,
    config: LiaisonConfig,
    start: datetime,
    end: datetime,
    workspace_id: int | None,
) -> list[_Promise]:
    """Every request filed in [start, end) with a promised date, and whether it slipped by
    `end` (module docstring)."""
    calendars = {d.key: calendar_for(d, config.organization) for d in config.departments}
    query = (
        select(
            _REQUESTING.key,
            _FULFILLING.key,
            Request.created_at,
            Request.desired_date,
            Request.status,
            Request.delivered_at,
            Request.closed_at,
        )
        .join(_REQUESTING, _REQUESTING.id == Request.requesting_department_id)
        .join(_FULFILLING, _FULFILLING.id == Request.fulfilling_department_id)
        .where(
            Request.promised_to_client.is_(True),
            Request.created_at >= start,
            Request.created_at < end,
        )
    )
    if workspace_id is not None:
        query = query.where(Request.workspace_id == workspace_id)
    found = []
    for requesting, fulfilling, created, desired, status, delivered, closed in session.execute(
        query
    ):
        calendar = calendars.get(fulfilling)
        slipped = False
        if calendar is not None and desired is not None:
            slipped = _slipped(desired, Status(status), delivered, closed, end, calendar.zone)
        found.append(_Promise((requesting, fulfilling), created, slipped))
    return found


def _slipped(
    desired: date,
    status: Status,
    delivered_at: datetime | None,
    closed_at: datetime | None,
    end: datetime,
    zone: ZoneInfo,
) -> bool:
    if status is Status.DELIVERED and delivered_at is not None and delivered_at <= end:
        return delivered_at.astimezone(zone).date() > desired
    if status in (Status.DECLINED, Status.CANCELLED):
        return False  # no delivery to be late
    if closed_at is not None and closed_at <= end:
        return False
    return end.astimezone(zone).date() > desired  # open at the end (or closed only later)


# -- pooling ---------------------------------------------------------------------------------


def _scope(pair: Pair | None, departments: Collection[str] | None) -> Callable[[Pair], bool]:
    if pair is not None:
        return lambda other: other == pair
    if departments is None:
        return lambda other: True
    keys = set(departments)
    return lambda other: other[0] in keys and other[1] in keys


def _pooled(week: _RawWeek, promises: list[_Promise], inside: Callable[[Pair], bool]) -> TrendWeek:
    counts: Counter[str] = Counter()
    for pair, figures in week.counts.items():
        if inside(pair):
            counts.update(figures)
    waits = [v for p, s in week.samples.items() if inside(p) for v in s.get("hours_to_claim", [])]
    ratios = [v for p, s in week.samples.items() if inside(p) for v in s.get("accuracy", [])]
    teams: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for pair, people in week.loads.items():
        if inside(pair):
            teams[pair[1]].update(people)
    everyone = [days for team in teams.values() for days in team.values() if days > 0]
    overloaded = sorted(
        {
            person
            for team in teams.values()
            for person, days in team.items()
            if (median := _median([d for d in team.values() if d > 0])) is not None
            and days > OVERLOAD * median
        }
    )
    in_week = [p for p in promises if inside(p.pair) and week.start <= p.created_at < week.end]
    return TrendWeek(
        start=week.start,
        end=week.end,
        on_time_rate=(
            counts["delivered_on_time"] / counts["delivered_dated"]
            if counts["delivered_dated"]
            else None
        ),
        delivered_dated=counts["delivered_dated"],
        promised=len(in_week),
        promised_slipped=sum(p.slipped for p in in_week),
        hours_to_first_response=_median(waits),
        estimate_accuracy=_median(ratios),
        median_load=_median(everyone),
        overloaded=tuple(overloaded),
    )


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


# -- sentences -------------------------------------------------------------------------------


def _ends(values: list[float | None]) -> tuple[float, float, int] | None:
    """The first and last measured values and how many weeks apart they are."""
    measured = [(i, v) for i, v in enumerate(values) if v is not None]
    if not measured:
        return None
    (first_i, first), (last_i, last) = measured[0], measured[-1]
    return first, last, last_i - first_i


def _movement(name: str, values: list[float | None], show: Callable[[float], str]) -> str | None:
    ends = _ends(values)
    if ends is None:
        return None
    first, last, apart = ends
    if apart == 0:
        return f"{name} was {show(last)} in the only week with any"
    if show(first) == show(last):
        return f"{name} stayed at {show(last)} over {apart + 1} weeks"
    verb = "rose" if last > first else "fell"
    return f"{name} {verb} from {show(first)} to {show(last)} over {apart + 1} weeks"


def _percent(value: float) -> str:
    return f"{round(100 * value)} %"


def _on_time(weeks: Iterable[TrendWeek]) -> str:
    values = [w.on_time_rate for w in weeks]
    moved = _movement("On time", values, _percent)
    if moved is None:
        return "No delivery with a committed date in these weeks."
    recent = values[-4:]
    if len(recent) == 4 and all(v is not None for v in recent):
        low, high = _percent(min(recent)), _percent(max(recent))  # type: ignore[type-var]
        span = f"at {low}" if low == high else f"between {low} and {high}"
        return f"{moved}; the last four weeks were all {span}."
    return f"{moved}."


def _promised(weeks: Iterable[TrendWeek]) -> str:
    weeks = list(weeks)
    total = sum(w.promised for w in weeks)
    if not total:
        return "No date was promised before an estimate in these weeks."
    slipped = sum(w.promised_slipped for w in weeks)
    first, last = weeks[0].promised, weeks[-1].promised
    change = (
        f"{first} in the first week and {last} in the last"
        if first != last
        else f"{last} in the first week and in the last"
    )
    direction = "down" if last < first else "up" if last > first else "level"
    return (
        f"Dates promised before an estimate: {total} in {len(weeks)} weeks ({direction}: "
        f"{change}); {slipped} of them slipped."
    )


def _first_response(weeks: Iterable[TrendWeek]) -> str:
    moved = _movement(
        "Median time to first response",
        [w.hours_to_first_response for w in weeks],
        lambda v: f"{v:.1f} business hours",
    )
    return f"{moved}." if moved else "No request was claimed in these weeks."


def _accuracy(weeks: Iterable[TrendWeek]) -> str:
    moved = _movement(
        "Actual ÷ estimated time", [w.estimate_accuracy for w in weeks], lambda v: f"×{v:.2f}"
    )
    return f"{moved}." if moved else "No estimated request was delivered in these weeks."


def _load(weeks: Iterable[TrendWeek]) -> str:
    weeks = list(weeks)
    moved = _movement(
        "Median load per engineer", [w.median_load for w in weeks], lambda v: f"{v:.1f} days"
    )
    if moved is None:
        return "Nobody held estimated open work in these weeks."
    heavy = len(weeks[-1].overloaded)
    tail = (
        f"{heavy} {'person carries' if heavy == 1 else 'people carry'} more than 1.5× "
        "their team's median now"
        if heavy
        else "nobody carries more than 1.5× their team's median now"
    )
    return f"{moved}; {tail}."


_SENTENCES: dict[str, Callable[[Iterable[TrendWeek]], str]] = {
    "on_time": _on_time,
    "promised": _promised,
    "first_response": _first_response,
    "accuracy": _accuracy,
    "load": _load,
}
