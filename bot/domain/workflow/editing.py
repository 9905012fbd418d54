"""The requester editing a request, and snoozing reminders about it."""

from __future__ import annotations

from datetime import timedelta

from bot.domain import nudges
from bot.domain.lifecycle import EventKind, Status, Surface
from bot.domain.models import Request
from bot.domain.requests import RequestDraft, record_event
from bot.domain.workflow.context import ChangeContext
from bot.domain.workflow.done import Done, DoneCode
from bot.domain.workflow.refusals import Attempt, Refusal, RefusalCode


class Editing(ChangeContext):
    """Edit and snooze."""

    def edit(self, request: Request, user: str, draft: RequestDraft, surface: Surface) -> Done:
        """The requester changes the request. Estimates made against the old text are dropped
        and feasibility waits for a new one: a changed spec never keeps a stale promise."""
        self.require_requester(request, user, Attempt.EDIT)
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
                "request_type",
                "type_fields",
            )
            if getattr(request, name) != getattr(draft, name)
        }
        before, after_fields = dict(request.type_fields or {}), dict(draft.type_fields)
        # Which of the type's fields changed (their keys), for the thread.
        typed = sorted(k for k in {*before, *after_fields} if before.get(k) != after_fields.get(k))
        for name, value in changed.items():
            # A new dict, so that the JSON column is seen to change.
            setattr(request, name, dict(value) if name == "type_fields" else value)
        estimators = [e.estimator_id for e in request.estimates]
        if not changed and not estimators:
            return Done(DoneCode.UNCHANGED, reference=request.reference)  # the same form again
        request.estimates.clear()
        request.estimate_days = request.projected_date = request.committed_date = None
        after = Status.CLAIMED if request.claimer_id else Status.NEW
        if request.status is Status.NEEDS_INFO:
            request.resume_status, after = after, None  # type: ignore[assignment]
        data = {"fields": sorted(changed), "estimates_cleared": estimators}
        self._move(request, after, user, surface, EventKind.EDITED, data=data, always=True)
        self._note(
            request,
            "edited",
            actor=user,
            fields=sorted(changed),
            type_fields=typed,
            estimators=estimators,
        )
        for estimator in estimators:
            self._dm(estimator, request, "reestimate", actor=user)
        return Done(
            DoneCode.EDITED, reference=request.reference, estimates_cleared=bool(estimators)
        )

    def snooze(self, request: Request, user: str, kind: str, days: int, surface: Surface) -> Done:
        """Silence one kind of reminder about this request for `days` days (one of the menu's
        choices); only someone the reminder is for may."""
        if not self._reminded(request, user, kind):
            raise Refusal(RefusalCode.NOT_REMINDED, reference=request.reference)
        if days not in nudges.SNOOZE_DAYS:
            raise Refusal(RefusalCode.SNOOZE_CHOICE, choices=nudges.SNOOZE_DAYS)
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
        return Done(DoneCode.SNOOZED, reference=request.reference, nudge=kind, days=days)

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
