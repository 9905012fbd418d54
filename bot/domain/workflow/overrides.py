"""A lead's overrides: handing a request to someone else, setting its committed date after a
conversation, reopening a delivered request, closing a stale one.

Who may: the committed date is the doing team's promise and the person doing it is the doing
team's call, so only leads of the fulfilling department reassign and set dates (the requesting
side agrees to a date through the negotiation). Reopening and closing concern both sides (the
requester's side is usually the one who finds a delivery falls short, or a request no longer
needed), so a lead of either department may. Each override is an event naming the lead, the
move and the surface, a line in the card's thread, and a DM to the requester and the claimer
unless they made it themselves.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from bot.config import Department
from bot.domain import outbox
from bot.domain.calendar import calendar_for
from bot.domain.lifecycle import EventKind, Status, Surface
from bot.domain.models import Request
from bot.domain.requests import storable
from bot.domain.workflow.claiming import Claiming
from bot.domain.workflow.done import Done, DoneCode
from bot.domain.workflow.refusals import Attempt, Refusal, RefusalCode

# What a lead may close an open request as.
CLOSE_OUTCOMES = (Status.CANCELLED, Status.DECLINED)


class Overrides(Claiming):
    """Reassign, set the committed date, reopen, close as stale; and the checks each makes
    first, which the Slack layer also runs before it opens the override's form."""

    # -- who may, and when -------------------------------------------------------------------

    def _require_lead(
        self, request: Request, user: str, attempt: Attempt, *, either_side: bool
    ) -> None:
        departments: list[Department] = [self._department(request)]
        requesting = self._requesting(request)
        if either_side and requesting is not None and requesting.key != departments[0].key:
            departments.append(requesting)
        if not any(self.directory.is_lead(user, d) for d in departments):
            raise Refusal(
                RefusalCode.LEADS_ONLY, departments=[d.name for d in departments], attempt=attempt
            )

    def may_reassign(self, request: Request, user: str) -> None:
        self._require_lead(request, user, Attempt.REASSIGN, either_side=False)
        self.require_open(request)

    def may_set_committed_date(self, request: Request, user: str) -> None:
        self._require_lead(request, user, Attempt.SET_DATE, either_side=False)
        self.require_open(request)
        if request.claimer_id is None:
            raise Refusal(RefusalCode.NOT_CLAIMED, reference=request.reference)

    def may_reopen(self, request: Request, user: str) -> None:
        self._require_lead(request, user, Attempt.REOPEN, either_side=True)
        if request.status is not Status.DELIVERED:
            raise Refusal(RefusalCode.NOT_DELIVERED, reference=request.reference)

    def may_close(self, request: Request, user: str) -> None:
        self._require_lead(request, user, Attempt.CLOSE, either_side=True)
        self.require_open(request)

    def today(self, request: Request) -> date:
        """Today in the fulfilling department's zone: the first date a lead may commit to."""
        return calendar_for(self._department(request), self.config.organization).local_date(
            self.now
        )

    # -- the overrides -----------------------------------------------------------------------

    def reassign(self, request: Request, lead: str, to_user: str, surface: Surface) -> Done:
        self.may_reassign(request, lead)
        department = self._department(request)
        if not self.directory.is_member(to_user, department):
            raise Refusal(RefusalCode.NOT_IN_DEPARTMENT, user=to_user, department=department.name)
        previous = request.claimer_id
        if previous == to_user:
            return Done(DoneCode.ALREADY_ASSIGNED, reference=request.reference, to=to_user)
        request.claimer_id = to_user
        self._claimed_while_waiting(request)
        self._drop_pending_decline(request, lead)
        self._move(
            request,
            Status.CLAIMED if request.status is Status.NEW else None,
            lead,
            surface,
            EventKind.REASSIGNED,
            data={"from": previous, "to": to_user},
        )
        self._note(request, "reassigned", actor=lead, to=to_user, previous=previous)
        if to_user != lead:
            self._dm(to_user, request, "assigned_to_you", actor=lead)
        if previous is not None and previous != lead:
            self._dm(previous, request, "unassigned", actor=lead, to=to_user)
            # Their queue no longer holds it; the card's refresh only knows the new claimer.
            outbox.refresh_homes(
                self.session, workspace_id=request.workspace_id, people=[previous], now=self.now
            )
        if request.requester_id != lead:
            self._tell_requester(request, "reassigned", actor=lead, to=to_user)
        self._estimate_changed(request, lead, surface)
        return Done(DoneCode.REASSIGNED, reference=request.reference, to=to_user)

    def set_committed_date(
        self, request: Request, lead: str, day: date, reason: str, surface: Surface
    ) -> Done:
        """Commit the request for `day`, agreed in a conversation `reason` sums up. An open
        negotiation is settled by it; a request waiting for the requester resumes as committed.
        Later estimates are held against this date, as against any agreed one."""
        self.may_set_committed_date(request, lead)
        today = self.today(request)
        if day < today:
            raise Refusal(RefusalCode.DATE_IN_PAST, reference=request.reference, today=today)
        previous = request.committed_date
        waiting = request.status is Status.NEEDS_INFO
        committed = (request.resume_status if waiting else request.status) is Status.COMMITTED
        if previous == day and committed:
            return Done(DoneCode.SAME_DATE, reference=request.reference, day=day)
        request.committed_date = day
        if waiting:
            request.resume_status = Status.COMMITTED
        facts = {
            "was": previous.isoformat() if previous else None,
            "committed": day.isoformat(),
            "reason": storable(reason),
        }
        self._move(
            request,
            None if waiting else Status.COMMITTED,
            lead,
            surface,
            EventKind.DATE_SET,
            data=facts,
        )
        self._note(request, "date_set", actor=lead, **facts)
        self._tell_affected(request, lead, "date_set", **facts)
        return Done(DoneCode.DATE_SET, reference=request.reference, day=day)

    def reopen(self, request: Request, lead: str, reason: str, surface: Surface) -> Done:
        """A delivered request goes back to work: committed again when it has a claimer and a
        committed date (overdue if that date has passed, until a lead sets a new one), claimed
        when it has a claimer only, new without one. Its delivery no longer counts in the
        figures (bot/domain/definitions.py `closing_stands_sql`) until it is delivered again."""
        self.may_reopen(request, lead)
        facts = {"reason": storable(reason)}
        back = self._back_to_work(request, lead, surface, facts)
        self._note(request, "reopened", actor=lead, **facts)
        self._tell_affected(request, lead, "reopened", **facts)
        return Done(DoneCode.REOPENED, reference=request.reference, status=back)

    def _back_to_work(
        self, request: Request, actor: str, surface: Surface, facts: dict[str, Any]
    ) -> Status:
        """Move a delivered request back: committed again when it has a claimer and a committed
        date, claimed with a claimer only, new without one; the status it went back to."""
        if request.claimer_id is None:
            back = Status.NEW
        elif request.committed_date is not None:
            back = Status.COMMITTED
        else:
            back = Status.CLAIMED
        request.delivered_at = request.closed_at = None
        request.info_asked_by = request.resume_status = None
        request.decline_pending_by = request.decline_pending_since = None
        self._move(request, back, actor, surface, EventKind.REOPENED, data=facts)
        return back

    def close_stale(
        self, request: Request, lead: str, outcome: Status, reason: str, surface: Surface
    ) -> Done:
        """Close an open request as cancelled (no longer needed) or declined (the team will not
        do it), with the reason; counted in the figures as any cancellation or decline."""
        if outcome not in CLOSE_OUTCOMES:
            raise ValueError(f"a lead closes a request as cancelled or declined, not {outcome}")
        self.may_close(request, lead)
        if outcome is Status.DECLINED:
            request.decline_reason = storable(reason)
        request.decline_pending_by = request.decline_pending_since = None
        request.info_asked_by = request.resume_status = None
        request.closed_at = self.now
        facts = {"outcome": outcome.value, "reason": storable(reason)}
        self._move(request, outcome, lead, surface, EventKind.CLOSED, data=facts)
        self._note(request, "closed", actor=lead, **facts)
        self._tell_affected(request, lead, "closed", **facts)
        return Done(DoneCode.CLOSED, reference=request.reference, outcome=outcome)

    def _tell_affected(self, request: Request, lead: str, change: str, **facts: Any) -> None:
        """A DM about the override to the requester and to the claimer, unless they made it."""
        if request.requester_id != lead:
            self._tell_requester(request, change, actor=lead, **facts)
        claimer = request.claimer_id
        if claimer is not None and claimer not in (lead, request.requester_id):
            self._dm(claimer, request, f"{change}_claimer", actor=lead, **facts)
