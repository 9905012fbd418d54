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

by_type: a map from request type key to the requests of `opened` filed with that type (keys with
none are left out); requests filed without a type are left out too, so `opened` minus the sum of
by_type is the untyped ones. `compute_stats(..., by_type=True)` instead splits every figure by
type: one `TypeStats` per pair and type, the type None standing for requests filed without one.

"Latest" means the highest event id: events are appended in time order. A request belongs to a
pair through its requesting and fulfilling departments' keys; one filed without a requesting
department belongs to none.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
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
from bot.domain.stats_figures import Group, Pair, PairStats, TypeStats, split_types

CLOSING_STATES = tuple(s.value for s in (Status.DELIVERED, Status.DECLINED, Status.CANCELLED))

_REQUESTING = aliased(Department, name="requesting")
_FULFILLING = aliased(Department, name="fulfilling")
_PAIR = (_REQUESTING.key, _FULFILLING.key)


def compute_stats(
    session: Session,
    *,
    config: LiaisonConfig,
    start: datetime,
    end: datetime,
    workspace_id: int | None = None,
    by_type: bool = False,
) -> list[PairStats]:
    """The figures for [start, end) of every requesting × fulfilling department pair of the
    config (a department is never paired with itself), in config order; all workspaces when
    `workspace_id` is None. `by_type`: one `TypeStats` per pair and request type instead (see
    `split_types`), the same queries grouped one column finer."""
    pairs = [
        (requesting.key, fulfilling.key)
        for requesting in config.requesting_departments()
        for fulfilling in config.fulfilling_departments()
        if requesting.key != fulfilling.key
    ]
    if not pairs:
        return []
    period = _Period(
        session, config=config, start=start, end=end, workspace_id=workspace_id, split=by_type
    )
    counts, types = period.counts()
    samples = period.samples()
    loads = period.state_at_end(counts)
    if not by_type:
        return [
            PairStats(
                **_figures(pair, period, counts, samples, loads),
                by_type=dict(sorted(types[pair].items())),
            )
            for pair in pairs
        ]
    seen = [*counts, *samples, *loads]
    return [
        TypeStats(**_figures((*pair, kind), period, counts, samples, loads), type=kind)
        for pair in pairs
        for kind in split_types(config, pair, seen)
    ]


def _figures(
    group: Group,
    period: _Period,
    counts: defaultdict[Group, Counter[str]],
    samples: defaultdict[Group, defaultdict[str, list[float]]],
    loads: defaultdict[Group, dict[str, float]],
) -> dict[str, Any]:
    """A group's figures as PairStats' keyword arguments (all but by_type)."""
    count, sample = counts[group], samples[group]
    return {
        "requesting": group[0],
        "fulfilling": group[1],
        "period_start": period.start,
        "period_end": period.end,
        "opened": count["opened"],
        "claimed": count["claimed"],
        "estimated": count["estimated"],
        "committed": count["committed"],
        "delivered": count["delivered"],
        "declined": count["declined"],
        "cancelled": count["cancelled"],
        "delivered_on_time": count["delivered_on_time"],
        "on_time_rate": (
            count["delivered_on_time"] / count["delivered_dated"]
            if count["delivered_dated"]
            else None
        ),
        "median_hours_to_claim": _median(sample["hours_to_claim"]),
        "median_hours_to_estimate": _median(sample["hours_to_estimate"]),
        "estimate_accuracy": _median(sample["accuracy"]),
        "promised_before_estimate": count["promised_before_estimate"],
        "at_risk": count["at_risk"],
        "overdue": count["overdue"],
        "open": count["open"],
        "load": dict(sorted(loads[group].items())),
        "filed_despite_warning": count["filed_despite_warning"],
    }


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
        split: bool = False,
    ) -> None:
        self.session = session
        # What the figures are grouped by: the pair's keys, and the request type when split.
        self.group: tuple[Any, ...] = (*_PAIR, Request.request_type) if split else _PAIR
        self.start = start
        self.end = end
        self.workspace_id = workspace_id
        self.requesting_keys = [d.key for d in config.requesting_departments()]
        self.calendars: dict[str, BusinessCalendar] = {
            d.key: calendar_for(d, config.organization) for d in config.fulfilling_departments()
        }
        self.dates = DepartmentDates(self.calendars, _FULFILLING.key)

    # -- counts ----------------------------------------------------------------------------

    def counts(self) -> tuple[defaultdict[Group, Counter[str]], defaultdict[Pair, Counter[str]]]:
        """Each group's counts, and each pair's requests opened per type (by_type)."""
        counts: defaultdict[Group, Counter[str]] = defaultdict(Counter)
        types: defaultdict[Pair, Counter[str]] = defaultdict(Counter)
        # Grouped by type even when the figures are not: by_type comes from the same rows.
        created = (
            select(
                *_PAIR,
                Request.request_type,
                func.count(),
                func.sum(case((Request.promised_to_client.is_(True), 1), else_=0)),
                func.sum(case((Request.filed_despite_warning.is_(True), 1), else_=0)),
            )
            .select_from(Request)
            .where(self._in_period(Request.created_at))
        )
        for requesting, fulfilling, kind, opened, promised, warned in self.session.execute(
            self._of_pairs(created).group_by(*_PAIR, Request.request_type)
        ):
            group = (requesting, fulfilling, kind)[: len(self.group)]
            counts[group].update(
                opened=opened, promised_before_estimate=promised, filed_despite_warning=warned
            )
            if kind is not None:
                types[requesting, fulfilling][kind] += opened

        firsts = self._first_milestones(list(Milestone))
        by_milestone = self._by_pair(firsts, firsts.c.milestone, func.count()).group_by(
            *self.group, firsts.c.milestone
        )
        for *group, milestone, number in self.session.execute(by_milestone):
            counts[tuple(group)][milestone] = number

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
        ).group_by(*self.group, closings.c.to_status)
        for *group, state, number, with_date, in_time in self.session.execute(by_state):
            counts[tuple(group)].update(
                {state: number, "delivered_dated": with_date, "delivered_on_time": in_time}
            )
        return counts, types

    # -- medians ---------------------------------------------------------------------------

    def samples(self) -> defaultdict[Group, defaultdict[str, list[float]]]:
        """Per group: business hours to the first claim and estimate, and estimate accuracies."""
        samples: defaultdict[Group, defaultdict[str, list[float]]] = defaultdict(
            lambda: defaultdict(list)
        )
        names = {Milestone.CLAIMED: "hours_to_claim", Milestone.ESTIMATED: "hours_to_estimate"}
        firsts = self._first_milestones(list(names))
        waits = self._by_pair(firsts, firsts.c.milestone, Request.created_at, firsts.c.at)
        for *group, milestone, created_at, at in self.session.execute(waits):
            minutes = self.calendars[group[1]].business_minutes_between(created_at, at)
            samples[tuple(group)][names[Milestone(milestone)]].append(minutes / 60)

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
        for *group, estimate, claimed_at, delivered_at in self.session.execute(accuracy):
            if claimed_at is not None:
                actual = self.calendars[group[1]].working_days_between(claimed_at, delivered_at)
                samples[tuple(group)]["accuracy"].append(actual / estimate)
        return samples

    # -- the state at the end --------------------------------------------------------------

    def state_at_end(
        self, counts: defaultdict[Group, Counter[str]]
    ) -> defaultdict[Group, dict[str, float]]:
        """Add open, at_risk and overdue to `counts`; return each group's load per person."""
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
            .group_by(*self.group, holder)
        )
        loads: defaultdict[Group, dict[str, float]] = defaultdict(dict)
        for *group, person, open_, at_risk, late, days in self.session.execute(state):
            counts[tuple(group)].update(open=open_, at_risk=at_risk, overdue=late)
            if person is not None and days is not None:
                loads[tuple(group)][person] = float(days)
        return loads

    # -- building blocks -------------------------------------------------------------------

    def _in_period(self, column: Any) -> ColumnElement[bool]:
        return and_(column >= self.start, column < self.end)

    def _by_pair(self, source: FromClause, *columns: Any) -> Select[Any]:
        """SELECT the group's columns (the pair's keys, and the type when split), *columns over
        the requests of the config's pairs of `source`, joined to them by its request_id."""
        statement = (
            select(*self.group, *columns)
            .select_from(source)
            .join(Request, Request.id == source.c.request_id)
        )
        return self._of_pairs(statement)

    def _of_pairs(self, statement: Select[Any]) -> Select[Any]:
        """`statement` (over Request) limited to the config's pairs and the workspace."""
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
