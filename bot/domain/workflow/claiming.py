"""Claiming a request and releasing it (a lead handing it to someone else is an override:
overrides.py)."""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from bot.domain.lifecycle import EventKind, Status, Surface
from bot.domain.models import Request
from bot.domain.workflow.closing import Closing
from bot.domain.workflow.done import Done, DoneCode
from bot.domain.workflow.estimating import Estimating
from bot.domain.workflow.refusals import Attempt, Refusal, RefusalCode


class Claiming(Estimating, Closing):
    """Claim and unclaim."""

    def _claimed_while_waiting(self, request: Request) -> None:
        """A request waiting for the requester's answer resumes as claimed once it has a claimer."""
        if request.status is Status.NEEDS_INFO and request.resume_status in (None, Status.NEW):
            request.resume_status = Status.CLAIMED

    def claim(self, request: Request, user: str, surface: Surface) -> Done:
        self.require_open(request)
        self.require_member(request, user, Attempt.CLAIM)
        if request.claimer_id == user:
            return Done(DoneCode.ALREADY_YOURS, reference=request.reference)
        if request.claimer_id is not None:
            raise Refusal(
                RefusalCode.ALREADY_CLAIMED, reference=request.reference, claimer=request.claimer_id
            )
        # The database decides between two people claiming at the same instant.
        won = self.session.execute(
            update(Request)
            .where(Request.id == request.id, Request.claimer_id.is_(None))
            .values(claimer_id=user)
            .returning(Request.id)
            .execution_options(synchronize_session=False)
        ).first()
        if won:
            # What the database now holds, without reading the row (and its estimates) again.
            set_committed_value(request, "claimer_id", user)
        else:
            self.session.refresh(request)
            raise Refusal(
                RefusalCode.ALREADY_CLAIMED, reference=request.reference, claimer=request.claimer_id
            )
        self._claimed_while_waiting(request)
        self._drop_pending_decline(request, user)
        self._move(
            request,
            Status.CLAIMED if request.status is Status.NEW else None,
            user,
            surface,
            EventKind.CLAIMED,
        )
        self._note(request, "claimed", actor=user)
        self._tell_requester(request, "claimed", actor=user)
        self._estimate_changed(request, user, surface)
        return Done(DoneCode.CLAIMED, reference=request.reference)

    def unclaim(self, request: Request, user: str, surface: Surface) -> Done:
        self.require_open(request)
        if request.claimer_id != user:
            raise Refusal(RefusalCode.CLAIMER_ONLY, reference=request.reference)
        request.claimer_id = None
        request.projected_date = None
        request.committed_date = None
        self._refresh_estimate(request)
        self._move(
            request,
            Status.NEW if request.status is not Status.NEEDS_INFO else None,
            user,
            surface,
            EventKind.UNCLAIMED,
        )
        if request.status is Status.NEEDS_INFO:
            request.resume_status = Status.NEW
        self._note(request, "unclaimed", actor=user)
        self._tell_requester(request, "unclaimed", actor=user)
        return Done(DoneCode.RELEASED, reference=request.reference)
