"""What one person's Home tab shows: the requests that concern them, in four sections, each the
first few of its kind and how many there are in all. Each section is two queries (its first
rows, and a count), so a Home costs the same few queries whatever the number of requests.
Membership comes from the config and the stored user groups, never from Slack."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.config import Department as Configured
from bot.config import LiaisonConfig
from bot.domain.calendar import calendar_for
from bot.domain.definitions import DepartmentDates, is_open_sql, is_overdue_sql
from bot.domain.lifecycle import EventKind, Status
from bot.domain.models import Department, Request, RequestEvent
from bot.domain.people import Directory, MembershipUnknown

# How many requests a section lists; the rest are counted ("and 12 more").
SECTION_LIMIT = 10
# How many the section a person asked to see more of lists ("Show more").
EXPANDED_LIMIT = 40
# The sections' names, as "Show more" names them.
SECTIONS = ("mine", "queue", "team", "attention")

_FULFILLING = aliased(Department, name="home_fulfilling")
_REQUESTING = aliased(Department, name="home_requesting")


@dataclass(frozen=True)
class Section:
    requests: list[Request]
    total: int

    @property
    def more(self) -> int:
        return self.total - len(self.requests)


@dataclass(frozen=True)
class Home:
    user_id: str
    mine: Section  # filed by the person, open, newest first
    queue: Section  # claimed by the person, open, soonest due first
    team: Section | None  # unclaimed or at risk in their departments; None: in no such team
    attention: Section | None  # for leads only: overdue, escalated, infeasible hard deadlines


def home_for(
    session: Session,
    *,
    config: LiaisonConfig,
    directory: Directory,
    workspace_id: int,
    user_id: str,
    now: datetime,
    limit: int = SECTION_LIMIT,
    expanded: str | None = None,
) -> Home:
    """The Home of `user_id` in one workspace at `now`; the section named `expanded` (one of
    `SECTIONS`) lists up to `EXPANDED_LIMIT` requests."""

    def limit_of(name: str) -> int:
        return max(limit, EXPANDED_LIMIT) if name == expanded else limit

    in_workspace = Request.workspace_id == workspace_id
    is_open = is_open_sql(Request.status)
    mine = _section(
        session,
        (in_workspace, is_open, Request.requester_id == user_id),
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
                ),
            ),
            order=(_due(), Request.number),
            limit=limit_of("attention"),
        )
    return Home(user_id=user_id, mine=mine, queue=queue, team=team, attention=attention)


def _section(
    session: Session, where: Sequence[ColumnElement[bool]], *, order: Sequence[Any], limit: int
) -> Section:
    def scoped(statement: Any) -> Any:
        return (
            statement.join(_FULFILLING, _FULFILLING.id == Request.fulfilling_department_id)
            .outerjoin(_REQUESTING, _REQUESTING.id == Request.requesting_department_id)
            .where(*where)
        )

    first = list(session.scalars(scoped(select(Request)).order_by(*order).limit(limit)))
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
