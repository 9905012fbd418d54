"""The earliest realistic delivery date for a new request, before anyone promises one.

The model, kept simple on purpose so a person can check it by hand. Teams hold many requests at
once, so it does not add up everyone's open work as if done one after the other; it asks how
fast the team really finishes requests, and how many are ahead:

1. **A typical new request.** The median actual working days, first claim to delivery, of the
   team's newest `WINDOW` deliveries (the same measure as calibration's). Those are real
   durations, so calibration is already in them.
2. **Throughput.** How many requests the team delivers per working day: those deliveries'
   count over the business time (bot/domain/calendar.py: hours, workdays, holidays) from the
   oldest of them to now, in working days (at least a business hour). Counting up to now, not
   to the newest delivery, lets a team that stopped delivering look slower, not faster; a busy
   team's `WINDOW` deliveries may span half a day, which is still its pace.
3. **The queue ahead.** The fulfilling department's open requests someone has taken on
   (claimed, estimated, at risk or committed), less the stalled ones: no event for more than
   `STALL_FACTOR` × the typical size in whole workdays (and at least `STALL_MIN_DAYS`). A
   request nobody has touched for that long is not being worked on, and the digest and nudges
   already chase it; it does not hold up a new one.
4. **The date.** From now, in the department's business calendar (hours, workdays, holidays,
   zone), the later of two things: the typical size (a new request started at once still takes
   that long), and the queue ahead ÷ throughput (the team finishes the work ahead of it at the
   pace it has been finishing work); the local date when that many working days are done
   (bot/domain/feasibility.py `project_delivery`). Example: 40 ahead, 50 deliveries over the
   last 25 workdays (2 a day), typical 4 days: max(4, 40 ÷ 2) = 20 working days from now.

How sure: the number of deliveries the figures come from. Below `MIN_DELIVERIES` there is "not
enough history yet": the typical size is then the median of the team's recent estimates
(calibrated when the team has any calibration), or `DEFAULT_DAYS` without any, and the
throughput is a guess of one typical request at a time per person (everyone who holds a
request of the queue or delivered one: people ÷ typical size a day, a typical size of nothing
counting a business hour).

Every query is bounded: the open queue (an index on the status; each request's newest event
through `ix_request_events_request_at`), the newest `WINDOW` deliveries
(`ix_requests_status_delivered`) and the newest `WINDOW` estimates. The business time since
the oldest delivery is walked day by day: a few days for a busy team, a few hundred for one
whose last `WINDOW` deliveries took years (microseconds a day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from statistics import median

from sqlalchemy import exists, func, select
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
# A request of the queue with no event for more than this many typical sizes is stalled...
STALL_FACTOR = 3
# ...and never sooner than after this many workdays without an event.
STALL_MIN_DAYS = 10


@dataclass(frozen=True)
class Realistic:
    """The earliest realistic date for a new request in one department, and how it was made."""

    date: date
    ahead: int  # requests ahead in the queue the date is based on (stalled ones left out)
    deliveries: int  # past deliveries the typical size and throughput come from
    enough_history: bool
    # Where the typical size comes from: "deliveries", "estimates" or "default".
    basis: str
    typical_days: float
    queue_days: float  # working days the team needs for the queue ahead (ahead ÷ throughput)
    people: int  # who holds a request of the queue or delivered a recent one (at least one)
    per_day: float = 0.0  # throughput: requests the team delivers per working day
    stalled: int = 0  # taken-on requests left out of the queue as stalled

    def is_realistic(self, wanted: date) -> bool:
        """Whether `wanted` is on or after the realistic date."""
        return wanted >= self.date


def realistic_date(
    *, session: Session, calendar: BusinessCalendar, department_id: int, now: datetime
) -> Realistic:
    """The earliest realistic delivery date of a new request filed `now` (see the module)."""
    durations, delivered_by, oldest = _recent_deliveries(
        session, calendar, department_id=department_id, now=now
    )
    enough = len(durations) >= MIN_DELIVERIES
    if enough:
        typical, basis = float(median(durations)), "deliveries"
    else:
        estimates = _recent_estimates(session, department_id=department_id)
        if estimates:
            calibration = department_ratio(
                session, calendar, department_id=department_id, before=now
            )
            ratio = calibration.ratio if calibration else 1.0
            typical, basis = float(median(estimates)) * ratio, "estimates"
        else:
            typical, basis = DEFAULT_DAYS, "default"
    today = calendar.local_date(now)
    stale_after = max(STALL_FACTOR * typical, STALL_MIN_DAYS)
    ahead, stalled, holders = _queue(
        session, calendar, department_id=department_id, today=today, stale_after=stale_after
    )
    people = max(1, len(holders | delivered_by))
    hour = 60 / calendar.workday_minutes  # a business hour, in working days
    if enough and oldest is not None:
        # Business time since the oldest of them, at least a business hour.
        per_day = len(durations) / max(calendar.working_days_between(oldest, now), hour)
    else:
        # One typical request at a time per person (an estimate of 0 days counts an hour).
        per_day = people / max(typical, hour)
    queue_days = ahead / per_day
    days = max(typical, queue_days)
    done = project_delivery(calendar, now=now, queued_days=0.0, estimate_days=days)
    return Realistic(
        date=done,
        ahead=ahead,
        deliveries=len(durations),
        enough_history=enough,
        basis=basis,
        typical_days=round(typical, 2),
        queue_days=round(queue_days, 2),
        people=people,
        per_day=round(per_day, 2),
        stalled=stalled,
    )


def _recent_deliveries(
    session: Session, calendar: BusinessCalendar, *, department_id: int, now: datetime
) -> tuple[list[float], set[str], datetime | None]:
    """Working days from first claim to delivery of the newest `WINDOW` deliveries, who
    delivered them, and when the oldest of them was delivered."""
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
    durations, people, oldest = [], set(), None
    for claimed_at, delivered_at, claimer in session.execute(query):
        durations.append(calendar.working_days_between(claimed_at, delivered_at))
        oldest = delivered_at
        if claimer:
            people.add(claimer)
    return durations, people, oldest


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
    today: date,
    stale_after: float,
) -> tuple[int, int, set[str]]:
    """Requests ahead (taken on and not stalled), stalled ones left out, and who holds the
    requests ahead."""
    last_event = (
        select(func.max(RequestEvent.at))
        .where(RequestEvent.request_id == Request.id)
        .correlate(Request)
        .scalar_subquery()
    )
    rows = session.execute(
        select(Request.claimer_id, last_event).where(
            Request.fulfilling_department_id == department_id, Request.status.in_(AHEAD)
        )
    ).all()
    ahead, stalled, holders = 0, 0, set()
    for claimer, last_at in rows:
        # Whole workdays since its newest event (a count, not a walk: old requests stay cheap).
        idle = calendar.workdays_until(calendar.local_date(last_at), today) if last_at else 0
        if idle > stale_after:
            stalled += 1
            continue
        ahead += 1
        if claimer:
            holders.add(claimer)
    return ahead, stalled, holders


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
