"""Filing a request: its number, its departments' rows, and the one INSERT that stores it with
its first event and first effects. Functions take the session and never commit: the caller owns
the transaction."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session, make_transient_to_detached

from bot.domain import outbox
from bot.domain.lifecycle import EventKind, Status, Surface
from bot.domain.models import Department, Request, Workspace
from bot.domain.requests import RequestDraft, ensure_workspace, record_event


class DepartmentRow(NamedTuple):
    """What filing needs of a department's row."""

    id: int
    key: str
    intake_channel: str | None


@dataclass(frozen=True)
class Submission:
    """A checked intake form on its way to being filed: stored before the requester gets an
    answer, and filed after it (`as_stored`, `from_stored`), so the answer costs one INSERT."""

    # Names the form: the same form sent twice (Slack's retry, a second click) files one request.
    form_id: str
    team_id: str
    requester_id: str
    requesting_department: str
    draft: RequestDraft
    surface: Surface
    filed_despite_warning: bool
    submitted_at: datetime

    def as_stored(self) -> dict[str, Any]:
        """As JSON keeps it; `event_id` names it, as the inbox names what it stores."""
        draft = {field.name: getattr(self.draft, field.name) for field in fields(RequestDraft)}
        when = self.draft.desired_date
        draft["desired_date"] = when.isoformat() if when else None
        draft["type_fields"] = dict(self.draft.type_fields)
        return {
            "event_id": self.form_id,
            "team_id": self.team_id,
            "requester_id": self.requester_id,
            "requesting_department": self.requesting_department,
            "draft": draft,
            "surface": self.surface.value,
            "filed_despite_warning": self.filed_despite_warning,
            "submitted_at": self.submitted_at.isoformat(),
        }

    @classmethod
    def from_stored(cls, stored: Mapping[str, Any]) -> Submission:
        draft = dict(stored["draft"])
        when = draft["desired_date"]
        draft["desired_date"] = date.fromisoformat(when) if when else None
        return cls(
            form_id=stored["event_id"],
            team_id=stored["team_id"],
            requester_id=stored["requester_id"],
            requesting_department=stored["requesting_department"],
            draft=RequestDraft(**draft),
            surface=Surface(stored["surface"]),
            filed_despite_warning=stored["filed_despite_warning"],
            submitted_at=datetime.fromisoformat(stored["submitted_at"]),
        )


# Run by a submission whose workspace's departments are not remembered yet (built once: building
# it cost more CPU than running it).
_DEPARTMENTS = select(Department.id, Department.key, Department.intake_channel).where(
    Department.workspace_id == bindparam("workspace")
)


def department_rows(session: Session, *, workspace_id: int) -> dict[str, DepartmentRow]:
    """The workspace's department rows by key, in one query."""
    found = session.execute(_DEPARTMENTS, {"workspace": workspace_id})
    return {row.key: DepartmentRow(*row) for row in found}


class DepartmentRows:
    """Each workspace's department rows as of its settings version, remembered: they change only
    with its departments' settings (`sync_departments`), and never go away, so a submission reads
    them once per version. Safe to share between threads."""

    def __init__(self) -> None:
        self._known: dict[int, tuple[int, dict[str, DepartmentRow]]] = {}

    def of(
        self, session: Session, *, workspace_id: int, version: int, keys: Collection[str]
    ) -> dict[str, DepartmentRow]:
        """The rows, read again when those named by `keys` are not all known (`file_numbered`
        refuses a filing whose departments are still missing)."""
        known = self._known.get(workspace_id)
        if known is not None and known[0] == version and set(keys) <= known[1].keys():
            return known[1]
        rows = department_rows(session, workspace_id=workspace_id)
        self._known[workspace_id] = (version, rows)
        return rows


# Hands out a number (built once): see `take_request_number`.
_WORKSPACES = Workspace.__table__
_TAKE_NUMBER = (
    update(_WORKSPACES)
    .where(_WORKSPACES.c.team_id == bindparam("team"))
    .values(last_request_number=_WORKSPACES.c.last_request_number + 1)
    .returning(_WORKSPACES.c.id, _WORKSPACES.c.last_request_number)
)


def take_request_number(session: Session, *, team_id: str, now: datetime) -> tuple[int, int]:
    """The workspace row id of `team_id` (created on first contact) and the next number it hands
    out: one statement once the workspace exists (see `next_request_number`)."""
    taken = session.execute(_TAKE_NUMBER, {"team": team_id}).first()
    if taken is None:
        workspace = ensure_workspace(session, team_id=team_id, now=now)
        return workspace.id, next_request_number(session, workspace=workspace)
    workspace_id, number = taken
    return workspace_id, number


def next_request_number(session: Session, *, workspace: Workspace) -> int:
    """Hand out the next number. The UPDATE … RETURNING takes the row lock, so two people filing at
    the same instant get different numbers; the unique constraint backs it up."""
    number = session.execute(
        update(Workspace)
        .where(Workspace.id == workspace.id)
        .values(last_request_number=Workspace.last_request_number + 1)
        .returning(Workspace.last_request_number)
    ).scalar_one()
    session.expire(workspace, ["last_request_number"])
    return number


def file_request(
    session: Session,
    *,
    workspace: Workspace,
    requester_id: str,
    requesting_department: str | None,
    draft: RequestDraft,
    surface: Surface,
    now: datetime,
    number: int | None = None,
    filed_despite_warning: bool = False,
) -> Request:
    """Store a new request with its first event, and queue its card and the requester's receipt
    (see `file_numbered`); without `number`, one is taken here."""
    request = file_numbered(
        session,
        workspace_id=workspace.id,
        departments=department_rows(session, workspace_id=workspace.id),
        requester_id=requester_id,
        requesting_department=requesting_department,
        draft=draft,
        surface=surface,
        now=now,
        number=number or next_request_number(session, workspace=workspace),
        filed_despite_warning=filed_despite_warning,
    )
    # Its departments loaded, as a query would have: they stay readable once the session ends.
    session.refresh(request, ["fulfilling_department", "requesting_department"])
    return request


def filing_keys(draft: RequestDraft, requesting_department: str | None) -> set[str]:
    """The keys of the departments a filing names."""
    named = (draft.fulfilling_department, requesting_department)
    return {key for key in named if key is not None}


# Every submission inserts its request with this (built once).
_INSERT_REQUEST = insert(Request.__table__).returning(Request.__table__.c.id)


def file_numbered(
    session: Session,
    *,
    workspace_id: int,
    departments: Mapping[str, DepartmentRow],
    requester_id: str,
    requesting_department: str | None,
    draft: RequestDraft,
    surface: Surface,
    now: datetime,
    number: int,
    filed_despite_warning: bool = False,
) -> Request:
    """Store a new request with its first event, and queue its card and the requester's receipt.
    `number` is one taken beforehand with `take_request_number` in a transaction of its own, so
    that concurrent filings hold the workspace's row lock only for that instant (a failed filing
    then leaves a gap in the numbers, never a duplicate). `departments`: the workspace's rows by
    key (NoResultFound when the draft's are missing). `filed_despite_warning`: the desired date
    was before the realistic one when it was filed. The request is inserted with one statement
    and joins the session as a stored row (its departments load when read), which costs a
    fraction of the unit of work's flush."""
    assert draft.fulfilling_department is not None
    keys = filing_keys(draft, requesting_department)
    if not keys <= departments.keys():
        raise NoResultFound(f"no department {sorted(keys - departments.keys())}")
    fulfilling = departments[draft.fulfilling_department]
    values: dict[str, Any] = {column: None for column in _NULL_WHEN_FILED} | {
        "workspace_id": workspace_id,
        "number": number,
        "title": draft.title.strip(),
        "details": draft.details,
        "client": draft.client,
        "impact": draft.impact,
        "desired_date": draft.desired_date,
        "hard_deadline": draft.hard_deadline,
        "promised_to_client": draft.promised_to_client,
        "filed_despite_warning": filed_despite_warning,
        "requester_id": requester_id,
        "requesting_department_id": (
            departments[requesting_department].id if requesting_department else None
        ),
        "fulfilling_department_id": fulfilling.id,
        "status": Status.NEW,
        "source_permalink": draft.source_permalink,
        "request_type": draft.request_type,
        "type_fields": dict(draft.type_fields),
        "card_channel": fulfilling.intake_channel,
        "created_at": now,
        "updated_at": now,
        "status_changed_at": now,
    }
    request_id = session.execute(_INSERT_REQUEST, values).scalar_one()
    request = Request(id=request_id, **values, estimates=[])  # a new request has none
    make_transient_to_detached(request)
    session.add(request)
    record_event(
        session,
        request=request,
        actor=requester_id,
        kind=EventKind.CREATED,
        surface=surface,
        now=now,
        to_status=Status.NEW,
        data={
            "desired_date": draft.desired_date.isoformat() if draft.desired_date else None,
            **({"filed_despite_warning": True} if filed_despite_warning else {}),
        },
    )
    outbox.refresh_card(session, request, now=now)
    outbox.enqueue_message(
        session,
        workspace_id=workspace_id,
        template=outbox.FILED_CONFIRMATION,
        request=request,
        channel=requester_id,
        now=now,
    )
    return request


# The columns a new request has no value in: given as None, so the stored row's every column is
# known and reading one costs no query.
_NULL_WHEN_FILED = (
    "claimer_id",
    "estimate_days",
    "projected_date",
    "forecast_ratio",
    "forecast_basis",
    "committed_date",
    "resume_status",
    "info_asked_by",
    "decline_pending_by",
    "decline_pending_since",
    "decline_reason",
    "delivered_at",
    "closed_at",
    "card_ts",
    "card_permalink",
    "outbox_lease_until",
)
