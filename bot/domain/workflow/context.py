"""The shared change context of the workflow: the transaction, the clock, the configuration
and the directory, the lookups that lock a request, and the helpers that record a change and
queue its messages."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, NoReturn

from sqlalchemy import BindParameter, ScalarSelect, bindparam, func, select
from sqlalchemy.orm import Session

from bot.config import Department, LiaisonConfig, Role
from bot.domain import outbox, trackers
from bot.domain.lifecycle import EventKind, Status, Surface
from bot.domain.models import Request, RequestEvent, Workspace
from bot.domain.people import Directory
from bot.domain.requests import record_event
from bot.domain.workflow.refusals import Attempt, Refusal, RefusalCode


def lock_request(session: Session, request_id: int, *, team_id: str) -> Request | None:
    """The request, if it belongs to `team_id`'s workspace, locked for the rest of the
    transaction so concurrent changes queue up."""
    return session.scalars(_LOCK_REQUEST, {"request": request_id, "team": team_id}).first()


def find_by_card(session: Session, *, team_id: str, channel: str, ts: str) -> Request | None:
    """The request of `team_id`'s workspace whose card is the message (`channel`, `ts`), locked;
    None for other messages."""
    return session.scalars(_LOCK_BY_CARD, {"team": team_id, "channel": channel, "ts": ts}).first()


def _workspace_of(team_id: str | BindParameter[str]) -> ScalarSelect[int]:
    return select(Workspace.id).where(Workspace.team_id == team_id).scalar_subquery()


# Every change by id locks its request first: the statement is built once (building it for
# each change cost more CPU than running it), with named parameters.
_LOCK_REQUEST = (
    select(Request)
    .where(
        Request.id == bindparam("request"),
        Request.workspace_id == _workspace_of(bindparam("team")),
    )
    .with_for_update(of=Request)
)
_LOCK_BY_CARD = (
    select(Request)
    .where(
        Request.workspace_id == _workspace_of(bindparam("team")),
        Request.card_channel == bindparam("channel"),
        Request.card_ts == bindparam("ts"),
    )
    .with_for_update(of=Request)
)


class ChangeContext:
    """One transaction's view of the world, and how a change is recorded in it."""

    def __init__(
        self,
        session: Session,
        *,
        config: LiaisonConfig,
        directory: Directory,
        now: datetime,
    ) -> None:
        self.session = session
        self.config = config
        self.directory = directory
        self.now = now

    def _department(self, request: Request) -> Department:
        """The request's fulfilling department as configured. One removed from the config keeps
        its requests, with nobody allowed to act on them."""
        row = request.fulfilling_department
        return self.config.find_department(row.key) or Department(
            key=row.key, name=row.name, role=Role.FULFILLER, intake_channel=None
        )

    def _requesting(self, request: Request) -> Department | None:
        """The request's requesting department as configured, if it still is."""
        row = request.requesting_department
        return self.config.find_department(row.key) if row is not None else None

    def _recorded_since(self, request: Request, kind: EventKind, entered: Status) -> bool:
        """Whether an event `kind` was recorded since the request last moved to `entered`:
        what may happen once per episode (an escalation while at risk) happens once."""
        last_entry = (
            select(func.coalesce(func.max(RequestEvent.id), 0))
            .where(
                RequestEvent.request_id == request.id,
                RequestEvent.to_status == entered.value,
            )
            .scalar_subquery()
        )
        found = self.session.scalar(
            select(RequestEvent.id)
            .where(
                RequestEvent.request_id == request.id,
                RequestEvent.kind == kind.value,
                RequestEvent.id > last_entry,
            )
            .limit(1)
        )
        return found is not None

    def require_open(self, request: Request) -> None:
        if not request.status.is_open:
            raise Refusal(
                RefusalCode.ALREADY_CLOSED, reference=request.reference, status=request.status
            )

    def require_member(self, request: Request, user: str, attempt: Attempt) -> None:
        department = self._department(request)
        if not self.directory.is_member(user, department):
            raise Refusal(
                RefusalCode.MEMBERS_ONLY,
                reference=request.reference,
                department=department.name,
                attempt=attempt,
            )

    def _require_requester_side(self, request: Request, user: str, attempt: Attempt) -> None:
        requesting = self._requesting(request)
        leads: Iterable[str] = requesting.leads if requesting is not None else ()
        if user != request.requester_id and user not in leads:
            self._refuse_all_but_requester(request, attempt)

    def require_requester(self, request: Request, user: str, attempt: Attempt) -> None:
        """Refuse unless `user` filed the request."""
        if user != request.requester_id:
            self._refuse_all_but_requester(request, attempt)

    def _refuse_all_but_requester(self, request: Request, attempt: Attempt) -> NoReturn:
        raise Refusal(
            RefusalCode.REQUESTER_ONLY,
            reference=request.reference,
            requester=request.requester_id,
            attempt=attempt,
        )

    def _move(
        self,
        request: Request,
        to: Status | None,
        actor: str,
        surface: Surface,
        kind: EventKind,
        *,
        data: dict[str, Any] | None = None,
        always: bool = False,
    ) -> None:
        """Record the change as an event (from → to when the status moves) and refresh the card."""
        before = request.status
        if to is not None:
            request.status = to
        request.updated_at = self.now
        moved = to is not None and to is not before
        if moved:
            request.status_changed_at = self.now
        if moved or always or kind not in STATUS_ONLY_KINDS:
            record_event(
                self.session,
                request=request,
                actor=actor,
                kind=kind,
                surface=surface,
                now=self.now,
                from_status=before if moved else None,
                to_status=to if moved else None,
                data=data,
            )
        outbox.refresh_card(self.session, request, self._home_viewers(request, actor), now=self.now)
        trackers.queue_on_change(self.session, request, config=self.config, now=self.now)

    def _wait_on_requester(
        self,
        request: Request,
        user: str,
        surface: Surface,
        kind: EventKind,
        data: dict[str, Any],
    ) -> None:
        """The request waits on its requester (a question, or fields sent back as not ready)
        asked by `user`, and will resume where it is now."""
        if request.status is not Status.NEEDS_INFO:
            request.resume_status = request.status
        request.info_asked_by = user
        self._move(request, Status.NEEDS_INFO, user, surface, kind, data=data, always=True)

    def _stop_waiting_on_requester(self, request: Request) -> tuple[str | None, Status]:
        """The request no longer waits on its requester: who had asked, and where it resumes."""
        asked_by = request.info_asked_by
        request.info_asked_by = None
        resume = request.resume_status or (Status.CLAIMED if request.claimer_id else Status.NEW)
        request.resume_status = None
        return asked_by, resume

    def _home_viewers(self, request: Request, actor: str) -> list[str]:
        """Besides the requester, claimer and estimators, whose Home tab may show the change:
        the leads of both departments (their attention list) and the person who acted (a
        release takes the request out of their queue)."""
        requesting = self._requesting(request)
        leads = [*self._department(request).leads, *(requesting.leads if requesting else ())]
        return [*leads, actor]

    def _refresh_homes(self, request: Request, actor: str) -> None:
        """A change that leaves the card as it is still shows on Home tabs (an escalation, the
        requester's feedback)."""
        people = [request.requester_id, *self._home_viewers(request, actor)]
        outbox.refresh_homes(
            self.session, workspace_id=request.workspace_id, people=people, now=self.now
        )

    def _enqueue(
        self,
        template: str,
        request: Request,
        *,
        channel: str | None = None,
        in_thread: bool = False,
        **payload: Any,
    ) -> None:
        outbox.enqueue_message(
            self.session,
            workspace_id=request.workspace_id,
            template=template,
            request=request,
            channel=channel,
            in_thread=in_thread,
            payload=payload,
            now=self.now,
        )

    def _note(self, request: Request, change: str, **facts: Any) -> None:
        """A short entry in the card's thread."""
        self._enqueue(outbox.THREAD_NOTE, request, in_thread=True, change=change, **facts)

    def _dm(self, user: str, request: Request, change: str, **facts: Any) -> None:
        self._enqueue(outbox.DIRECT_NOTE, request, channel=user, change=change, **facts)

    def _tell_requester(self, request: Request, change: str, **facts: Any) -> None:
        self._dm(request.requester_id, request, change, **facts)


# Kinds whose event only matters when the status actually moved.
STATUS_ONLY_KINDS = frozenset({EventKind.COMMITTED, EventKind.AT_RISK})
