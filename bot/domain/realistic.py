"""The earliest realistic delivery date for a new request, before anyone promises one.

The model, kept simple on purpose so a person can check it by hand:

1. **The queue.** The fulfilling department's open requests someone has taken on (claimed,
   estimated, at risk or committed) are ahead of a new one. Each counts its estimate,
   corrected by the team's calibration (bot/domain/calibration.py: how long the team's work
   really took compared with its estimates), less the whole workdays since its first claim
   (never below nothing: an overdue request is taken as nearly done); one without an
   estimate yet counts the typical size below. The total is spread evenly over the team's
   people: everyone who holds a request of the queue or delivered one of the recent
   deliveries (at least one person).
2. **A typical new request.** The median actual working days, first claim to delivery, of the
   team's most recent deliveries (the same measure as calibration's). Those are real
   durations, so calibration is already in them.
3. **The date.** From now, in the department's business calendar (hours, workdays, holidays,
   zone: bot/domain/calendar.py), the queue's share plus the typical size; the local date when
   that work would be done (bot/domain/feasibility.py `project_delivery`).

How sure: the number of deliveries the typical size comes from. Below `MIN_DELIVERIES` there
is "not enough history yet": the typical size is then the median of the team's recent
estimates (calibrated when the team has any calibration), or `DEFAULT_DAYS` without any.

Every query is bounded: the open queue (an index on the status), the newest
`WINDOW` deliveries (`ix_requests_status_delivered`) and the newest `WINDOW` estimates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from bot.config import LiaisonConfig
from bot.domain.calendar import BusinessCalendar, calendar_for
from bot.domain.calibration import department_ratio
from bot.domain.definitions import Milestone, first_at_sql, marks_sql
from bot.domain.feasibility import project_delivery
from bot.domain.lifecycle import Status
from bot.domain.models import Department, Request, RequestEvent, Workspace

# Fewer deliveries than this and the figure says "not enough history yet".
MIN_DELIVERIES = 5
# How many of the newest deliveries (and estimates) the figure reads.
WINDOW = 50
# The size of a new request when the team has neither deliveries nor estimates: a working week.
DEFAULT_DAYS = 5.0
# The requests someone has taken on; a new request waits behind them.
AHEAD = (Status.CLAIMED, Status.ESTIMATED, Status.AT_RISK, Status.COMMITTED)


@dataclass(frozen=True)
class Realistic:
    """The earliest realistic date for a new request in one department, and how it was made."""

    date: date
    ahead: int  # requests ahead in the queue
    deliveries: int  # past deliveries the typical size comes from
    enough_history: bool
    # Where the typical size comes from: "deliveries", "estimates" or "default".
    basis: str
    typical_days: float
    queue_days: float  # the queue's share per person, in working days
    people: int

    def is_realistic(self, wanted: date) -> bool:
        """Whether `wanted` is on or after the realistic date."""
        return wanted >= self.date


def realistic_date(
    *, session: Session, calendar: BusinessCalendar, department_id: int, now: datetime
) -> Realistic:
    """The earliest realistic delivery date of a new request filed `now` (see the module)."""
    durations, delivered_by = _recent_deliveries(
        session, calendar, department_id=department_id, now=now
    )
    calibration = department_ratio(session, calendar, department_id=department_id, before=now)
    ratio = calibration.ratio if calibration else 1.0
    if len(durations) >= MIN_DELIVERIES:
        typical, basis = float(median(durations)), "deliveries"
    else:
        estimates = _recent_estimates(session, department_id=department_id)
        if estimates:
            typical, basis = float(median(estimates)) * ratio, "estimates"
        else:
            typical, basis = DEFAULT_DAYS, "default"
    ahead, remaining, holders = _queue(
        session, calendar, department_id=department_id, now=now, ratio=ratio, typical=typical
    )
    people = max(1, len(holders | delivered_by))
    queue_days = remaining / people
    done = project_delivery(calendar, now=now, queued_days=queue_days, estimate_days=typical)
    return Realistic(
        date=done,
        ahead=ahead,
        deliveries=len(durations),
        enough_history=len(durations) >= MIN_DELIVERIES,
        basis=basis,
        typical_days=round(typical, 2),
        queue_days=round(queue_days, 2),
        people=people,
    )


def _recent_deliveries(
    session: Session, calendar: BusinessCalendar, *, department_id: int, now: datetime
) -> tuple[list[float], set[str]]:
    """Working days from first claim to delivery of the newest `WINDOW` deliveries, and who
    delivered them."""
    query = (
        select(
            first_at_sql(Milestone.CLAIMED, Request.id), Request.delivered_at, Request.claimer_id
        )
        .where(
            Request.status == Status.DELIVERED,
            Request.fulfilling_department_id == department_id,
            Request.delivered_at < now,
            exists().where(
                RequestEvent.request_id == Request.id, marks_sql(Milestone.CLAIMED, RequestEvent)
            ),
        )
        .order_by(Request.delivered_at.desc())
        .limit(WINDOW)
    )
    durations, people = [], set()
    for claimed_at, delivered_at, claimer in session.execute(query):
        durations.append(calendar.working_days_between(claimed_at, delivered_at))
        if claimer:
            people.add(claimer)
    return durations, people


def _recent_estimates(session: Session, *, department_id: int) -> list[float]:
    """The team's newest `WINDOW` request estimates, whatever became of the requests."""
    query = (
        select(Request.estimate_days)
        .where(
            Request.fulfilling_department_id == department_id,
            Request.estimate_days.is_not(None),
        )
        .order_by(Request.id.desc())
        .limit(WINDOW)
    )
    return [float(days) for days in session.scalars(query)]


def _queue(
    session: Session,
    calendar: BusinessCalendar,
    *,
    department_id: int,
    now: datetime,
    ratio: float,
    typical: float,
) -> tuple[int, float, set[str]]:
    """Requests ahead, the working days of theirs still to do, and who holds them."""
    rows = session.execute(
        select(
            Request.estimate_days, Request.claimer_id, first_at_sql(Milestone.CLAIMED, Request.id)
        ).where(Request.fulfilling_department_id == department_id, Request.status.in_(AHEAD))
    ).all()
    today = calendar.local_date(now)
    remaining = 0.0
    for estimate, _, claimed_at in rows:
        days = float(estimate) * ratio if estimate is not None else typical
        if claimed_at is not None:
            # Whole workdays since the claim (a count, not a walk: stale requests stay cheap).
            days -= calendar.workdays_until(calendar.local_date(claimed_at), today)
        remaining += max(days, 0.0)
    holders = {claimer for _, claimer, _ in rows if claimer}
    return len(rows), remaining, holders


def realistic_for(
    *, session: Session, config: LiaisonConfig, team_id: str, department_key: str, now: datetime
) -> Realistic:
    """`realistic_date` for a configured fulfilling department of a workspace; a workspace or
    department not stored yet has no history (the figure falls back to the default)."""
    department = config.department(department_key)
    row_id = session.scalar(
        select(Department.id)
        .join(Workspace, Workspace.id == Department.workspace_id)
        .where(Workspace.team_id == team_id, Department.key == department_key)
    )
    calendar = calendar_for(department, config.organization)
    return realistic_date(session=session, calendar=calendar, department_id=row_id or 0, now=now)
