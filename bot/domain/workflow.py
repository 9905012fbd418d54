"""What people do to a request after it is filed: claim, estimate, ask, deliver, decline, cancel,
reassign, edit, and the negotiation when the desired date is infeasible.

Every rule lives here once; reactions, buttons, modals, commands and thread replies all call these
methods. Each change is recorded as an event and queues its messages in the caller's transaction.
A `Refusal` carries the explanation for the person who tried something they may not do.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ScalarSelect, func, select, update
from sqlalchemy.orm import Session

from bot.config import Department, LiaisonConfig, Role
from bot.domain import nudges, outbox
from bot.domain.calendar import calendar_for
from bot.domain.calibration import calibration_for
from bot.domain.definitions import delivered_on_time
from bot.domain.estimates import whole_or_half
from bot.domain.feasibility import (
    effective_estimate,
    estimates_disagree,
    judge,
    project_delivery,
)
from bot.domain.lifecycle import EventKind, Status, Surface
from bot.domain.models import Estimate, Request, RequestEvent, Workspace
from bot.domain.people import Directory
from bot.domain.requests import RequestDraft, record_event, storable

# States in which the claimer is working on (or waiting to work on) the request.
ACTIVE = (Status.CLAIMED, Status.ESTIMATED, Status.AT_RISK, Status.COMMITTED, Status.NEEDS_INFO)
# How long the decline reaction waits for its reason in the thread; the prompt says so.
DECLINE_REPLY_WINDOW = timedelta(minutes=30)


class Refusal(Exception):
    """The actor may not do this now; `str(refusal)` tells them why, in a sentence."""


def lock_request(session: Session, request_id: int, *, team_id: str) -> Request | None:
    """The request, if it belongs to `team_id`'s workspace, locked for the rest of the
    transaction so concurrent changes queue up."""
    return session.scalars(
        select(Request)
        .where(Request.id == request_id, Request.workspace_id == _workspace_of(team_id))
        .with_for_update(of=Request)
    ).first()


def find_by_card(session: Session, *, team_id: str, channel: str, ts: str) -> Request | None:
    """The request of `team_id`'s workspace whose card is the message (`channel`, `ts`), locked;
    None for other messages."""
    return session.scalars(
        select(Request)
        .where(
            Request.workspace_id == _workspace_of(team_id),
            Request.card_channel == channel,
            Request.card_ts == ts,
        )
        .with_for_update(of=Request)
    ).first()


def _workspace_of(team_id: str) -> ScalarSelect[int]:
    return select(Workspace.id).where(Workspace.team_id == team_id).scalar_subquery()


class Workflow:
    """The operations on requests, within one transaction."""

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

    # -- claiming ------------------------------------------------------------------------

    def _claimed_while_waiting(self, request: Request) -> None:
        """A request waiting for the requester's answer resumes as claimed once it has a claimer."""
        if request.status is Status.NEEDS_INFO and request.resume_status in (None, Status.NEW):
            request.resume_status = Status.CLAIMED

    def claim(self, request: Request, user: str, surface: Surface) -> str:
        self.require_open(request)
        self.require_member(request, user, "claim")
        if request.claimer_id == user:
            return f"You already have {request.reference}."
        if request.claimer_id is not None:
            raise Refusal(f"<@{request.claimer_id}> has already claimed {request.reference}.")
        # The database decides between two people claiming at the same instant.
        won = self.session.execute(
            update(Request)
            .where(Request.id == request.id, Request.claimer_id.is_(None))
            .values(claimer_id=user)
            .returning(Request.id)
            .execution_options(synchronize_session=False)
        ).first()
        self.session.refresh(request)
        if not won:
            raise Refusal(f"<@{request.claimer_id}> has already claimed {request.reference}.")
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
        return f"You claimed {request.reference}."

    def unclaim(self, request: Request, user: str, surface: Surface) -> str:
        self.require_open(request)
        if request.claimer_id != user:
            raise Refusal(f"Only the person who claimed {request.reference} can release it.")
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
        return f"You released {request.reference}; it is back in the queue."

    def reassign(self, request: Request, lead: str, to_user: str, surface: Surface) -> str:
        self.require_open(request)
        department = self._department(request)
        if not self.directory.is_lead(lead, department):
            raise Refusal(f"Only a lead of {department.name} can reassign requests.")
        if not self.directory.is_member(to_user, department):
            raise Refusal(f"<@{to_user}> is not in {department.name}, so they can't take it.")
        previous = request.claimer_id
        if previous == to_user:
            return f"<@{to_user}> already has {request.reference}."
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
        self._dm(to_user, request, "assigned_to_you", actor=lead)
        self._tell_requester(request, "reassigned", actor=lead, to=to_user)
        self._estimate_changed(request, lead, surface)
        return f"{request.reference} is now <@{to_user}>'s."

    # -- estimating and feasibility --------------------------------------------------------

    def estimate(self, request: Request, user: str, days: float, surface: Surface) -> str:
        self.require_open(request)
        self.require_member(request, user, "estimate")
        days = whole_or_half(days)
        existing = next((e for e in request.estimates if e.estimator_id == user), None)
        previous = whole_or_half(existing.days) if existing else None
        if previous == days:
            return f"Your estimate for {request.reference} is already {days} d."
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
        return f"Your estimate for {request.reference}: {days} working days."

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
            select(func.coalesce(func.sum(Request.estimate_days), 0.0)).where(
                Request.claimer_id == request.claimer_id,
                Request.id != request.id,
                Request.status.in_(ACTIVE),
                Request.estimate_days.is_not(None),
            )
        )
        return float(total or 0)

    # -- negotiation -----------------------------------------------------------------------

    def accept_projection(self, request: Request, user: str, surface: Surface) -> str:
        self._require_requester_side(request, user, "accept a new date for")
        if request.status is not Status.AT_RISK or request.projected_date is None:
            raise Refusal(f"{request.reference} has no open negotiation.")
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
        return f"Agreed: {request.reference} is committed for {request.committed_date:%a %-d %b}."

    def escalate(self, request: Request, user: str, surface: Surface) -> str:
        self._require_requester_side(request, user, "escalate")
        if request.status is not Status.AT_RISK:
            raise Refusal(f"{request.reference} has no open negotiation.")
        if self._recorded_since(request, EventKind.ESCALATED, Status.AT_RISK):
            return f"{request.reference} is already escalated: the leads have it."
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
        return f"Escalated {request.reference} to the leads of both departments."

    def _alert_leads(self, request: Request, reason: str, **facts: Any) -> None:
        leads = list(self._department(request).leads)
        requesting = self._requesting(request)
        if requesting is not None:
            leads += requesting.leads
        for lead in dict.fromkeys(leads):
            self._enqueue(outbox.LEAD_ALERT, request, channel=lead, reason=reason, **facts)

    # -- needing information -------------------------------------------------------------

    def ask_requester(
        self, request: Request, user: str, question: str | None, surface: Surface
    ) -> str:
        self.require_open(request)
        self.require_member(request, user, "ask about")
        if request.status is not Status.NEEDS_INFO:
            request.resume_status = request.status
        request.info_asked_by = user
        self._move(
            request,
            Status.NEEDS_INFO,
            user,
            surface,
            EventKind.NEEDS_INFO,
            data={"question": question},
            always=True,
        )
        self._enqueue(outbox.INFO_REQUEST, request, in_thread=True, actor=user, question=question)
        self._enqueue(
            outbox.INFO_REQUEST,
            request,
            channel=request.requester_id,
            actor=user,
            question=question,
        )
        return f"I asked <@{request.requester_id}> and will tell you when they answer."

    def thread_reply(
        self,
        request: Request,
        user: str,
        text: str,
        written_at: datetime | None = None,
        surface: Surface = Surface.THREAD,
    ) -> str | None:
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
                minutes = _minutes(DECLINE_REPLY_WINDOW)
                return (
                    f"{request.reference} was not declined: the reason did not come within "
                    f"{minutes} minutes. React again to decline it."
                )
            self.decline(request, user, text, surface)
        elif (
            request.status is Status.NEEDS_INFO
            and user == request.requester_id
            and _written_since(written_at, request.status_changed_at)
        ):
            self.answer_question(request, user, text, surface)
        return None

    def require_open_question(self, request: Request, user: str) -> None:
        """Refuse unless `user` is the requester and the request is waiting for their answer."""
        if user != request.requester_id:
            raise Refusal(
                f"Only <@{request.requester_id}>, who filed {request.reference}, can answer "
                "questions about it."
            )
        if request.status is not Status.NEEDS_INFO:
            raise Refusal(
                f"{request.reference} is no longer waiting for an answer: it is "
                f"{request.status.value.replace('_', ' ')}."
            )

    def answer_question(self, request: Request, user: str, text: str, surface: Surface) -> str:
        """The requester answers: the request resumes where it was and the asker is told. An
        answer given anywhere but the card's thread is copied into the thread."""
        self.require_open_question(request, user)
        asked_by = request.info_asked_by
        request.info_asked_by = None
        resume = request.resume_status or (Status.CLAIMED if request.claimer_id else Status.NEW)
        request.resume_status = None
        self._move(request, resume, user, surface, EventKind.INFO_PROVIDED, data={"answer": text})
        # One found in the thread by reconciliation is there already.
        if surface not in (Surface.THREAD, Surface.RECONCILE):
            self._note(request, "answer", actor=user, answer=text)
        if asked_by:
            self._dm(asked_by, request, "answered", actor=user, answer=text)
        self._estimate_changed(request, user, surface)
        told = f" and <@{asked_by}> is told" if asked_by else ""
        return f"Your answer is in the thread of {request.reference}{told}."

    def withdraw_question(self, request: Request, user: str, surface: Surface) -> None:
        """The asker took the question reaction back before the requester answered: the request
        no longer waits on the requester, and their next reply is conversation."""
        if request.status is not Status.NEEDS_INFO or request.info_asked_by != user:
            return
        request.info_asked_by = None
        resume = request.resume_status or (Status.CLAIMED if request.claimer_id else Status.NEW)
        request.resume_status = None
        self._move(request, resume, user, surface, EventKind.INFO_WITHDRAWN)
        self._note(request, "info_withdrawn", actor=user)
        self._tell_requester(request, "info_withdrawn", actor=user)
        self._estimate_changed(request, user, surface)

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

    # -- closing ---------------------------------------------------------------------------

    def deliver(self, request: Request, user: str, surface: Surface) -> str:
        self.require_open(request)
        department = self._department(request)
        if user != request.claimer_id and not self.directory.is_lead(user, department):
            raise Refusal(
                f"Only the person who claimed {request.reference} or a lead of "
                f"{department.name} can mark it delivered."
            )
        request.delivered_at = request.closed_at = self.now
        on_time = delivered_on_time(
            request.committed_date, self.now, calendar_for(department, self.config.organization)
        )
        self._move(
            request, Status.DELIVERED, user, surface, EventKind.DELIVERED, data={"on_time": on_time}
        )
        self._note(request, "delivered", actor=user)
        self._enqueue(outbox.DELIVERED, request, channel=request.requester_id, actor=user)
        return f"{request.reference} is delivered; I asked <@{request.requester_id}> for feedback."

    def request_decline(self, request: Request, user: str, surface: Surface) -> str:
        """The decline reaction: ask for the reason in the thread, decline when it comes."""
        self.require_open(request)
        self.require_member(request, user, "decline")
        request.decline_pending_by, request.decline_pending_since = user, self.now
        minutes = _minutes(DECLINE_REPLY_WINDOW)
        self._enqueue(
            outbox.DECLINE_PROMPT, request, in_thread=True, actor=user, within_minutes=minutes
        )
        return (
            f"Reply in the thread of {request.reference} with the reason within {minutes} "
            "minutes, and I'll decline it."
        )

    def decline(self, request: Request, user: str, reason: str, surface: Surface) -> str:
        self.require_open(request)
        self.require_member(request, user, "decline")
        request.decline_reason = storable(reason)
        request.decline_pending_by = request.decline_pending_since = None
        request.closed_at = self.now
        self._move(
            request, Status.DECLINED, user, surface, EventKind.DECLINED, data={"reason": reason}
        )
        self._note(request, "declined", actor=user, reason=reason)
        self._tell_requester(request, "declined", actor=user, reason=reason)
        return f"{request.reference} is declined; I passed your reason on."

    def cancel(self, request: Request, user: str, surface: Surface) -> str:
        if user != request.requester_id:
            raise Refusal(
                f"Only <@{request.requester_id}>, who filed {request.reference}, can cancel it."
            )
        self.require_open(request)
        request.closed_at = self.now
        self._move(request, Status.CANCELLED, user, surface, EventKind.CANCELLED)
        self._note(request, "cancelled", actor=user)
        if request.claimer_id:
            self._dm(request.claimer_id, request, "cancelled", actor=user)
        return f"{request.reference} is cancelled."

    def record_feedback(self, request: Request, user: str, helpful: bool, surface: Surface) -> str:
        if user != request.requester_id:
            raise Refusal("Only the requester can say whether it met the need.")
        if request.status is not Status.DELIVERED:
            raise Refusal(f"{request.reference} is not delivered.")
        if self._recorded_since(request, EventKind.FEEDBACK, Status.DELIVERED):
            raise Refusal(f"You already said whether {request.reference} met the need. Thanks!")
        record_event(
            self.session,
            request=request,
            actor=user,
            kind=EventKind.FEEDBACK,
            surface=surface,
            now=self.now,
            data={"helpful": helpful},
        )
        if request.claimer_id:
            self._dm(request.claimer_id, request, "feedback", actor=user, helpful=helpful)
        return "Thanks, noted." if helpful else "Thanks for saying so; I told the team."

    def snooze(self, request: Request, user: str, kind: str, days: int, surface: Surface) -> str:
        """Silence one kind of reminder about this request for `days` days (one of the menu's
        choices); only someone the reminder is for may."""
        if not self._reminded(request, user, kind):
            raise Refusal(
                f"Only the people this reminder about {request.reference} is for can snooze it."
            )
        if days not in nudges.SNOOZE_DAYS:
            *most, last = (str(n) for n in nudges.SNOOZE_DAYS)
            raise Refusal(
                f"Reminders can be snoozed for {', '.join(most)} or {last} days: "
                "pick one in the menu."
            )
        until = self.now + timedelta(days=days)
        # A DM is snoozed for the one who snoozed it: another lead still gets their own alert.
        silenced = nudges.ANYONE if nudges.NudgeKind(kind) in nudges.IN_THREAD else user
        nudges.snooze(self.session, request=request, kind=kind, until=until, recipient=silenced)
        record_event(
            self.session,
            request=request,
            actor=user,
            kind=EventKind.SNOOZED,
            surface=surface,
            now=self.now,
            data={"nudge": kind, "days": days, "until": until.isoformat()},
        )
        plural = "s" if days > 1 else ""
        return (
            f"Reminders about {request.reference} ({kind.replace('_', ' ')}) are snoozed for "
            f"{days} day{plural}."
        )

    # -- editing ---------------------------------------------------------------------------

    def edit(self, request: Request, user: str, draft: RequestDraft, surface: Surface) -> str:
        """The requester changes the request. Estimates made against the old text are dropped
        and feasibility waits for a new one: a changed spec never keeps a stale promise."""
        if user != request.requester_id:
            raise Refusal(
                f"Only <@{request.requester_id}>, who filed {request.reference}, can edit it."
            )
        self.require_open(request)
        changed = {
            name: getattr(draft, name)
            for name in (
                "title",
                "details",
                "client",
                "impact",
                "desired_date",
                "hard_deadline",
                "promised_to_client",
            )
            if getattr(request, name) != getattr(draft, name)
        }
        for name, value in changed.items():
            setattr(request, name, value)
        estimators = [e.estimator_id for e in request.estimates]
        if not changed and not estimators:
            return f"{request.reference} is unchanged."  # e.g. the same form sent again
        request.estimates.clear()
        request.estimate_days = request.projected_date = request.committed_date = None
        after = Status.CLAIMED if request.claimer_id else Status.NEW
        if request.status is Status.NEEDS_INFO:
            request.resume_status, after = after, None  # type: ignore[assignment]
        data = {"fields": sorted(changed), "estimates_cleared": estimators}
        self._move(request, after, user, surface, EventKind.EDITED, data=data, always=True)
        self._note(request, "edited", actor=user, fields=sorted(changed), estimators=estimators)
        for estimator in estimators:
            self._dm(estimator, request, "reestimate", actor=user)
        return f"{request.reference} is updated." + (
            " The estimates were cleared; the team will estimate again." if estimators else ""
        )

    # -- helpers ---------------------------------------------------------------------------

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

    def _reminded(self, request: Request, user: str, kind: str) -> bool:
        """Whether reminders of `kind` about `request` go to `user`."""
        try:
            nudge_kind = nudges.NudgeKind(kind)
        except ValueError:
            return False
        planner = nudges.NudgePlanner(self.session, config=self.config, now=self.now)
        recipients = planner.recipients(nudge_kind, request)
        if user in recipients:
            return True
        team_mentioned = any(r.startswith(nudges.TEAM) for r in recipients)
        return team_mentioned and self.directory.is_member(user, self._department(request))

    def require_open(self, request: Request) -> None:
        if not request.status.is_open:
            raise Refusal(f"{request.reference} is already {request.status.value}.")

    def require_member(self, request: Request, user: str, verb: str) -> None:
        department = self._department(request)
        if not self.directory.is_member(user, department):
            raise Refusal(
                f"Only members of {department.name} can {verb} {request.reference}. "
                "If you should be one, ask a lead to add you to the department."
            )

    def _require_requester_side(self, request: Request, user: str, verb: str) -> None:
        requesting = self._requesting(request)
        leads: Iterable[str] = requesting.leads if requesting is not None else ()
        if user != request.requester_id and user not in leads:
            raise Refusal(
                f"Only <@{request.requester_id}>, who filed {request.reference}, can {verb} it."
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
        outbox.refresh_card(self.session, request, self._department(request).leads, now=self.now)

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


def _written_since(written_at: datetime, since: datetime | None) -> bool:
    """Whether a reply written at `written_at` came after `since`."""
    return since is None or written_at >= since


def _minutes(window: timedelta) -> int:
    return int(window.total_seconds() // 60)
