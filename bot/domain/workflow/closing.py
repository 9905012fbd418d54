"""Closing a request: delivered, declined or cancelled, and the requester's feedback."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import outbox
from bot.domain.calendar import calendar_for
from bot.domain.definitions import delivered_on_time
from bot.domain.lifecycle import EventKind, Status, Surface
from bot.domain.models import Request
from bot.domain.requests import record_event, storable
from bot.domain.workflow.context import ChangeContext
from bot.domain.workflow.done import Done, DoneCode
from bot.domain.workflow.refusals import Attempt, Refusal, RefusalCode

# How long the decline reaction waits for its reason in the thread; the prompt says so.
DECLINE_REPLY_WINDOW = timedelta(minutes=30)


class Closing(ChangeContext):
    """Delivering, declining (with the reason awaited in the thread), cancelling, feedback."""

    def deliver(self, request: Request, user: str, surface: Surface) -> Done:
        self.require_open(request)
        department = self._department(request)
        if user != request.claimer_id and not self.directory.is_lead(user, department):
            raise Refusal(
                RefusalCode.CLAIMER_OR_LEADS_ONLY,
                reference=request.reference,
                department=department.name,
            )
        self._mark_delivered(request, user, surface)
        self._note(request, "delivered", actor=user)
        return Done(DoneCode.DELIVERED, reference=request.reference, requester=request.requester_id)

    def _mark_delivered(
        self, request: Request, actor: str, surface: Surface, **facts: object
    ) -> None:
        """Deliver an open request: the event and the requester's DM that asks whether it met
        the need (`facts` say more about how it happened); the caller notes it in the thread."""
        department = self._department(request)
        request.delivered_at = request.closed_at = self.now
        on_time = delivered_on_time(
            request.committed_date, self.now, calendar_for(department, self.config.organization)
        )
        self._move(
            request,
            Status.DELIVERED,
            actor,
            surface,
            EventKind.DELIVERED,
            data={"on_time": on_time},
        )
        self._enqueue(outbox.DELIVERED, request, channel=request.requester_id, actor=actor, **facts)

    def request_decline(self, request: Request, user: str, surface: Surface) -> Done:
        """The decline reaction: ask for the reason in the thread, decline when it comes."""
        self.require_open(request)
        self.require_member(request, user, Attempt.DECLINE)
        request.decline_pending_by, request.decline_pending_since = user, self.now
        minutes = whole_minutes(DECLINE_REPLY_WINDOW)
        self._enqueue(
            outbox.DECLINE_PROMPT, request, in_thread=True, actor=user, within_minutes=minutes
        )
        return Done(DoneCode.DECLINE_ASKED, reference=request.reference, minutes=minutes)

    def decline(self, request: Request, user: str, reason: str, surface: Surface) -> Done:
        self.require_open(request)
        self.require_member(request, user, Attempt.DECLINE)
        request.decline_reason = storable(reason)
        request.decline_pending_by = request.decline_pending_since = None
        request.closed_at = self.now
        self._move(
            request, Status.DECLINED, user, surface, EventKind.DECLINED, data={"reason": reason}
        )
        self._note(request, "declined", actor=user, reason=reason)
        self._tell_requester(request, "declined", actor=user, reason=reason)
        return Done(DoneCode.DECLINED, reference=request.reference)

    def _decline_awaited(self, request: Request) -> bool:
        """Whether a decline reaction is still waiting for its reason at this moment."""
        since = request.decline_pending_since
        return (
            request.decline_pending_by is not None
            and since is not None
            and self.now < since + DECLINE_REPLY_WINDOW
        )

    def withdraw_decline(self, request: Request, user: str) -> None:
        """The decliner removed the decline reaction: their replies are conversation again."""
        if request.decline_pending_by != user:
            return
        awaited = self._decline_awaited(request)
        request.decline_pending_by = request.decline_pending_since = None
        if awaited:
            self._note(request, "decline_withdrawn", actor=user)

    def _drop_pending_decline(self, request: Request, actor: str) -> None:
        """Someone took the request on: a decline still waiting for its reason is off."""
        decliner = request.decline_pending_by
        if decliner is None:
            return
        awaited = self._decline_awaited(request)
        request.decline_pending_by = request.decline_pending_since = None
        if awaited:
            self._note(request, "decline_dropped", actor=actor, decliner=decliner)

    def cancel(self, request: Request, user: str, surface: Surface) -> Done:
        self.require_requester(request, user, Attempt.CANCEL)
        self.require_open(request)
        request.closed_at = self.now
        self._move(request, Status.CANCELLED, user, surface, EventKind.CANCELLED)
        self._note(request, "cancelled", actor=user)
        if request.claimer_id:
            self._dm(request.claimer_id, request, "cancelled", actor=user)
        return Done(DoneCode.CANCELLED, reference=request.reference)

    def record_feedback(self, request: Request, user: str, helpful: bool, surface: Surface) -> Done:
        if user != request.requester_id:
            raise Refusal(RefusalCode.FEEDBACK_REQUESTER_ONLY)
        if request.status is not Status.DELIVERED:
            raise Refusal(RefusalCode.NOT_DELIVERED, reference=request.reference)
        if self._recorded_since(request, EventKind.FEEDBACK, Status.DELIVERED):
            raise Refusal(RefusalCode.FEEDBACK_GIVEN, reference=request.reference)
        record_event(
            self.session,
            request=request,
            actor=user,
            kind=EventKind.FEEDBACK,
            surface=surface,
            now=self.now,
            data={"helpful": helpful},
        )
        self._refresh_homes(request, user)  # the decision leaves the requester's Home
        if request.claimer_id:
            self._dm(request.claimer_id, request, "feedback", actor=user, helpful=helpful)
        return Done(DoneCode.FEEDBACK, helpful=helpful)


def whole_minutes(window: timedelta) -> int:
    """The window in whole minutes, as the prompt and the refusal say it."""
    return int(window.total_seconds() // 60)
