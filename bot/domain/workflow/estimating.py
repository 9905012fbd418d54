"""Estimating a request, and the negotiation when the desired date is infeasible."""

from __future__ import annotations

from typing import Any

from sqlalchemy import bindparam, func, select

from bot.domain import outbox
from bot.domain.calendar import calendar_for
from bot.domain.calibration import calibration_for
from bot.domain.estimates import whole_or_half
from bot.domain.feasibility import (
    effective_estimate,
    estimates_disagree,
    judge,
    project_delivery,
)
from bot.domain.lifecycle import EventKind, Status, Surface
from bot.domain.models import Estimate, Request
from bot.domain.requests import record_event
from bot.domain.workflow.context import ChangeContext
from bot.domain.workflow.done import Done, DoneCode
from bot.domain.workflow.refusals import Attempt, Refusal, RefusalCode

# States in which the claimer is working on (or waiting to work on) the request.
ACTIVE = (Status.CLAIMED, Status.ESTIMATED, Status.AT_RISK, Status.COMMITTED, Status.NEEDS_INFO)
# A claimer's other open estimated work, read by every estimate: built once (building it cost
# more CPU than running it), with named parameters.
_QUEUED_DAYS = select(func.coalesce(func.sum(Request.estimate_days), 0.0)).where(
    Request.claimer_id == bindparam("claimer"),
    Request.id != bindparam("request"),
    Request.status.in_(ACTIVE),
    Request.estimate_days.is_not(None),
)


class Estimating(ChangeContext):
    """Estimates, feasibility, and accepting or escalating an infeasible date."""

    def estimate(self, request: Request, user: str, days: float, surface: Surface) -> Done:
        self.require_open(request)
        self.require_member(request, user, Attempt.ESTIMATE)
        days = whole_or_half(days)
        existing = next((e for e in request.estimates if e.estimator_id == user), None)
        previous = whole_or_half(existing.days) if existing else None
        if previous == days:
            return Done(DoneCode.SAME_ESTIMATE, reference=request.reference, days=days)
        if existing is None:
            request.estimates.append(
                Estimate(estimator_id=user, days=days, created_at=self.now, updated_at=self.now)
            )
        else:
            existing.days, existing.updated_at = days, self.now
        self._refresh_estimate(request)
        self._move(
            request,
            Status.ESTIMATED if request.status is Status.CLAIMED else None,
            user,
            surface,
            EventKind.ESTIMATED,
            data={"days": days, "previous": previous, "estimate": request.estimate_days},
        )
        self._note(
            request,
            "estimated",
            actor=user,
            days=days,
            previous=previous,
            disagree=estimates_disagree(self._estimates(request)),
            estimators=sorted(self._estimates(request)),
        )
        self._estimate_changed(request, user, surface)
        return Done(DoneCode.ESTIMATED, reference=request.reference, days=days)

    def _estimates(self, request: Request) -> dict[str, float]:
        return {e.estimator_id: e.days for e in request.estimates}

    def _refresh_estimate(self, request: Request) -> None:
        request.estimate_days = effective_estimate(self._estimates(request), request.claimer_id)

    def _estimate_changed(self, request: Request, actor: str, surface: Surface) -> None:
        """Check feasibility once the request has both a claimer and an estimate."""
        self._refresh_estimate(request)
        if request.claimer_id is None or request.estimate_days is None:
            return
        if request.status not in (
            Status.CLAIMED,
            Status.ESTIMATED,
            Status.AT_RISK,
            Status.COMMITTED,
        ):
            return
        calendar = calendar_for(self._department(request), self.config.organization)
        # Estimates are corrected by how long this person's (or team's) work really takes.
        calibration = calibration_for(
            self.session,
            calendar,
            department_id=request.fulfilling_department_id,
            claimer_id=request.claimer_id,
            before=self.now,
        )
        request.forecast_ratio = calibration.ratio if calibration.basis != "none" else None
        request.forecast_basis = calibration.basis if calibration.basis != "none" else None
        projected = project_delivery(
            calendar,
            now=self.now,
            queued_days=calibration.apply(self._queued_days(request)),
            estimate_days=calibration.apply(request.estimate_days),
        )
        # Once a date is agreed, later estimates are held against that date.
        verdict = judge(projected=projected, desired=request.committed_date or request.desired_date)
        previous_projection = request.projected_date
        request.projected_date = projected
        facts = {
            "estimate": request.estimate_days,
            "projected": projected.isoformat(),
            "desired": request.desired_date.isoformat() if request.desired_date else None,
        }
        if request.status is Status.CLAIMED:
            self._move(request, Status.ESTIMATED, actor, surface, EventKind.ESTIMATED, data=facts)
        if verdict.feasible:
            if request.status is Status.COMMITTED and request.committed_date == verdict.commit_to:
                return
            request.committed_date = verdict.commit_to
            self._move(
                request,
                Status.COMMITTED,
                actor,
                surface,
                EventKind.COMMITTED,
                data={**facts, "committed": verdict.commit_to.isoformat()},
            )
            self._note(request, "committed", committed=verdict.commit_to.isoformat())
            self._tell_requester(request, "committed", committed=verdict.commit_to.isoformat())
            return
        was_at_risk = request.status is Status.AT_RISK
        if was_at_risk and previous_projection == projected:
            return  # the open negotiation still says the right thing
        self._move(request, Status.AT_RISK, actor, surface, EventKind.AT_RISK, data=facts)
        negotiation = {"projected": projected.isoformat(), "desired": facts["desired"]}
        self._enqueue(outbox.NEGOTIATION, request, in_thread=True, **negotiation)
        self._enqueue(outbox.NEGOTIATION, request, channel=request.requester_id, **negotiation)
        if request.hard_deadline and not was_at_risk:
            self._alert_leads(request, "hard_deadline_at_risk", actor=actor, **negotiation)

    def _queued_days(self, request: Request) -> float:
        """The claimer's other open estimated work, in working days."""
        total = self.session.scalar(
            _QUEUED_DAYS, {"claimer": request.claimer_id, "request": request.id}
        )
        return float(total or 0)

    def accept_projection(self, request: Request, user: str, surface: Surface) -> Done:
        self._require_requester_side(request, user, Attempt.ACCEPT)
        if request.status is not Status.AT_RISK or request.projected_date is None:
            raise Refusal(RefusalCode.NO_NEGOTIATION, reference=request.reference)
        request.committed_date = request.projected_date
        self._move(
            request,
            Status.COMMITTED,
            user,
            surface,
            EventKind.ACCEPTED,
            data={"committed": request.committed_date.isoformat()},
        )
        self._note(request, "accepted", actor=user, committed=request.committed_date.isoformat())
        if request.claimer_id:
            self._dm(request.claimer_id, request, "accepted", actor=user)
        return Done(
            DoneCode.ACCEPTED, reference=request.reference, committed=request.committed_date
        )

    def escalate(self, request: Request, user: str, surface: Surface) -> Done:
        self._require_requester_side(request, user, Attempt.ESCALATE)
        if request.status is not Status.AT_RISK:
            raise Refusal(RefusalCode.NO_NEGOTIATION, reference=request.reference)
        if self._recorded_since(request, EventKind.ESCALATED, Status.AT_RISK):
            return Done(DoneCode.ALREADY_ESCALATED, reference=request.reference)
        record_event(
            self.session,
            request=request,
            actor=user,
            kind=EventKind.ESCALATED,
            surface=surface,
            now=self.now,
        )
        facts = {
            "projected": request.projected_date.isoformat() if request.projected_date else None,
            "desired": request.desired_date.isoformat() if request.desired_date else None,
        }
        self._alert_leads(request, "escalated", actor=user, **facts)
        self._note(request, "escalated", actor=user)
        self._refresh_homes(request, user)  # now in the leads' Needs attention
        return Done(DoneCode.ESCALATED, reference=request.reference)

    def _alert_leads(self, request: Request, reason: str, **facts: Any) -> None:
        leads = list(self._department(request).leads)
        requesting = self._requesting(request)
        if requesting is not None:
            leads += requesting.leads
        for lead in dict.fromkeys(leads):
            self._enqueue(outbox.LEAD_ALERT, request, channel=lead, reason=reason, **facts)
