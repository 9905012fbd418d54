"""Asking the requester for information, their answer, and replies in the card's thread."""

from __future__ import annotations

from datetime import datetime

from bot.domain import outbox
from bot.domain.lifecycle import EventKind, Status, Surface
from bot.domain.models import Request
from bot.domain.requests import not_ready_episode
from bot.domain.workflow.closing import DECLINE_REPLY_WINDOW, Closing, whole_minutes
from bot.domain.workflow.done import Done, DoneCode
from bot.domain.workflow.estimating import Estimating
from bot.domain.workflow.refusals import Attempt, Refusal, RefusalCode


class Questions(Estimating, Closing):
    """Questions to the requester and what a reply in the thread means."""

    def ask_requester(
        self, request: Request, user: str, question: str | None, surface: Surface
    ) -> Done:
        self.require_open(request)
        self.require_member(request, user, Attempt.ASK)
        self._wait_on_requester(
            request, user, surface, EventKind.NEEDS_INFO, {"question": question}
        )
        self._enqueue(outbox.INFO_REQUEST, request, in_thread=True, actor=user, question=question)
        self._enqueue(
            outbox.INFO_REQUEST,
            request,
            channel=request.requester_id,
            actor=user,
            question=question,
        )
        return Done(DoneCode.ASKED, reference=request.reference, requester=request.requester_id)

    def thread_reply(
        self,
        request: Request,
        user: str,
        text: str,
        written_at: datetime | None = None,
        surface: Surface = Surface.THREAD,
    ) -> Done | None:
        """Someone wrote in the card's thread at `written_at`: an answer from the requester, or
        a decline reason from the person who asked to decline. Anything else is conversation.
        Only the decliner's first reply after the prompt is the reason, and only within
        DECLINE_REPLY_WINDOW; a later one ends the wait with a private word instead. Without
        `written_at` the reply is taken as written now. `surface` says how it was seen (the
        thread's event, or reconciliation reading the thread later)."""
        written_at = written_at or self.now
        awaited = (
            request.decline_pending_by == user
            and request.decline_pending_since is not None
            and _written_since(written_at, request.decline_pending_since)
        )
        if awaited and request.status.is_open:
            if not self._decline_awaited(request):
                request.decline_pending_by = request.decline_pending_since = None
                minutes = whole_minutes(DECLINE_REPLY_WINDOW)
                return Done(DoneCode.DECLINE_TOO_LATE, reference=request.reference, minutes=minutes)
            self.decline(request, user, text, surface)
        elif (
            request.status is Status.NEEDS_INFO
            and user == request.requester_id
            and _written_since(written_at, request.status_changed_at)
            # Sent back as not ready, it waits for the fields: a reply is conversation.
            and not_ready_episode(self.session, request) is None
        ):
            self.answer_question(request, user, text, surface)
        return None

    def require_open_question(self, request: Request, user: str) -> None:
        """Refuse unless `user` is the requester and the request is waiting for their answer."""
        self.require_requester(request, user, Attempt.ANSWER)
        if request.status is not Status.NEEDS_INFO:
            raise Refusal(
                RefusalCode.NOT_WAITING_FOR_ANSWER,
                reference=request.reference,
                status=request.status,
            )

    def answer_question(self, request: Request, user: str, text: str, surface: Surface) -> Done:
        """The requester answers: the request resumes where it was and the asker is told. An
        answer given anywhere but the card's thread is copied into the thread."""
        self.require_open_question(request, user)
        asked_by, resume = self._stop_waiting_on_requester(request)
        self._move(request, resume, user, surface, EventKind.INFO_PROVIDED, data={"answer": text})
        # One found in the thread by reconciliation is there already.
        if surface not in (Surface.THREAD, Surface.RECONCILE):
            self._note(request, "answer", actor=user, answer=text)
        if asked_by:
            self._dm(asked_by, request, "answered", actor=user, answer=text)
        self._estimate_changed(request, user, surface)
        return Done(DoneCode.ANSWERED, reference=request.reference, asked_by=asked_by)

    def withdraw_question(self, request: Request, user: str, surface: Surface) -> None:
        """The asker took the question reaction back before the requester answered: the request
        no longer waits on the requester, and their next reply is conversation."""
        if request.status is not Status.NEEDS_INFO or request.info_asked_by != user:
            return
        _, resume = self._stop_waiting_on_requester(request)
        self._move(request, resume, user, surface, EventKind.INFO_WITHDRAWN)
        self._note(request, "info_withdrawn", actor=user)
        self._tell_requester(request, "info_withdrawn", actor=user)
        self._estimate_changed(request, user, surface)


def _written_since(written_at: datetime, since: datetime | None) -> bool:
    """Whether a reply written at `written_at` came after `since`."""
    return since is None or written_at >= since
