"""What one person's Home tab shows: the requests that concern them, in four sections, each the
first few of its kind and how many there are in all. Each section is two queries (its first
rows, and a count), so a Home costs the same few queries whatever the number of requests.
Membership comes from the config and the stored user groups, never from Slack.

*My requests* also lists a recently delivered request until its requester says whether it met
the need: that is a decision waiting on them. *Needs attention* lists, for leads, what is
overdue, escalated or an infeasible hard deadline, and questions the requester has left
unanswered past `nudges.needs_info_after` (business time, as the reminder counts it)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased, lazyload

from bot.config import Department as Configured
from bot.config import LiaisonConfig
from bot.domain.calendar import BusinessCalendar, calendar_for
from bot.domain.definitions import DepartmentDates, is_open_sql, is_overdue, is_overdue_sql
from bot.domain.lifecycle import EventKind, Status
from bot.domain.models import Department, Request, RequestEvent
from bot.domain.people import Directory, MembershipUnknown

# How many requests a section lists; the rest are counted ("and 12 more").
SECTION_LIMIT = 10
# How many the section a person asked to see more of lists ("Show more").
EXPANDED_LIMIT = 40
# The sections' names, as "Show more" names them.
SECTIONS = ("mine", "queue", "team", "attention")
# How long a delivered request stays in *My requests* waiting for the requester's feedback.
FEEDBACK_WINDOW = timedelta(days=14)

_FULFILLING = aliased(Department, name="home_fulfilling")
_REQUESTING = aliased(Department, name="home_requesting")


class Attention(StrEnum):
    """Why a request needs a lead's attention (the first that applies, in this order)."""

    OVERDUE = "overdue"
    UNANSWERED = "unanswered"  # a question waiting past `nudges.needs_info_after`
    HARD_DEADLINE = "hard_deadline"  # at risk, and its date cannot move
    ESCALATED = "escalated"


@dataclass(frozen=True)
class Section:
    requests: list[Request]
    total: int
    # Why each listed request is there, by request id (the attention list says it).
    reasons: dict[int, Attention] = field(default_factory=dict)

    @property
    def more(self) -> int:
        return self.total - len(self.requests)


@dataclass(frozen=True)
class Home:
    user_id: str
    mine: Section  # filed by the person, open, newest first
    queue: Section  # claimed by the person, open, soonest due first
    team: Section | None  # unclaimed or at risk in their departments; None: in no such team
    attention: Section | None  # for leads only: overdue, escalated, infeasible hard deadlines,
    # unanswered questions
    expanded: frozenset[str] = field(default_factory=frozenset)  # sections listed at length


def home_for(
    session: Session,
    *,
    config: LiaisonConfig,
    directory: Directory,
    workspace_id: int,
    user_id: str,
    now: datetime,
    limit: int = SECTION_LIMIT,
    expanded: Collection[str] = (),
) -> Home:
    """The Home of `user_id` in one workspace at `now`; the sections named in `expanded` (of
    `SECTIONS`) list up to `EXPANDED_LIMIT` requests."""
    shown_at_length = frozenset(expanded) & frozenset(SECTIONS)

    def limit_of(name: str) -> int:
        return max(limit, EXPANDED_LIMIT) if name in shown_at_length else limit

    in_workspace = Request.workspace_id == workspace_id
    is_open = is_open_sql(Request.status)
    mine = _section(
        session,
        (
            in_workspace,
            Request.requester_id == user_id,
            or_(is_open, _awaiting_feedback(now)),
        ),
        order=(Request.number.desc(),),
        limit=limit_of("mine"),
    )
    queue = _section(
        session,
        (in_workspace, is_open, Request.claimer_id == user_id),
        order=(_due(), Request.number),
        limit=limit_of("queue"),
    )
    teams = [d.key for d in config.fulfilling_departments() if _belongs(directory, user_id, d)]
    team = None
    if teams:
        team = _section(
            session,
            (
                in_workspace,
                is_open,
                _FULFILLING.key.in_(teams),
                or_(Request.claimer_id.is_(None), Request.status == Status.AT_RISK),
            ),
            order=(_due(), Request.number),
            limit=limit_of("team"),
        )
    led = [d.key for d in config.departments if directory.is_lead(user_id, d)]
    attention = None
    if led:
        calendars = {d.key: calendar_for(d, config.organization) for d in config.departments}
        dates = DepartmentDates(calendars, _FULFILLING.key)
        attention = _section(
            session,
            (
                in_workspace,
                is_open,
                or_(_FULFILLING.key.in_(led), _REQUESTING.key.in_(led)),
                or_(
                    is_overdue_sql(Request.status, Request.committed_date, now=now, dates=dates),
                    and_(
                        Request.status == Status.AT_RISK,
                        or_(Request.hard_deadline, _escalated()),
                    ),
                    _unanswered(config, calendars, now),
                ),
            ),
            order=(_due(), Request.number),
            limit=limit_of("attention"),
        )
        reasons = {r.id: _why(r, calendars, now) for r in attention.requests}
        attention = replace(attention, reasons=reasons)
    return Home(
        user_id=user_id,
        mine=mine,
        queue=queue,
        team=team,
        attention=attention,
        expanded=shown_at_length,
    )


def expand(stored: str, key: str, *, shown: bool) -> str:
    """The stored list of expanded sections with `key` added (or removed)."""
    keys = set(expanded_sections(stored))
    keys = keys | {key} if shown else keys - {key}
    return ",".join(k for k in SECTIONS if k in keys)


def expanded_sections(stored: str | None) -> list[str]:
    """The sections a stored `HomeVisit.expanded` names."""
    return [k for k in (stored or "").split(",") if k in SECTIONS]


def _section(
    session: Session, where: Sequence[ColumnElement[bool]], *, order: Sequence[Any], limit: int
) -> Section:
    def scoped(statement: Any) -> Any:
        return (
            statement.join(_FULFILLING, _FULFILLING.id == Request.fulfilling_department_id)
            .outerjoin(_REQUESTING, _REQUESTING.id == Request.requesting_department_id)
            .where(*where)
        )

    # The Home shows no estimates: not loading them saves a query per section.
    listed = select(Request).options(lazyload(Request.estimates))
    first = list(session.scalars(scoped(listed).order_by(*order).limit(limit)))
    total = len(first)
    if total == limit:
        total = session.scalar(scoped(select(func.count(Request.id)))) or 0
    return Section(first, total)


def _due() -> ColumnElement[date]:
    """The date a request is due by: committed, else projected, else desired, else never."""
    return func.coalesce(
        Request.committed_date, Request.projected_date, Request.desired_date, date.max
    )


def _escalated() -> ColumnElement[bool]:
    """The requester side escalated the request since it last became at risk."""
    return exists().where(
        RequestEvent.request_id == Request.id,
        RequestEvent.kind == EventKind.ESCALATED.value,
        or_(Request.status_changed_at.is_(None), RequestEvent.at >= Request.status_changed_at),
    )


def _why(request: Request, calendars: dict[str, BusinessCalendar], now: datetime) -> Attention:
    """Which of the attention list's conditions (the query's) puts `request` on it."""
    calendar = calendars.get(request.fulfilling_department.key)
    if calendar and is_overdue(request.status, request.committed_date, now=now, calendar=calendar):
        return Attention.OVERDUE
    if request.status is Status.NEEDS_INFO:
        return Attention.UNANSWERED
    return Attention.HARD_DEADLINE if request.hard_deadline else Attention.ESCALATED


def _awaiting_feedback(now: datetime) -> ColumnElement[bool]:
    """Delivered within `FEEDBACK_WINDOW`, and the requester has not said yet whether it met
    the need (bot/domain/workflow/closing.py `record_feedback` takes it once per delivery)."""
    return and_(
        Request.status == Status.DELIVERED,
        Request.status_changed_at >= now - FEEDBACK_WINDOW,
        ~exists().where(
            RequestEvent.request_id == Request.id,
            RequestEvent.kind == EventKind.FEEDBACK.value,
            RequestEvent.at >= Request.status_changed_at,
        ),
    )


def _unanswered(
    config: LiaisonConfig, calendars: dict[str, BusinessCalendar], now: datetime
) -> ColumnElement[bool]:
    """Waiting for the requester's answer for longer than `nudges.needs_info_after` of the
    fulfilling department's business time, counted as the needs-info reminder counts it
    (bot/domain/nudges.py): from when the request last changed status."""
    threshold = config.nudges.needs_info_after
    since = func.coalesce(Request.status_changed_at, Request.updated_at)
    return and_(
        Request.status == Status.NEEDS_INFO,
        or_(
            *(
                and_(_FULFILLING.key == key, since <= calendar.latest_start(now, threshold))
                for key, calendar in calendars.items()
            )
        ),
    )


def _belongs(directory: Directory, user_id: str, department: Configured) -> bool:
    """Whether the person works in `department` (leads count); a department open to everyone
    is nobody's team, and a user group not read yet counts as not theirs until it is."""
    if directory.is_lead(user_id, department):
        return True
    if department.open_to_everyone:
        return False
    try:
        return directory.is_member(user_id, department)
    except MembershipUnknown:
        return False
