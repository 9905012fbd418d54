"""The figures of the weekly digest and `liaison stats`, per (requesting, fulfilling) department
pair, computed from the event log with aggregations in the database.

Definitions, for the period [start, end) and the requests of one pair:

- opened: requests created in the period; promised_before_estimate: those of them filed with a
  date already promised to the client.
- claimed / estimated / committed: requests whose *first* claim / estimate / commitment
  (bot/domain/definitions.py) happened in the period.
- delivered / declined / cancelled: requests with an event moving the status to that state in
  the period that still stands: a delivery a lead reopened later does not count (a request is
  delivered once, in the period of its last delivery; bot/domain/definitions.py).
- delivered_on_time: delivered requests delivered on time (bot/domain/definitions.py: on or
  before their committed_date, in the fulfilling department's zone). on_time_rate:
  delivered_on_time / the delivered requests with a committed_date; None when there are none.
- median_hours_to_claim / median_hours_to_estimate: over the requests first claimed / first
  estimated in the period, the median business hours (fulfilling department's calendar) from
  created_at to that first claim / estimate; None when there are none.
- estimate_accuracy: over the requests delivered in the period (by a standing delivery) that have
  estimate_days, the
  median of (working days from the first claim to delivered_at) / estimate_days; None when none.
- open / at_risk / overdue / load: the state at `end`, replayed from the log. A request's status
  at `end` is the to_status of its latest status-moving event at or before `end`; requests
  created later have no such event and are left out. open and overdue (with the current
  committed_date) as bot/domain/definitions.py defines them, at `end`. at_risk: status at_risk.
  load: per person claiming a request at `end` (its latest claimed / reassigned / unclaimed event
  at or before `end` names the claimer, the new assignee, or nobody), the sum of the current
  estimate_days of their open requests that have one.

"Latest" means the highest event id: events are appended in time order. A request belongs to a
pair through its requesting and fulfilling departments' keys; one filed without a requesting
department belongs to none.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any

from sqlalchemy import (
    FromClause,
    Select,
    String,
    Subquery,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql.elements import ColumnElement

from bot.config import LiaisonConfig
from bot.domain.calendar import BusinessCalendar, calendar_for
from bot.domain.definitions import (
    HOLDER_KINDS,
    DepartmentDates,
    Milestone,
    closing_stands_sql,
    delivered_on_time_sql,
    first_at_sql,
    is_open_sql,
    is_overdue_sql,
    marks_sql,
)
from bot.domain.lifecycle import EventKind, Status
from bot.domain.models import Department, Request, RequestEvent

Pair = tuple[str, str]

CLOSING_STATES = tuple(s.value for s in (Status.DELIVERED, Status.DECLINED, Status.CANCELLED))

_REQUESTING = aliased(Department, name="requesting")
_FULFILLING = aliased(Department, name="fulfilling")
_PAIR = (_REQUESTING.key, _FULFILLING.key)


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

    def as_json(self) -> dict[str, Any]:
        """The `liaison stats --json` object: ISO 8601 datetimes, floats rounded to 2 decimals."""
        return {f.name: _json_value(getattr(self, f.name)) for f in fields(self)}


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, dict):
        return {key: _json_value(item) for key, item in value.items()}
    return value


def compute_stats(
    session: Session,
    *,
    config: LiaisonConfig,
    start: datetime,
    end: datetime,
    workspace_id: int | None = None,
) -> list[PairStats]:
    """The figures for [start, end) of every requesting × fulfilling department pair of the
    config (a department is never paired with itself), in config order; all workspaces when
    `workspace_id` is None."""
    pairs = [
        (requesting.key, fulfilling.key)
        for requesting in config.requesting_departments()
        for fulfilling in config.fulfilling_departments()
        if requesting.key != fulfilling.key
    ]
    if not pairs:
        return []
    period = _Period(session, config=config, start=start, end=end, workspace_id=workspace_id)
    counts = period.counts()
    samples = period.samples()
    loads = period.state_at_end(counts)
    return [
        PairStats(
            requesting=pair[0],
            fulfilling=pair[1],
            period_start=start,
            period_end=end,
            opened=counts[pair]["opened"],
            claimed=counts[pair]["claimed"],
            estimated=counts[pair]["estimated"],
            committed=counts[pair]["committed"],
            delivered=counts[pair]["delivered"],
            declined=counts[pair]["declined"],
            cancelled=counts[pair]["cancelled"],
            delivered_on_time=counts[pair]["delivered_on_time"],
            on_time_rate=(
                counts[pair]["delivered_on_time"] / counts[pair]["delivered_dated"]
                if counts[pair]["delivered_dated"]
                else None
            ),
            median_hours_to_claim=_median(samples[pair]["hours_to_claim"]),
            median_hours_to_estimate=_median(samples[pair]["hours_to_estimate"]),
            estimate_accuracy=_median(samples[pair]["accuracy"]),
            promised_before_estimate=counts[pair]["promised_before_estimate"],
            at_risk=counts[pair]["at_risk"],
            overdue=counts[pair]["overdue"],
            open=counts[pair]["open"],
            load=dict(sorted(loads[pair].items())),
            filed_despite_warning=counts[pair]["filed_despite_warning"],
        )
        for pair in pairs
    ]


def _median(values: list[float]) -> float | None:
    return float(statistics.median(values)) if values else None


class _Period:
    """The queries for one period. Each groups by department pair in the database; only the
    period's claims, estimates and deliveries come back row by row, for the medians."""

    def __init__(
        self,
        session: Session,
        *,
        config: LiaisonConfig,
        start: datetime,
        end: datetime,
        workspace_id: int | None,
    ) -> None:
        self.session = session
        self.start = start
        self.end = end
        self.workspace_id = workspace_id
        self.requesting_keys = [d.key for d in config.requesting_departments()]
        self.calendars: dict[str, BusinessCalendar] = {
            d.key: calendar_for(d, config.organization) for d in config.fulfilling_departments()
        }
        self.dates = DepartmentDates(self.calendars, _FULFILLING.key)

    # -- counts ----------------------------------------------------------------------------

    def counts(self) -> defaultdict[Pair, Counter[str]]:
        counts: defaultdict[Pair, Counter[str]] = defaultdict(Counter)
        created = self._by_pair(
            None,
            func.count(),
            func.sum(case((Request.promised_to_client.is_(True), 1), else_=0)),
            func.sum(case((Request.filed_despite_warning.is_(True), 1), else_=0)),
        ).where(self._in_period(Request.created_at))
        for requesting, fulfilling, opened, promised, warned in self.session.execute(
            created.group_by(*_PAIR)
        ):
            counts[requesting, fulfilling].update(
                opened=opened, promised_before_estimate=promised, filed_despite_warning=warned
            )

        firsts = self._first_milestones(list(Milestone))
        by_milestone = self._by_pair(firsts, firsts.c.milestone, func.count()).group_by(
            *_PAIR, firsts.c.milestone
        )
        for requesting, fulfilling, milestone, number in self.session.execute(by_milestone):
            counts[requesting, fulfilling][milestone] = number

        closings = (
            select(RequestEvent.request_id, RequestEvent.to_status)
            .where(
                RequestEvent.to_status.in_(CLOSING_STATES),
                self._in_period(RequestEvent.at),
                closing_stands_sql(RequestEvent),
            )
            .distinct()
            .subquery("closings")
        )
        dated = and_(
            closings.c.to_status == Status.DELIVERED.value, Request.committed_date.is_not(None)
        )
        on_time = and_(
            dated,
            delivered_on_time_sql(
                Request.committed_date,
                Request.delivered_at,
                self.dates,
                start=self.start,
                end=self.end,
            ),
        )
        by_state = self._by_pair(
            closings,
            closings.c.to_status,
            func.count(),
            func.sum(case((dated, 1), else_=0)),
            func.sum(case((on_time, 1), else_=0)),
        ).group_by(*_PAIR, closings.c.to_status)
        for requesting, fulfilling, state, number, with_date, in_time in self.session.execute(
            by_state
        ):
            counts[requesting, fulfilling].update(
                {state: number, "delivered_dated": with_date, "delivered_on_time": in_time}
            )
        return counts

    # -- medians ---------------------------------------------------------------------------

    def samples(self) -> defaultdict[Pair, defaultdict[str, list[float]]]:
        """Per pair: business hours to the first claim and estimate, and estimate accuracies."""
        samples: defaultdict[Pair, defaultdict[str, list[float]]] = defaultdict(
            lambda: defaultdict(list)
        )
        names = {Milestone.CLAIMED: "hours_to_claim", Milestone.ESTIMATED: "hours_to_estimate"}
        firsts = self._first_milestones(list(names))
        waits = self._by_pair(firsts, firsts.c.milestone, Request.created_at, firsts.c.at)
        for requesting, fulfilling, milestone, created_at, at in self.session.execute(waits):
            minutes = self.calendars[fulfilling].business_minutes_between(created_at, at)
            samples[requesting, fulfilling][names[Milestone(milestone)]].append(minutes / 60)

        first_claim = first_at_sql(Milestone.CLAIMED, Request.id)
        delivered = (
            select(RequestEvent.request_id)
            .where(
                RequestEvent.to_status == Status.DELIVERED.value,
                self._in_period(RequestEvent.at),
                closing_stands_sql(RequestEvent),
            )
            .distinct()
            .subquery("delivered")
        )
        accuracy = self._by_pair(
            delivered, Request.estimate_days, first_claim, Request.delivered_at
        ).where(Request.estimate_days > 0, Request.delivered_at.is_not(None))
        for requesting, fulfilling, estimate, claimed_at, delivered_at in self.session.execute(
            accuracy
        ):
            if claimed_at is not None:
                actual = self.calendars[fulfilling].working_days_between(claimed_at, delivered_at)
                samples[requesting, fulfilling]["accuracy"].append(actual / estimate)
        return samples

    # -- the state at the end --------------------------------------------------------------

    def state_at_end(
        self, counts: defaultdict[Pair, Counter[str]]
    ) -> defaultdict[Pair, dict[str, float]]:
        """Add open, at_risk and overdue to `counts`; return each pair's load per person."""
        # One pass over the log up to the end finds, per request, its latest status-moving event
        # and its latest claimed/reassigned/unclaimed one; both are joined back by primary key.
        # closed_at is the moment of a request's last closing event, and a reopening clears it:
        # a request closed by `end` (and not reopened since) is closed at `end`, so only the
        # other requests' logs are read. One reopened after `end` has no closed_at and is replayed.
        still_open = select(Request.id).where(
            or_(Request.closed_at.is_(None), Request.closed_at > self.end)
        )
        latest = (
            select(
                RequestEvent.request_id,
                func.max(case((RequestEvent.to_status.is_not(None), RequestEvent.id))).label(
                    "move_id"
                ),
                func.max(
                    case((RequestEvent.kind.in_([k.value for k in HOLDER_KINDS]), RequestEvent.id))
                ).label("hand_id"),
            )
            .where(RequestEvent.at <= self.end, RequestEvent.request_id.in_(still_open))
            .group_by(RequestEvent.request_id)
            .subquery("latest")
        )
        move = aliased(RequestEvent, name="move")
        hand = aliased(RequestEvent, name="hand")
        holder = case(
            (hand.kind == EventKind.CLAIMED.value, hand.actor),
            (hand.kind == EventKind.REASSIGNED.value, hand.data["to"].as_string()),
        )
        is_open = is_open_sql(move.to_status)
        overdue = is_overdue_sql(
            move.to_status, Request.committed_date, now=self.end, dates=self.dates
        )
        carried = and_(is_open, Request.estimate_days.is_not(None))
        state = (
            self._by_pair(
                latest,
                holder,
                func.sum(case((is_open, 1), else_=0)),
                func.sum(case((move.to_status == Status.AT_RISK.value, 1), else_=0)),
                func.sum(case((overdue, 1), else_=0)),
                func.sum(case((carried, Request.estimate_days))),
            )
            .join(move, move.id == latest.c.move_id)
            .outerjoin(hand, hand.id == latest.c.hand_id)
            .group_by(*_PAIR, holder)
        )
        loads: defaultdict[Pair, dict[str, float]] = defaultdict(dict)
        for requesting, fulfilling, person, open_, at_risk, late, days in self.session.execute(
            state
        ):
            counts[requesting, fulfilling].update(open=open_, at_risk=at_risk, overdue=late)
            if person is not None and days is not None:
                loads[requesting, fulfilling][person] = float(days)
        return loads

    # -- building blocks -------------------------------------------------------------------

    def _in_period(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)

    def _by_pair(self, source: FromClause | None, *columns: Any) -> Select[Any]:
        """SELECT requesting key, fulfilling key, *columns over the requests of the config's
        pairs (of `source` joined to them by its request_id, when given)."""
        statement = select(*_PAIR, *columns)
        if source is None:
            statement = statement.select_from(Request)
        else:
            statement = statement.select_from(source).join(
                Request, Request.id == source.c.request_id
            )
        statement = (
            statement.join(_REQUESTING, _REQUESTING.id == Request.requesting_department_id)
            .join(_FULFILLING, _FULFILLING.id == Request.fulfilling_department_id)
            .where(
                _REQUESTING.key.in_(self.requesting_keys),
                _FULFILLING.key.in_(list(self.calendars)),
            )
        )
        if self.workspace_id is not None:
            statement = statement.where(Request.workspace_id == self.workspace_id)
        return statement

    def _first_milestones(self, milestones: list[Milestone]) -> Subquery:
        """(milestone, request_id, at) for each request whose first milestone event fell in the
        period: it has one in the period and none before. Only the period's events are read,
        plus an indexed look back per request."""
        selects = []
        for milestone in milestones:
            earlier = aliased(RequestEvent, name="earlier")
            selects.append(
                select(
                    literal(milestone.value, String).label("milestone"),
                    RequestEvent.request_id,
                    func.min(RequestEvent.at).label("at"),
                )
                .where(marks_sql(milestone, RequestEvent), self._in_period(RequestEvent.at))
                .where(
                    ~exists().where(
                        earlier.request_id == RequestEvent.request_id,
                        marks_sql(milestone, earlier),
                        earlier.at < self.start,
                    )
                )
                .group_by(RequestEvent.request_id)
            )
        return union_all(*selects).subquery("firsts")
