"""The weekly digest's facts: when each digest is due, and what it reports.

A digest covers the seven days before its scheduled moment for every pair of its departments
(requesting × fulfilling), with the week before for comparison (the SPEC's `stats` figures), the
most urgent at-risk and overdue requests, the oldest unclaimed one, open load per engineer, the
dates promised before anyone estimated (and how many of those proved infeasible), and eight
weeks of opened vs delivered for the chart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.config import Digest, LiaisonConfig
from bot.domain.calendar import BusinessCalendar, calendar_for
from bot.domain.calibration import department_ratio
from bot.domain.definitions import (
    DepartmentDates,
    closing_stands_sql,
    delivered_on_time_sql,
    is_open_sql,
    is_overdue,
    is_overdue_sql,
)
from bot.domain.lifecycle import Status
from bot.domain.metrics import compute_stats
from bot.domain.models import Department, Request, RequestEvent

# Each department's business calendar by key: its dates are the ones its requests are judged by.
Calendars = dict[str, BusinessCalendar]
_FULFILLING = aliased(Department, name="fulfilling")

WEEK = timedelta(days=7)
CHART_WEEKS = 8
URGENT_SHOWN = 5


def last_scheduled(digest: Digest, now: datetime) -> datetime:
    """The most recent moment at or before `now` when `digest` was due (its weekday and time in
    its time zone)."""
    local = now.astimezone(digest.zone)
    days_back = (local.weekday() - digest.weekday_number) % 7
    day = local.date() - timedelta(days=days_back)
    moment = datetime.combine(day, digest.at, tzinfo=digest.zone)
    if moment > now:
        moment = datetime.combine(day - WEEK, digest.at, tzinfo=digest.zone)
    return moment


@dataclass(frozen=True)
class DigestFacts:
    channel: str
    scheduled_for: datetime
    payload: dict[str, Any]


def build_digest(
    session: Session,
    *,
    config: LiaisonConfig,
    digest: Digest,
    scheduled_for: datetime,
    workspace_id: int | None = None,
) -> DigestFacts:
    """Everything the digest for `scheduled_for` reports, as JSON-ready data, about the
    workspace `config` belongs to (None: the only one)."""
    end, start = scheduled_for, scheduled_for - WEEK
    keys = set(digest.departments)
    scope = {"config": config, "workspace_id": workspace_id}
    this_week = compute_stats(session, **scope, start=start, end=end)
    last_week = compute_stats(session, **scope, start=start - WEEK, end=start)
    pairs = [
        {"this": now.as_json(), "last": before.as_json()}
        for now, before in zip(this_week, last_week, strict=True)
        if now.requesting in keys and now.fulfilling in keys
    ]
    names = {d.key: d.name for d in config.departments}
    in_scope = _pair_filter(session, keys, workspace_id)
    calendars = {d.key: calendar_for(d, config.organization) for d in config.departments}
    promised, infeasible = _promised(session, in_scope, start, end)
    payload = {
        "period_start": start.isoformat(),
        "period_end": end.isoformat(),
        "names": names,
        # Request types by fulfilling department, retired ones too: the thread names each.
        "type_names": {
            d.key: {t.key: t.name for t in config.request_types_for(d.key, retired=True)}
            for d in config.fulfilling_departments()
        },
        "pairs": pairs,
        "urgent": _urgent(session, in_scope, calendars, end),
        "oldest_unclaimed": _oldest_unclaimed(session, in_scope),
        "promised": promised,
        "promised_infeasible": infeasible,
        "weeks": _weekly(session, in_scope, calendars, end),
        "calibration": _calibration(session, config, keys, end, workspace_id),
    }
    return DigestFacts(channel=digest.channel, scheduled_for=scheduled_for, payload=payload)


def _pair_filter(session: Session, keys: set[str], workspace_id: int | None) -> Any:
    """Requests between two of the digest's departments."""
    departments = select(Department.id).where(Department.key.in_(keys))
    if workspace_id is not None:
        departments = departments.where(Department.workspace_id == workspace_id)
    return and_(
        Request.fulfilling_department_id.in_(departments),
        Request.requesting_department_id.in_(departments),
    )


def _brief(request: Request) -> dict[str, Any]:
    return {
        "reference": request.reference,
        "title": request.title,
        "permalink": request.card_permalink,
        "status": request.status.value,
        "claimer": request.claimer_id,
        "desired": request.desired_date.isoformat() if request.desired_date else None,
        "committed": request.committed_date.isoformat() if request.committed_date else None,
        "created": request.created_at.isoformat(),
    }


def _urgent(
    session: Session, in_scope: Any, calendars: Calendars, end: datetime
) -> list[dict[str, Any]]:
    """Open requests at risk or overdue at `end`, the most pressing first."""
    due = func.coalesce(Request.committed_date, Request.desired_date, date.max)
    dates = DepartmentDates(calendars, _FULFILLING.key)
    rows = session.scalars(
        select(Request)
        .join(_FULFILLING, _FULFILLING.id == Request.fulfilling_department_id)
        .where(
            in_scope,
            is_open_sql(Request.status),
            or_(
                Request.status == Status.AT_RISK,
                is_overdue_sql(Request.status, Request.committed_date, now=end, dates=dates),
            ),
        )
        .order_by(due, Request.created_at)
        .limit(URGENT_SHOWN)
    )
    return [_brief(r) | {"overdue": _overdue(r, calendars, end)} for r in rows]


def _overdue(request: Request, calendars: Calendars, end: datetime) -> bool:
    calendar = calendars.get(request.fulfilling_department.key)
    return calendar is not None and is_overdue(
        request.status, request.committed_date, now=end, calendar=calendar
    )


def _oldest_unclaimed(session: Session, in_scope: Any) -> dict[str, Any] | None:
    request = session.scalars(
        select(Request)
        .where(in_scope, Request.status == Status.NEW)
        .order_by(Request.created_at)
        .limit(1)
    ).first()
    return _brief(request) if request else None


def _promised(session: Session, in_scope: Any, start: datetime, end: datetime) -> tuple[int, int]:
    """Requests filed in the period with a date already promised, and how many of those turned
    out infeasible (were ever at risk)."""
    ever_at_risk = exists().where(
        RequestEvent.request_id == Request.id, RequestEvent.to_status == Status.AT_RISK.value
    )
    row = session.execute(
        select(func.count(), func.count().filter(ever_at_risk)).where(
            in_scope,
            Request.promised_to_client.is_(True),
            Request.created_at >= start,
            Request.created_at < end,
        )
    ).one()
    return int(row[0]), int(row[1])


def _calibration(
    session: Session, config: LiaisonConfig, keys: set[str], end: datetime, workspace_id: int | None
) -> list[dict[str, Any]]:
    """Each fulfilling department's actual ÷ estimated ratio now and a week ago (its trend), and
    now per request type (one query per type)."""
    found = []
    for department in config.fulfilling_departments():
        if department.key not in keys:
            continue
        # One workspace's figures per department (the first one's).
        query = select(Department.id).where(Department.key == department.key)
        if workspace_id is not None:
            query = query.where(Department.workspace_id == workspace_id)
        department_id = session.scalar(query.order_by(Department.id))
        if department_id is None:
            continue
        calendar = calendar_for(department, config.organization)
        now = department_ratio(session, calendar, department_id=department_id, before=end)
        before = department_ratio(session, calendar, department_id=department_id, before=end - WEEK)
        by_type = []
        for kind in config.request_types_for(department.key, retired=True):
            typed = department_ratio(
                session, calendar, department_id=department_id, before=end, request_type=kind.key
            )
            if typed is not None:
                by_type.append({"type": kind.key, "ratio": typed.ratio, "samples": typed.samples})
        found.append(
            {
                "department": department.key,
                "ratio": now.ratio if now else None,
                "previous": before.ratio if before else None,
                "by_type": by_type,
            }
        )
    return found


def _weekly(
    session: Session, in_scope: Any, calendars: Calendars, end: datetime
) -> list[dict[str, Any]]:
    """Opened and delivered per week for the chart, oldest week first, and the on-time rate
    (with how many deliveries had a committed date, which the headline weighs it by)."""
    weeks = []
    delivered = aliased(RequestEvent)
    dates = DepartmentDates(calendars, _FULFILLING.key)
    for back in range(CHART_WEEKS, 0, -1):
        week_start, week_end = end - back * WEEK, end - (back - 1) * WEEK
        opened = session.scalar(
            select(func.count()).where(
                in_scope, Request.created_at >= week_start, Request.created_at < week_end
            )
        )
        row = session.execute(
            select(
                func.count(),
                func.count().filter(Request.committed_date.is_not(None)),
                func.count().filter(
                    delivered_on_time_sql(
                        Request.committed_date,
                        Request.delivered_at,
                        dates,
                        start=week_start,
                        end=week_end,
                    )
                ),
            )
            .select_from(delivered)
            .join(Request, Request.id == delivered.request_id)
            .join(_FULFILLING, _FULFILLING.id == Request.fulfilling_department_id)
            .where(
                in_scope,
                delivered.to_status == Status.DELIVERED.value,
                closing_stands_sql(delivered),
                delivered.at >= week_start,
                delivered.at < week_end,
            )
        ).one()
        weeks.append(
            {
                "week_start": week_start.date().isoformat(),
                "opened": int(opened or 0),
                "delivered": int(row[0]),
                "on_time_rate": (row[2] / row[1]) if row[1] else None,
                "dated": int(row[1]),  # the deliveries the rate is over
            }
        )
    return weeks
