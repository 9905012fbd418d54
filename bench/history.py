"""Two years of requests, each lived out event by event the way bot/domain/workflow.py records it.

Every request is simulated to its end (delivered, declined or cancelled) and then cut at `now`:
the events after `now` are dropped, and the request's columns are whatever its kept events left
behind. Requests filed in the last weeks are therefore open in every state, and a few older ones
stall for good (never claimed, a question never answered, a negotiation never decided, a
commitment never delivered), which is what the nudges and the digest's "urgent" list look for.
"""

from __future__ import annotations

import math
import random
import statistics
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bot.config import LiaisonConfig
from bot.domain.calendar import BusinessCalendar, calendar_for
from bot.domain.lifecycle import Status

WORKDAY_MINUTES = 8 * 60
# Share of requests by requesting and by fulfilling department.
REQUESTING_SHARE = {"sales": 0.5, "success": 0.3, "marketing": 0.2}
FULFILLING_SHARE = {"eng": 0.7, "data": 0.3}
ESTIMATE_WEIGHTS = (18, 20, 16, 12, 10, 6, 5, 5, 4, 4)  # for 1…10 working days
STALL_RATE = 0.004
STALL_STAGES = ("new", "claimed", "needs_info", "at_risk", "committed")
EVENT_COLUMNS = ("at", "request_id", "seq", "actor", "kind", "from_status", "to_status")
VERBS = ("Export", "Dashboard for", "Integration with", "Fix sync of", "Report on", "API for")
THINGS = ("invoices", "usage data", "SSO", "the renewal list", "churn signals", "price tiers")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@dataclass
class History:
    """Rows ready for bulk inserts; events are sorted by time and numbered accordingly."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    estimates: list[dict[str, Any]] = field(default_factory=list)
    marks: list[dict[str, Any]] = field(default_factory=list)


class _People:
    """A team's members with a fixed, uneven share of the work, and its leads."""

    def __init__(self, rng: random.Random, members: tuple[str, ...], leads: tuple[str, ...]):
        self.members = list(members)
        self.leads = list(leads)
        weights = [rng.uniform(0.3, 1.7) for _ in self.members]
        self.cumulative = [sum(weights[: i + 1]) for i in range(len(weights))]
        # How much longer than estimated each person's work really takes.
        self.bias = {person: rng.uniform(0.85, 1.35) for person in self.members}

    def pick(self, rng: random.Random, *, besides: str | None = None) -> str:
        while True:
            person = rng.choices(self.members, cum_weights=self.cumulative)[0]
            if person != besides:
                return person


class _Life:
    """One request's events, each with the column changes it causes."""

    def __init__(self) -> None:
        self.status = Status.NEW
        self.events: list[tuple[datetime, str, str, Status | None, Status | None, str, dict]] = []
        self.changes: list[dict[str, Any]] = []

    def record(
        self,
        at: datetime,
        actor: str,
        kind: str,
        surface: str,
        *,
        to: Status | None = None,
        data: dict[str, Any] | None = None,
        **changes: Any,
    ) -> datetime:
        moved = to is not None and to is not self.status
        self.events.append(
            (at, actor, kind, self.status if moved else None, to if moved else None, surface, data)
        )
        self.changes.append(changes)
        if to is not None:
            self.status = to
        return at


class Simulator:
    def __init__(
        self,
        config: LiaisonConfig,
        *,
        department_ids: dict[str, int],
        workspace_id: int,
        now: datetime,
        span: timedelta,
        seed: int,
    ) -> None:
        self.rng = random.Random(seed)
        self.config = config
        self.department_ids = department_ids
        self.workspace_id = workspace_id
        self.now = now
        self.start = now - span
        self.calendars: dict[str, BusinessCalendar] = {
            d.key: calendar_for(d, config.organization) for d in config.departments
        }
        self.teams = {d.key: _People(self.rng, d.members, d.leads) for d in config.departments}
        self.intake = {d.key: d.intake_channel for d in config.fulfilling_departments()}
        self.department_keys = {number: key for key, number in department_ids.items()}
        self.clients = [f"Client {n:03d}" for n in range(1, 301)]

    # -- time ------------------------------------------------------------------------------

    def _later(
        self, team: str, at: datetime, median_minutes: float, sigma: float = 1.0
    ) -> datetime:
        """`at` plus a log-normal wait in `team`'s business time."""
        minutes = max(1.0, self.rng.lognormvariate(math.log(median_minutes), sigma))
        return _utc(self.calendars[team].add_business_minutes(at, minutes))

    def _filing_moments(self, count: int, team: str) -> list[datetime]:
        """Random moments in `team`'s business hours over the history, uniform per open minute."""
        calendar = self.calendars[team]
        windows = []
        day = calendar.local_date(self.start)
        while day <= calendar.local_date(self.now):
            if calendar.is_workday(day):
                windows.append(calendar._window(day))
            day += timedelta(days=1)
        moments = []
        while len(moments) < count:
            opening, closing = self.rng.choice(windows)
            moment = opening + (closing - opening) * self.rng.random()
            if self.start <= moment < self.now:
                moments.append(moment)
        return moments

    # -- the whole history -----------------------------------------------------------------

    def simulate(self, count: int) -> History:
        plans: list[tuple[datetime, str]] = []
        shares = list(REQUESTING_SHARE.items())
        for index, (requesting, share) in enumerate(shares):
            # The last team takes the remainder so the total is exactly `count`.
            number = count - len(plans) if index == len(shares) - 1 else round(count * share)
            plans += [(moment, requesting) for moment in self._filing_moments(number, requesting)]
        plans.sort()
        history = History()
        events: list[tuple[Any, ...]] = []
        for request_id, (created, requesting) in enumerate(plans, 1):
            fulfilling = self.rng.choices(
                list(FULFILLING_SHARE), weights=list(FULFILLING_SHARE.values())
            )[0]
            self._live(history, events, request_id, created, requesting, fulfilling)
        events.sort(key=lambda event: (event[0], event[1], event[2]))
        history.events = [
            dict(zip((*EVENT_COLUMNS, "surface", "data"), event, strict=True)) | {"id": i}
            for i, event in enumerate(events, 1)
        ]
        for event in history.events:
            del event["seq"]
        return history

    def _live(
        self,
        history: History,
        events: list[tuple[Any, ...]],
        request_id: int,
        created: datetime,
        requesting: str,
        fulfilling: str,
    ) -> None:
        rng = self.rng
        requester = self.teams[requesting].pick(rng)
        desired = None
        if rng.random() < 0.7:
            desired = self.calendars[requesting].local_date(created) + timedelta(
                days=rng.randint(3, 35)
            )
        shortcut = rng.random() < 0.25
        stall = rng.choice(STALL_STAGES) if rng.random() < STALL_RATE else None
        life = _Life()
        life.record(
            created,
            requester,
            "created",
            "shortcut" if shortcut else "modal",
            to=Status.NEW,
            data={"desired_date": desired.isoformat() if desired else None},
        )
        self._proceed(life, created, requester, requesting, fulfilling, desired, stall)
        row = self._request_row(request_id, created, requester, requesting, fulfilling, desired)
        row["source_permalink"] = (
            f"https://bench.slack.com/archives/C0BENCHSALES/p{request_id:016d}"
            if shortcut
            else None
        )
        claimed_at = self._cut_at_now(history, events, life, row)
        self._marks(history, row, claimed_at)

    # -- one request's life ----------------------------------------------------------------

    def _proceed(
        self,
        life: _Life,
        at: datetime,
        requester: str,
        requesting: str,
        fulfilling: str,
        desired: date | None,
        stall: str | None,
    ) -> None:
        rng = self.rng
        team = self.teams[fulfilling]
        fate = rng.random()
        if stall == "new":
            return
        if fate < 0.025:
            at = self._later(requesting, at, 120)
            life.record(at, requester, "cancelled", "button", to=Status.CANCELLED, closed_at=at)
            return
        if fate < 0.04:
            lead = rng.choice(team.leads)
            at = self._later(fulfilling, at, 90)
            reason = "Out of scope for this team"
            life.record(
                at,
                lead,
                "declined",
                "thread",
                to=Status.DECLINED,
                data={"reason": reason},
                closed_at=at,
                decline_reason=reason,
            )
            return
        claimer = team.pick(rng)
        at = self._later(fulfilling, at, 150)
        surface = "reaction" if rng.random() < 0.7 else "button"
        life.record(at, claimer, "claimed", surface, to=Status.CLAIMED, claimer_id=claimer)
        if rng.random() < 0.12 or stall == "needs_info":
            at = self._later(fulfilling, at, 60)
            life.record(
                at,
                claimer,
                "needs_info",
                "button",
                to=Status.NEEDS_INFO,
                data={"question": "Which accounts does this cover?"},
                resume_status=Status.CLAIMED,
                info_asked_by=claimer,
            )
            if stall == "needs_info":
                return
            at = self._later(requesting, at, 240)
            if rng.random() < 0.03:
                life.record(at, requester, "cancelled", "button", to=Status.CANCELLED, closed_at=at)
                return
            life.record(
                at,
                requester,
                "info_provided",
                "thread",
                to=Status.CLAIMED,
                data={"answer": "All enterprise accounts."},
                resume_status=None,
                info_asked_by=None,
            )
        if stall == "claimed":
            return
        if rng.random() < 0.04:
            at = self._later(fulfilling, at, 120)
            reason = "Already possible with the existing export"
            life.record(
                at,
                claimer,
                "declined",
                "thread",
                to=Status.DECLINED,
                data={"reason": reason},
                closed_at=at,
                decline_reason=reason,
            )
            return
        self._estimate_and_deliver(life, at, requester, fulfilling, claimer, desired, stall)

    def _estimate(
        self, life: _Life, at: datetime, fulfilling: str, claimer: str
    ) -> tuple[datetime, int, dict[str, int]]:
        """The claimer's estimate (and, one time in five, a colleague's)."""
        rng = self.rng
        days = rng.choices(range(1, 11), weights=ESTIMATE_WEIGHTS)[0]
        at = self._later(fulfilling, at, 180)
        estimates = {claimer: days}
        ratio = round(self.teams[fulfilling].bias[claimer] * rng.uniform(0.9, 1.1), 2)
        surface = "reaction" if rng.random() < 0.65 else "button"
        life.record(
            at,
            claimer,
            "estimated",
            surface,
            to=Status.ESTIMATED,
            data={"days": days, "previous": None, "estimate": float(days)},
            estimate_days=float(days),
            forecast_ratio=ratio,
            forecast_basis="personal",
            estimates=dict(estimates),
        )
        if rng.random() < 0.2:
            colleague = self.teams[fulfilling].pick(rng, besides=claimer)
            other = max(1, min(10, days + rng.choice((-2, -1, 0, 1, 2, 4))))
            at = self._later(fulfilling, at, 90)
            estimates[colleague] = other
            life.record(
                at,
                colleague,
                "estimated",
                "reaction",
                data={"days": other, "previous": None, "estimate": float(days)},
                estimates=dict(estimates),
            )
        return at, days, estimates

    def _estimate_and_deliver(
        self,
        life: _Life,
        at: datetime,
        requester: str,
        fulfilling: str,
        claimer: str,
        desired: date | None,
        stall: str | None,
    ) -> None:
        rng = self.rng
        calendar = self.calendars[fulfilling]
        team = self.teams[fulfilling]
        at, days, estimates = self._estimate(life, at, fulfilling, claimer)
        queue = rng.uniform(0, 3)
        ratio = team.bias[claimer]
        projected = calendar.local_date(
            calendar.add_business_minutes(at, (days * ratio + queue) * WORKDAY_MINUTES)
        )
        facts = {
            "estimate": float(days),
            "projected": projected.isoformat(),
            "desired": desired.isoformat() if desired else None,
        }
        if desired is not None and desired < projected:
            life.record(
                at,
                claimer,
                "at_risk",
                "reaction",
                to=Status.AT_RISK,
                data=facts,
                projected_date=projected,
            )
            if stall == "at_risk":
                return
            decision = rng.random()
            at = self._later(fulfilling, at, 300)
            if decision < 0.12:
                life.record(at, requester, "escalated", "button")
                at = self._later(fulfilling, at, 480)
            elif decision < 0.22:
                life.record(at, requester, "cancelled", "button", to=Status.CANCELLED, closed_at=at)
                return
            elif decision < 0.30:
                # Scope cut: the edit clears the estimates and the request is sized again.
                life.record(
                    at,
                    requester,
                    "edited",
                    "modal",
                    to=Status.CLAIMED,
                    data={"fields": ["details"], "estimates_cleared": sorted(estimates)},
                    estimate_days=None,
                    projected_date=None,
                    committed_date=None,
                    estimates={},
                )
                at, days, estimates = self._estimate(life, at, fulfilling, claimer)
                life.record(
                    at,
                    claimer,
                    "committed",
                    "reaction",
                    to=Status.COMMITTED,
                    data={**facts, "committed": desired.isoformat()},
                    projected_date=desired,
                    committed_date=desired,
                )
                self._deliver(life, at, fulfilling, claimer, days, desired, stall)
                return
            life.record(
                at,
                requester,
                "accepted",
                "button",
                to=Status.COMMITTED,
                data={"committed": projected.isoformat()},
                committed_date=projected,
            )
            committed = projected
        else:
            committed = desired or projected
            life.record(
                at,
                claimer,
                "committed",
                "reaction",
                to=Status.COMMITTED,
                data={**facts, "committed": committed.isoformat()},
                projected_date=projected,
                committed_date=committed,
            )
        if rng.random() < 0.03:
            lead = rng.choice(team.leads)
            newcomer = team.pick(rng, besides=claimer)
            at = self._later(fulfilling, at, 240)
            life.record(
                at,
                lead,
                "reassigned",
                "modal",
                data={"from": claimer, "to": newcomer},
                claimer_id=newcomer,
                estimate_days=float(statistics.median(estimates.values())),
            )
            claimer = newcomer
        self._deliver(life, at, fulfilling, claimer, days, committed, stall, queue)

    def _deliver(
        self,
        life: _Life,
        at: datetime,
        fulfilling: str,
        claimer: str,
        days: int,
        committed: date,
        stall: str | None,
        queue: float = 0.0,
    ) -> None:
        if stall == "committed":
            return
        rng = self.rng
        calendar = self.calendars[fulfilling]
        actual = days * self.teams[fulfilling].bias[claimer] * rng.lognormvariate(0.1, 0.35)
        actual += queue * rng.uniform(0.5, 1.2)
        at = _utc(calendar.add_business_minutes(at, actual * WORKDAY_MINUTES))
        on_time = calendar.local_date(at) <= committed
        surface = "reaction" if rng.random() < 0.8 else "button"
        life.record(
            at,
            claimer,
            "delivered",
            surface,
            to=Status.DELIVERED,
            data={"on_time": on_time},
            delivered_at=at,
            closed_at=at,
        )
        if rng.random() < 0.5:
            requester = life.events[0][1]
            at = at + timedelta(minutes=rng.lognormvariate(math.log(180), 1.0) + 1)
            life.record(at, requester, "feedback", "button", data={"helpful": rng.random() < 0.85})

    # -- rows ------------------------------------------------------------------------------

    def _request_row(
        self,
        request_id: int,
        created: datetime,
        requester: str,
        requesting: str,
        fulfilling: str,
        desired: date | None,
    ) -> dict[str, Any]:
        rng = self.rng
        client = rng.choice(self.clients)
        channel = self.intake[fulfilling]
        ts = f"{int(created.timestamp())}.{request_id:06d}"
        return {
            "id": request_id,
            "workspace_id": self.workspace_id,
            "number": request_id,
            "title": f"{rng.choice(VERBS)} {rng.choice(THINGS)} for {client}",
            "details": "What the customer needs, in a few sentences. " * rng.randint(1, 6),
            "client": client,
            "impact": "Renewal at stake" if rng.random() < 0.3 else "Nice to have",
            "desired_date": desired,
            "hard_deadline": desired is not None and rng.random() < 0.25,
            "promised_to_client": rng.random() < 0.15,
            "requester_id": requester,
            "requesting_department_id": self.department_ids[requesting],
            "fulfilling_department_id": self.department_ids[fulfilling],
            "status": Status.NEW,
            "claimer_id": None,
            "estimate_days": None,
            "projected_date": None,
            "forecast_ratio": None,
            "forecast_basis": None,
            "committed_date": None,
            "resume_status": None,
            "info_asked_by": None,
            "decline_pending_by": None,
            "decline_reason": None,
            "delivered_at": None,
            "closed_at": None,
            "source_permalink": None,
            "card_channel": channel,
            "card_ts": ts,
            "card_permalink": f"https://bench.slack.com/archives/{channel}/p{ts.replace('.', '')}",
            "outbox_lease_until": None,
            "created_at": created,
            "updated_at": created,
            "status_changed_at": created,
        }

    def _cut_at_now(
        self,
        history: History,
        events: list[tuple[Any, ...]],
        life: _Life,
        row: dict[str, Any],
    ) -> datetime | None:
        """Keep the events up to `now` and leave the columns as they made them; return the
        moment of the first claim, if any."""
        request_id = row["id"]
        claimed_at = None
        estimates: dict[str, int] = {}
        estimated_at: dict[str, datetime] = {}
        for seq, (event, changes) in enumerate(zip(life.events, life.changes, strict=True)):
            at, actor, kind, before, after, surface, data = event
            if at > self.now:
                break
            events.append((at, request_id, seq, actor, kind, before, after, surface, data or {}))
            row["updated_at"] = at
            if kind == "claimed" and claimed_at is None:
                claimed_at = at
            if after is not None:
                row["status"] = after
                row["status_changed_at"] = at
            if "estimates" in changes:
                estimates = changes.pop("estimates")
                for person in estimates:
                    estimated_at.setdefault(person, at)
            row.update(changes)
        for person, days in estimates.items():
            history.estimates.append(
                {
                    "request_id": request_id,
                    "estimator_id": person,
                    "days": days,
                    "created_at": estimated_at[person],
                    "updated_at": estimated_at[person],
                }
            )
        history.requests.append(row)
        return claimed_at

    def _marks(self, history: History, row: dict[str, Any], claimed_at: datetime | None) -> None:
        """The cool-down rows the nudges left behind: unclaimed, overdue, overdue to the leads."""
        created = row["created_at"]
        fulfilling = self.department_keys[row["fulfilling_department_id"]]
        calendar = self.calendars[fulfilling]
        unclaimed_at = _utc(calendar.add_business_minutes(created, 240))
        waited = claimed_at or (row["closed_at"] if row["status"] is not Status.NEW else self.now)
        if waited is not None and unclaimed_at < waited:
            history.marks.append(self._mark(row, "unclaimed", "thread", unclaimed_at))
        committed = row["committed_date"]
        if committed is None:
            return
        late = datetime.combine(committed + timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        late = _utc(calendar.add_business_minutes(late, 60))
        finished = row["closed_at"] or self.now
        if late < finished:
            history.marks.append(self._mark(row, "overdue", "thread", late))
            lead = self.teams[fulfilling].leads[0]
            history.marks.append(self._mark(row, "overdue_leads", lead, late, forever=True))

    def _mark(
        self, row: dict[str, Any], kind: str, recipient: str, sent: datetime, forever: bool = False
    ) -> dict[str, Any]:
        return {
            "request_id": row["id"],
            "kind": kind,
            "recipient": recipient,
            "next_allowed_at": sent + timedelta(days=36500 if forever else 1),
            "last_sent_at": sent,
        }
