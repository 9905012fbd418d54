"""Nudges: reminders for whatever stalls, at sensible hours, never twice within the cool-down.

Kinds and thresholds (measured in the fulfilling department's business time, from the moment the
request entered its current status; see `[nudges]` in the config):
- unclaimed: `new` past `unclaimed_after` → the card's thread, mentioning the team;
- unestimated: `claimed` without an estimate past `unestimated_after` → DM to the claimer;
- needs_info: `needs_info` past `needs_info_after` → DM to the requester;
- negotiation: `at_risk` (undecided) past `negotiation_after` → DM to the requester;
- due_soon: `committed` with the committed date within `due_soon_within` workdays → the thread,
  mentioning the claimer;
- overdue: overdue (bot/domain/definitions.py) and not waiting on the requester → the thread,
  mentioning claimer and requester; and, once per request, a DM to the leads of both
  departments (overdue_leads).

A nudge is only sent while it is business time for its recipient: a DM within the recipient's
own working hours (their department's hours in their own Slack time zone), a thread nudge within
the fulfilling department's. Deciding to send
is a conditional write on `nudge_marks` in the same transaction that queues the message, so
concurrent schedulers send each nudge once, and a Slack failure retries the queued message rather
than deciding again. DMs to one person in one pass are grouped into a single message.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, lazyload

from bot.config import LiaisonConfig
from bot.db.upsert import insert_ignoring_conflicts
from bot.domain import outbox
from bot.domain.calendar import BusinessCalendar, calendar_for
from bot.domain.definitions import is_open_sql, is_overdue
from bot.domain.durations import BusinessDuration
from bot.domain.lifecycle import Status
from bot.domain.models import NudgeLog, NudgeMark, Request
from bot.domain.requests import awaited_facts

# "Once per request" is a cool-down that never ends.
FOREVER = timedelta(days=365 * 100)
# NudgeMark.recipient for a nudge in the card's thread, and for a snooze that silences everyone.
THREAD = "thread"
ANYONE = "*"
# A mention of a whole team (its user group) among a nudge's mentions.
TEAM = "subteam:"
# The days a reminder can be snoozed for: the snooze menu's choices, and the only ones accepted.
SNOOZE_DAYS = (1, 3, 7)

# A DM recipient by (workspace id, user id), and the time zones known for them.
Recipient = tuple[int, str]
Zones = Mapping[Recipient, ZoneInfo]


class NudgeKind(StrEnum):
    UNCLAIMED = "unclaimed"
    UNESTIMATED = "unestimated"
    NEEDS_INFO = "needs_info"
    NEGOTIATION = "negotiation"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    OVERDUE_LEADS = "overdue_leads"


# Kinds posted in the card's thread (mentioning their recipients); the others are DMs.
IN_THREAD = frozenset({NudgeKind.UNCLAIMED, NudgeKind.DUE_SOON, NudgeKind.OVERDUE})


@dataclass(frozen=True)
class Nudge:
    """One nudge about one request: where it goes and what it says."""

    kind: NudgeKind
    request_id: int
    workspace_id: int
    reference: str
    title: str
    # In the card's thread (mentioning `mentions`), or a DM to each of `mentions`.
    in_thread: bool
    mentions: tuple[str, ...]
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def recipient(self) -> str:
        """Whom the cool-down is kept for: the thread, or the one person a DM goes to."""
        return THREAD if self.in_thread else self.mentions[0]


@dataclass
class NudgePass:
    """What one evaluation decided (and, unless a dry run, queued)."""

    nudges: list[Nudge] = field(default_factory=list)
    messages: int = 0


_WAITING = {
    Status.NEW: NudgeKind.UNCLAIMED,
    Status.CLAIMED: NudgeKind.UNESTIMATED,
    Status.NEEDS_INFO: NudgeKind.NEEDS_INFO,
    Status.AT_RISK: NudgeKind.NEGOTIATION,
}


class NudgePlanner:
    """Finds the nudges due at `now` and takes the right to send them."""

    def __init__(
        self,
        session: Session,
        *,
        config: LiaisonConfig,
        now: datetime,
        zones: Zones | None = None,
        workspace_id: int | None = None,
    ) -> None:
        self.session = session
        self.config = config
        self.workspace_id = workspace_id
        self.now = now
        self.zones = zones or {}
        self._calendars: dict[str, BusinessCalendar] = {}

    def calendar(self, department_key: str | None) -> BusinessCalendar:
        key = department_key or self.config.fulfilling_departments()[0].key
        if key not in self._calendars:
            department = self.config.find_department(key) or self.config.fulfilling_departments()[0]
            self._calendars[key] = calendar_for(department, self.config.organization)
        return self._calendars[key]

    def _threshold(self, kind: NudgeKind) -> BusinessDuration:
        nudges = self.config.nudges
        return {
            NudgeKind.UNCLAIMED: nudges.unclaimed_after,
            NudgeKind.UNESTIMATED: nudges.unestimated_after,
            NudgeKind.NEEDS_INFO: nudges.needs_info_after,
            NudgeKind.NEGOTIATION: nudges.negotiation_after,
        }[kind]

    def candidates(self) -> list[Nudge]:
        """Every nudge whose threshold has passed and whose cool-down or snooze is over."""
        blocked = {
            tuple(row)
            for row in self.session.execute(
                select(NudgeMark.request_id, NudgeMark.kind, NudgeMark.recipient)
                .join(Request, Request.id == NudgeMark.request_id)
                .where(NudgeMark.next_allowed_at > self.now, is_open_sql(Request.status))
            )
        }
        found: list[Nudge] = []
        # Held here so the session's (weak) identity map keeps them: run_nudges and take() look
        # each one up again with session.get, which is then free instead of one SELECT each.
        self.requests = {
            request.id: request
            for request in self.session.scalars(
                select(Request)
                .options(lazyload(Request.estimates))
                .where(
                    is_open_sql(Request.status),
                    Request.created_at <= self.now,
                    *(
                        [Request.workspace_id == self.workspace_id]
                        if self.workspace_id is not None
                        else []
                    ),
                    or_(Request.status.in_(tuple(_WAITING)), Request.committed_date.is_not(None)),
                )
            )
        }
        for request in self.requests.values():
            for nudge in self._nudges_for(request):
                key = (nudge.request_id, nudge.kind.value)
                if (*key, nudge.recipient) not in blocked and (*key, ANYONE) not in blocked:
                    found.append(nudge)
        return found

    def _nudges_for(self, request: Request) -> list[Nudge]:
        fulfilling = request.fulfilling_department.key
        calendar = self.calendar(fulfilling)
        today = calendar.local_date(self.now)
        nudges: list[Nudge] = []
        kind = _WAITING.get(request.status)
        if kind is not None and not (kind is NudgeKind.UNESTIMATED and request.estimate_days):
            since = request.status_changed_at or request.updated_at
            if calendar.add(since, self._threshold(kind)) <= self.now:
                nudges.append(self._waiting_nudge(kind, request, since))
        committed = request.committed_date
        if committed is not None and request.status is not Status.NEEDS_INFO:
            if is_overdue(request.status, committed, now=self.now, calendar=calendar):
                nudges.append(
                    self._nudge(
                        NudgeKind.OVERDUE,
                        request,
                        self.recipients(NudgeKind.OVERDUE, request),
                        due=committed.isoformat(),
                    )
                )
                for lead in self.recipients(NudgeKind.OVERDUE_LEADS, request):
                    nudges.append(
                        self._nudge(
                            NudgeKind.OVERDUE_LEADS,
                            request,
                            (lead,),
                            due=committed.isoformat(),
                        )
                    )
            elif request.status is Status.COMMITTED and request.claimer_id:
                window = max(self.config.nudges.due_soon_within.days, 1)
                if calendar.workdays_until(today, committed) <= window:
                    nudges.append(
                        self._nudge(
                            NudgeKind.DUE_SOON,
                            request,
                            self.recipients(NudgeKind.DUE_SOON, request),
                            due=committed.isoformat(),
                        )
                    )
        return nudges

    def _waiting_nudge(self, kind: NudgeKind, request: Request, since: datetime) -> Nudge:
        calendar = self.calendar(request.fulfilling_department.key)
        waited = calendar.business_minutes_between(since, self.now) / 60
        facts: dict[str, Any] = {"waiting_hours": round(waited, 1)}
        if kind is NudgeKind.NEEDS_INFO:  # sent back as not ready: the fields it waits for
            facts |= awaited_facts(self.session, self.config, request)
        return self._nudge(kind, request, self.recipients(kind, request), **facts)

    def recipients(self, kind: NudgeKind, request: Request) -> tuple[str, ...]:
        """Whom a nudge of `kind` about `request` mentions or goes to (user ids, or the team's
        user group as TEAM + its id)."""
        if kind is NudgeKind.UNCLAIMED:
            return self._team_mentions(request)
        if kind in (NudgeKind.UNESTIMATED, NudgeKind.DUE_SOON):
            return (request.claimer_id,) if request.claimer_id else ()
        if kind in (NudgeKind.NEEDS_INFO, NudgeKind.NEGOTIATION):
            return (request.requester_id,)
        if kind is NudgeKind.OVERDUE:
            return self._overdue_mentions(request)
        return self._leads(request)

    def _nudge(
        self,
        kind: NudgeKind,
        request: Request,
        mentions: tuple[str, ...],
        **facts: Any,
    ) -> Nudge:
        return Nudge(
            kind=kind,
            request_id=request.id,
            workspace_id=request.workspace_id,
            reference=request.reference,
            title=request.title,
            in_thread=kind in IN_THREAD,
            mentions=mentions,
            facts={"permalink": request.card_permalink, **facts},
        )

    def _team_mentions(self, request: Request) -> tuple[str, ...]:
        department = self.config.find_department(request.fulfilling_department.key)
        if department is None:
            return ()
        if department.usergroup:
            return (f"{TEAM}{department.usergroup}",)
        return tuple(department.members)

    def _overdue_mentions(self, request: Request) -> tuple[str, ...]:
        people = [request.claimer_id, request.requester_id]
        return tuple(dict.fromkeys(p for p in people if p))

    def _leads(self, request: Request) -> tuple[str, ...]:
        keys = [request.fulfilling_department.key]
        if request.requesting_department is not None:
            keys.append(request.requesting_department.key)
        leads = [
            lead for key in keys if (d := self.config.find_department(key)) for lead in d.leads
        ]
        return tuple(dict.fromkeys(leads))

    def recipient_calendar(self, recipient: str, request: Request) -> BusinessCalendar:
        """The recipient's own working hours: the hours and workdays of the department they
        belong to for this request, in their own time zone when it is known."""
        calendar = self._department_calendar(recipient, request)
        zone = self.zones.get((request.workspace_id, recipient))
        return replace(calendar, zone=zone) if zone is not None else calendar

    def _department_calendar(self, recipient: str, request: Request) -> BusinessCalendar:
        requesting = request.requesting_department.key if request.requesting_department else None
        if recipient == request.requester_id and requesting:
            return self.calendar(requesting)
        if requesting and (d := self.config.find_department(requesting)) and recipient in d.leads:
            return self.calendar(requesting)
        return self.calendar(request.fulfilling_department.key)

    def take(self, nudge: Nudge) -> bool:
        """Claim the right to send this nudge now (once per cool-down, decided by the database)."""
        if nudge.kind is NudgeKind.OVERDUE_LEADS:
            next_allowed = self.now + FOREVER
        else:
            request = self.session.get(Request, nudge.request_id)
            assert request is not None
            calendar = self.calendar(request.fulfilling_department.key)
            next_allowed = calendar.add(self.now, self.config.nudges.cooldown)
        values = {"next_allowed_at": next_allowed, "last_sent_at": self.now}
        key = {
            "request_id": nudge.request_id,
            "kind": nudge.kind.value,
            "recipient": nudge.recipient,
        }
        if insert_ignoring_conflicts(
            self.session, NudgeMark, {**key, **values}, ["request_id", "kind", "recipient"]
        ):
            return True
        taken = self.session.execute(
            update(NudgeMark)
            .where(
                NudgeMark.request_id == nudge.request_id,
                NudgeMark.kind == nudge.kind.value,
                NudgeMark.recipient == nudge.recipient,
                NudgeMark.next_allowed_at <= self.now,
            )
            .values(**values)
            .returning(NudgeMark.request_id)
        ).first()
        return taken is not None


def direct_recipients(
    session: Session, *, config: LiaisonConfig, now: datetime, workspace_id: int | None = None
) -> set[Recipient]:
    """Everyone a DM nudge may go to at `now` (whatever the hour), by workspace id: the people
    whose time zones `run_nudges` wants to know."""
    planner = NudgePlanner(session, config=config, now=now, workspace_id=workspace_id)
    return {(n.workspace_id, n.recipient) for n in planner.candidates() if not n.in_thread}


def run_nudges(
    session: Session,
    *,
    config: LiaisonConfig,
    now: datetime,
    dry_run: bool = False,
    send_at: datetime | None = None,
    zones: Zones | None = None,
    workspace_id: int | None = None,
) -> NudgePass:
    """Evaluate every open request (of the workspace `config` belongs to; None: the only one)
    and queue the nudges that are due at `now` (to be sent from `send_at`, default `now`). A DM
    waits for its recipient's working hours, in their own time zone when `zones` has it."""
    planner = NudgePlanner(session, config=config, now=now, zones=zones, workspace_id=workspace_id)
    result = NudgePass()
    direct: dict[tuple[int, str], list[Nudge]] = defaultdict(list)
    for nudge in planner.candidates():
        request = session.get(Request, nudge.request_id)
        assert request is not None
        hours = (
            planner.calendar(request.fulfilling_department.key)
            if nudge.in_thread
            else planner.recipient_calendar(nudge.recipient, request)
        )
        if not hours.is_business_time(now):
            continue  # no reminders at night, on weekends or holidays: the next pass sends it
        if not dry_run and not planner.take(nudge):
            continue  # in its cool-down, or another scheduler just sent it
        result.nudges.append(nudge)
        if dry_run:
            continue
        _log(session, nudge, now)
        if nudge.kind in (NudgeKind.NEEDS_INFO, NudgeKind.OVERDUE):  # in the leads' attention
            leads = planner.recipients(NudgeKind.OVERDUE_LEADS, request)
            outbox.refresh_homes(session, workspace_id=nudge.workspace_id, people=leads, now=now)
        if nudge.in_thread:
            outbox.enqueue_message(
                session,
                workspace_id=nudge.workspace_id,
                template=outbox.NUDGE,
                request=request,
                in_thread=True,
                payload=_payload(nudge),
                now=now,
                due=send_at,
            )
            result.messages += 1
        else:
            direct[(nudge.workspace_id, nudge.recipient)].append(nudge)
    if dry_run:
        threads = sum(1 for n in result.nudges if n.in_thread)
        result.messages = threads + len({n.recipient for n in result.nudges if not n.in_thread})
    for (workspace_id, recipient), nudges in direct.items():
        result.messages += 1
        outbox.enqueue_message(
            session,
            workspace_id=workspace_id,
            template=outbox.NUDGE_DIGEST,
            channel=recipient,
            payload={"items": [_payload(n) for n in nudges]},
            now=now,
            due=send_at,
        )
    return result


def _payload(nudge: Nudge) -> dict[str, Any]:
    return {
        "kind": nudge.kind.value,
        "request_id": nudge.request_id,
        "reference": nudge.reference,
        "title": nudge.title,
        "mentions": list(nudge.mentions),
        **nudge.facts,
    }


def _log(session: Session, nudge: Nudge, now: datetime) -> None:
    for recipient in nudge.mentions:
        session.add(
            NudgeLog(
                request_id=nudge.request_id, kind=nudge.kind.value, recipient=recipient, at=now
            )
        )


def snooze(
    session: Session, *, request: Request, kind: str, until: datetime, recipient: str = ANYONE
) -> None:
    """Silence one kind of nudge about one request until `until`: for everyone (ANYONE, what a
    nudge in the card's thread needs) or for one DM recipient."""
    key = {"request_id": request.id, "kind": kind, "recipient": recipient}
    if not insert_ignoring_conflicts(
        session,
        NudgeMark,
        {**key, "next_allowed_at": until, "last_sent_at": None},
        ["request_id", "kind", "recipient"],
    ):
        session.execute(
            update(NudgeMark)
            .where(
                NudgeMark.request_id == request.id,
                NudgeMark.kind == kind,
                NudgeMark.recipient == recipient,
            )
            .values(next_allowed_at=until)
        )
