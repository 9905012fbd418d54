"""Requests' drafts, workspaces and history, and reading requests (filing one is
bot/domain/filing.py). Functions take the session and never commit: the caller owns the
transaction."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.config import LiaisonConfig
from bot.db import queued
from bot.db.queued import QueuedRow
from bot.db.upsert import insert_ignoring_conflicts
from bot.domain.definitions import is_open_sql
from bot.domain.lifecycle import EventKind, Status, Surface
from bot.domain.models import Department, Request, RequestEvent, Workspace
from bot.domain.numbers import whole_number
from bot.domain.request_types import check_type_fields, field_labels

# What the database keeps is never cut; these bound what a person may type in the modal.
MAX_TITLE = 150
MAX_DETAILS = 3000
MAX_CLIENT = 200
MAX_IMPACT = 2000

T = TypeVar("T")

_REFERENCE = re.compile(r"^\s*(?:REQ-?)?([0-9]+)\s*$", re.IGNORECASE | re.ASCII)


@dataclass(frozen=True)
class RequestDraft:
    """What the requester filled in, before it is stored."""

    title: str
    details: str = ""
    client: str = ""
    impact: str = ""
    desired_date: date | None = None
    hard_deadline: bool = False
    promised_to_client: bool = False
    fulfilling_department: str | None = None
    source_permalink: str | None = None
    # The fulfilling department's request type, and its fields' values by field key (as typed
    # until `clean_draft`; as stored after it).
    request_type: str | None = None
    type_fields: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    def __post_init__(self) -> None:
        # PostgreSQL cannot store NUL in text; it is never meaningful in what people type.
        for name in ("title", "details", "client", "impact"):
            object.__setattr__(self, name, storable(getattr(self, name)))


def storable(text: str) -> str:
    """`text` without NUL characters, the one thing a text column cannot keep."""
    return text.replace("\x00", "")


def validate_draft(
    draft: RequestDraft, *, today: date, config: LiaisonConfig, current_type: str | None = None
) -> dict[str, str]:
    """Problems with a draft, keyed by field name (a type field's: `TYPE_FIELD` + its key);
    empty when it may be filed. `current_type`: the type of the request being edited, which it
    may keep even once retired."""
    problems: dict[str, str] = {}
    if not draft.title.strip():
        problems["title"] = "Give the request a title."
    for field, limit in (
        ("title", MAX_TITLE),
        ("details", MAX_DETAILS),
        ("client", MAX_CLIENT),
        ("impact", MAX_IMPACT),
    ):
        value: str = getattr(draft, field)
        if len(value) > limit:
            problems[field] = f"Keep this under {limit} characters (it has {len(value)})."
    if draft.desired_date is not None and draft.desired_date < today:
        problems["desired_date"] = "The desired date is in the past: pick today or a later day."
    fulfillers = {d.key for d in config.fulfilling_departments()}
    if draft.fulfilling_department not in fulfillers:
        problems["fulfilling_department"] = "Choose the team that should do the work."
    else:
        problems |= _type_problems(draft, config, current_type)
    return problems


# The key of a problem with a type field in `validate_draft`'s answer: this prefix, then the
# field's key.
TYPE_FIELD = "type_field:"


def _type_problems(
    draft: RequestDraft, config: LiaisonConfig, current_type: str | None
) -> dict[str, str]:
    """A department with request types needs one of them (a retired one only if the request
    already has it), and that type's fields as it asks."""
    department = draft.fulfilling_department
    offered = {t.key for t in config.request_types_for(department)}
    if current_type is not None:
        offered.add(current_type)
    if draft.request_type is None and not offered:
        return {}
    request_type = config.request_type(department, draft.request_type)
    if request_type is None or request_type.key not in offered:
        return {"request_type": "Choose what kind of request this is."}
    _, problems = check_type_fields(request_type, draft.type_fields)
    return {TYPE_FIELD + key: message for key, message in problems.items()}


def clean_draft(draft: RequestDraft, *, config: LiaisonConfig) -> RequestDraft:
    """`draft` with its type fields as stored (a draft `validate_draft` found no problem with):
    the type's own fields only, cleaned; no type, no fields."""
    request_type = config.request_type(draft.fulfilling_department, draft.request_type)
    if request_type is None:
        return replace(draft, request_type=None, type_fields={})
    values, _ = check_type_fields(request_type, draft.type_fields)
    return replace(draft, type_fields=values)


def parse_reference(text: str) -> int | None:
    """The number in "REQ-12", "req12" or "12"; None when the text is not a reference."""
    match = _REFERENCE.match(text)
    return whole_number(match.group(1)) if match else None


class TeamIds:
    """The Slack team of each workspace row, remembered once read: a row's team never changes,
    so the settings of a request's workspace cost no query after the first. Safe to share
    between threads."""

    def __init__(self) -> None:
        self._known: dict[int, str] = {}

    def of(self, session: Session, workspace_id: int) -> str:
        team_id = self._known.get(workspace_id)
        if team_id is None:
            team_id = session.get_one(Workspace, workspace_id).team_id
            self._known[workspace_id] = team_id
        return team_id


def ensure_workspace(session: Session, *, team_id: str, now: datetime) -> Workspace:
    """The workspace row for `team_id`, created on first contact. Its departments follow its
    settings (bot/domain/workspace_settings.py)."""
    workspace = session.scalar(select(Workspace).where(Workspace.team_id == team_id))
    if workspace is None:
        insert_ignoring_conflicts(
            session,
            Workspace,
            {"team_id": team_id, "last_request_number": 0, "created_at": now},
            ["team_id"],
        )
        workspace = session.scalars(select(Workspace).where(Workspace.team_id == team_id)).one()
    return workspace


def sync_departments(session: Session, *, workspace: Workspace, config: LiaisonConfig) -> None:
    """Mirror the workspace's departments into the database (rows are kept when removed from its
    settings, since requests refer to them)."""
    existing = {
        d.key: d
        for d in session.scalars(select(Department).where(Department.workspace_id == workspace.id))
    }
    for configured in config.departments:
        row = existing.get(configured.key) or Department(
            workspace_id=workspace.id, key=configured.key
        )
        row.name = configured.name
        row.role = configured.role.value
        row.intake_channel = configured.intake_channel
        session.add(row)
    session.flush()


_EVENTS = RequestEvent.__table__


def record_event(
    session: Session,
    *,
    request: Request,
    actor: str,
    kind: EventKind,
    surface: Surface,
    now: datetime,
    from_status: Status | None = None,
    to_status: Status | None = None,
    data: dict[str, Any] | None = None,
) -> QueuedRow:
    """Append one entry to the request's history, written with the transaction
    (bot/db/queued.py). A kind that is not an EventKind raises ValueError: nothing is recorded
    that the timeline and the figures cannot read."""
    return queued.queue(
        session,
        _EVENTS,
        {
            "request_id": request.id,
            "at": now,
            "actor": actor,
            "kind": EventKind(kind).value,
            "from_status": from_status.value if from_status else None,
            "to_status": to_status.value if to_status else None,
            "surface": surface.value,
            "data": data or {},
        },
    )


def find_workspace(session: Session, *, team_id: str) -> Workspace | None:
    """The workspace row for `team_id`, or None: unlike `ensure_workspace`, it writes nothing."""
    return session.scalar(select(Workspace).where(Workspace.team_id == team_id))


def find_request(session: Session, *, workspace_id: int, number: int) -> Request | None:
    return session.scalar(
        select(Request).where(Request.workspace_id == workspace_id, Request.number == number)
    )


def may_see(request: Request, *, user_id: str, departments: Collection[str]) -> bool:
    """Whether `user_id`, who belongs to the departments keyed `departments` (as members or
    leads), may read `request`: its requester and the people of the two departments involved."""
    involved = {request.fulfilling_department.key}
    if request.requesting_department is not None:
        involved.add(request.requesting_department.key)
    return user_id == request.requester_id or not involved.isdisjoint(departments)


@dataclass(frozen=True)
class Page(Generic[T]):
    """The first `len(items)` of `total` rows."""

    items: list[T]
    total: int


def open_requests_of(
    session: Session, *, workspace_id: int, requester_id: str, limit: int
) -> Page[Request]:
    """The requester's newest `limit` requests that are not delivered, declined or cancelled,
    newest first, and how many there are."""
    mine = (
        Request.workspace_id == workspace_id,
        Request.requester_id == requester_id,
        is_open_sql(Request.status),
    )
    newest = session.scalars(
        select(Request).where(*mine).order_by(Request.number.desc()).limit(limit)
    )
    total = session.scalar(select(func.count()).select_from(Request).where(*mine))
    return Page(list(newest), total or 0)


def timeline(session: Session, *, request: Request, limit: int) -> Page[RequestEvent]:
    """The request's latest `limit` events, newest first, and how many it has."""
    latest = session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == request.id)
        .order_by(RequestEvent.at.desc(), RequestEvent.id.desc())
        .limit(limit)
    )
    total = session.scalar(
        select(func.count()).select_from(RequestEvent).where(RequestEvent.request_id == request.id)
    )
    return Page(list(latest), total or 0)


def open_question(session: Session, *, request: Request) -> str | None:
    """The words of the latest question asked of the requester (None when it was asked with a
    reaction, in no words)."""
    data = session.scalar(
        select(RequestEvent.data)
        .where(
            RequestEvent.request_id == request.id, RequestEvent.kind == EventKind.NEEDS_INFO.value
        )
        .order_by(RequestEvent.id.desc())
        .limit(1)
    )
    question = (data or {}).get("question")
    return question if isinstance(question, str) else None


def not_ready_episode(session: Session, request: Request) -> dict[str, Any] | None:
    """While `request` waits in needs_info because it was sent back as not ready: that event's
    data ({"missing": [field keys], "note": text or None}); None otherwise (a plain question)."""
    if request.status is not Status.NEEDS_INFO:
        return None
    latest = session.execute(
        select(RequestEvent.kind, RequestEvent.data)
        .where(
            RequestEvent.request_id == request.id,
            RequestEvent.kind.in_([EventKind.NEEDS_INFO.value, EventKind.NOT_READY.value]),
        )
        .order_by(RequestEvent.id.desc())
        .limit(1)
    ).first()
    if latest is None or latest.kind != EventKind.NOT_READY.value:
        return None
    return dict(latest.data or {})


def fields_awaited(session: Session, config: LiaisonConfig, request: Request) -> list[str] | None:
    """While `request` waits to be completed after it was sent back as not ready: the labels of
    the fields named, in its type's order ([] when only a note was written); None otherwise."""
    episode = not_ready_episode(session, request)
    if episode is None:
        return None
    return field_labels(config, request, episode.get("missing") or [])


def awaited_facts(session: Session, config: LiaisonConfig, request: Request) -> dict[str, Any]:
    """{"completing": the labels of the fields awaited} for a reminder about a request sent back
    as not ready (see fields_awaited); {} for one waiting for an answer."""
    awaited = fields_awaited(session, config, request)
    return {} if awaited is None else {"completing": awaited}
