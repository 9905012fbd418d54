"""The request's issue in its department's tracker, made by hand: the card's "Create issue"
button (a tracker with `create_on = "manual"`) and the "Retry" a lead gets when the tracker
refused. Members of the fulfilling department (leads included) may do both."""

from __future__ import annotations

from bot.domain import trackers
from bot.domain.models import Request
from bot.domain.workflow.context import ChangeContext
from bot.domain.workflow.done import Done, DoneCode
from bot.domain.workflow.refusals import Attempt, Refusal, RefusalCode


class Issues(ChangeContext):
    def create_issue(self, request: Request, user: str) -> Done:
        """Queue the request's issue; a refusal if the department links no tracker or the
        request has its issue already."""
        self.require_member(request, user, Attempt.CREATE_ISSUE)
        tracker = trackers.tracker_of(self.config, request)
        if tracker is None:
            raise Refusal(
                RefusalCode.NO_TRACKER,
                reference=request.reference,
                department=self._department(request).name,
            )
        queued = trackers.queue_issue(self.session, request, tracker=tracker, now=self.now)
        if queued is None:
            existing = trackers.issue_of(self.session, request.id)
            raise Refusal(
                RefusalCode.ISSUE_EXISTS,
                reference=request.reference,
                key=existing.key if existing is not None else None,
            )
        self._note(request, "issue_requested", actor=user, tracker=tracker.kind.value)
        return Done(DoneCode.ISSUE_QUEUED, reference=request.reference, target=tracker.target)

    def retry_issue(self, request: Request, user: str) -> Done:
        """Try again to create an issue the tracker refused."""
        self.require_member(request, user, Attempt.RETRY_ISSUE)
        if not trackers.retry_issue(self.session, request, now=self.now):
            raise Refusal(RefusalCode.NOTHING_TO_RETRY, reference=request.reference)
        return Done(DoneCode.ISSUE_RETRIED, reference=request.reference)
