"""Calibrated forecasts: how long work really takes compared with its estimate.

A person's ratio is the median of actual ÷ estimated working days over their most recent
delivered requests with an estimate, once they have at least `MIN_HISTORY`; with less, the
department's ratio over its recent deliveries; with none, 1 (the raw estimate). The digest also
shows the department's ratio per request type, over that type's recent deliveries. Actual working
days run from the first claim (bot/domain/definitions.py) to delivery, in the fulfilling
department's business calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from statistics import median

from sqlalchemy import Select, bindparam, exists, select
from sqlalchemy.orm import Session

from bot.domain.calendar import BusinessCalendar
from bot.domain.definitions import Milestone, first_at_sql, marks_sql
from bot.domain.lifecycle import Status
from bot.domain.models import Request, RequestEvent

MIN_HISTORY = 5
PERSONAL_WINDOW = 20
DEPARTMENT_WINDOW = 50


@dataclass(frozen=True)
class Calibration:
    ratio: float
    basis: str  # "personal", "department" or "none"
    samples: int

    def apply(self, estimate_days: float) -> float:
        return estimate_days * self.ratio


RAW = Calibration(ratio=1.0, basis="none", samples=0)


def _ratios(
    session: Session,
    calendar: BusinessCalendar,
    *,
    department_id: int,
    claimer_id: str | None,
    before: datetime,
    window: int,
    request_type: str | None = None,
) -> list[float]:
    parameters: dict[str, object] = {
        "department": department_id,
        "before": before,
        "window": window,
    }
    if claimer_id is not None:
        parameters["claimer"] = claimer_id
    if request_type is not None:
        parameters["type"] = request_type
    query = _ratios_query(claimer_id is not None, request_type is not None)
    ratios = []
    for claimed_at, delivered_at, estimate in session.execute(query, parameters):
        actual = calendar.working_days_between(claimed_at, delivered_at)
        ratios.append(actual / estimate)
    return ratios


@cache
def _ratios_query(by_claimer: bool, by_type: bool) -> Select[tuple[datetime, datetime, float]]:
    """The deliveries a ratio is taken from, as a statement built once per shape (every
    estimate runs it, and building it cost more CPU than running it), with named parameters."""
    # Per candidate row, newest first, through (request_id, at): only `window` requests' events
    # are read, not every claim ever made.
    first_claim = first_at_sql(Milestone.CLAIMED, Request.id)
    query = (
        select(first_claim, Request.delivered_at, Request.estimate_days)
        .where(
            Request.fulfilling_department_id == bindparam("department"),
            Request.status == Status.DELIVERED,
            Request.estimate_days > 0,
            Request.delivered_at < bindparam("before"),
            exists().where(
                RequestEvent.request_id == Request.id, marks_sql(Milestone.CLAIMED, RequestEvent)
            ),
        )
        .order_by(Request.delivered_at.desc())
        .limit(bindparam("window"))
    )
    if by_claimer:
        query = query.where(Request.claimer_id == bindparam("claimer"))
    if by_type:
        query = query.where(Request.request_type == bindparam("type"))
    return query


def calibration_for(
    session: Session,
    calendar: BusinessCalendar,
    *,
    department_id: int,
    claimer_id: str | None,
    before: datetime,
) -> Calibration:
    """The ratio to apply to `claimer_id`'s estimates in this department."""
    if claimer_id is not None:
        personal = _ratios(
            session,
            calendar,
            department_id=department_id,
            claimer_id=claimer_id,
            before=before,
            window=PERSONAL_WINDOW,
        )
        if len(personal) >= MIN_HISTORY:
            return Calibration(round(median(personal), 2), "personal", len(personal))
    department = department_ratio(session, calendar, department_id=department_id, before=before)
    return department or RAW


def department_ratio(
    session: Session,
    calendar: BusinessCalendar,
    *,
    department_id: int,
    before: datetime,
    request_type: str | None = None,
) -> Calibration | None:
    """The department's ratio over its recent deliveries before `before` (only those of
    `request_type` when given); None without any."""
    ratios = _ratios(
        session,
        calendar,
        department_id=department_id,
        claimer_id=None,
        before=before,
        window=DEPARTMENT_WINDOW,
        request_type=request_type,
    )
    if not ratios:
        return None
    return Calibration(round(median(ratios), 2), "department", len(ratios))
