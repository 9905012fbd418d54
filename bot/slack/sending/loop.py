"""The outbox loop: which effect is sent when, by whom, and what happens after.

Effects about one request are sent in the order they were queued, by one process at a time: it
takes a short lease on the request row (a conditional UPDATE, so the database decides who wins
when several processes try). Effects about no request are claimed one by one. A request's due
effects are built together, from its current state, in the transaction that takes the lease
(holding the row, so no change to the request commits in between), and each is sent by its
kind's sender (bot/slack/sending/senders.py) with no transaction open, then recorded in a
transaction of its own: a crash resends at most the one effect whose record was lost.

Failures: rate limits, 5xx answers and network errors leave the effect pending with a backoff
(the periodic job retries it); errors that retrying cannot fix mark it failed, are logged and
are told to the leads. A post into a channel Liaison is not in joins it first; one it cannot
join (private) waits for an invitation (the attempt and its outcome: sending/attempts.py).

A process that stops takes no new lease, lets the sends under way finish, and gives back any
lease still held, so another process carries on at once. What is left at-least-once: a crash
after Slack accepted an effect but before it was marked sent resends it once the lease expires,
which we prefer to losing it; file uploads (the digest's chart) are not looked for; and when two
attempts whose answers were lost were both posted, both copies stay (sending/recovery.py).
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from sqlalchemy import (
    Update,
    bindparam,
    case,
    false,
    literal,
    null,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy.orm import Session, sessionmaker

from bot.config import LiaisonConfig
from bot.db.session import UNSYNCHRONIZED, reading, transaction
from bot.domain import outbox
from bot.domain.models import OutboxMessage, Request
from bot.domain.requests import TeamIds
from bot.slack.sending.attempts import Attempts, SendReport, Step
from bot.slack.sending.effects import Effect, Sender
from bot.slack.sending.leases import HeldLeases
from bot.slack.sending.senders import SENDERS

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_PREPARED = 10  # effects of one request built together, from one read of its state
HOMES_LIMIT = 500  # Home publishes read at once
# An effect about no request is "sending" while a process has it; once `next_attempt_at` (its
# lease) has passed, another process takes it up as if it were pending.
SENDABLE = ("pending", "sending")

# The bookkeeping statements run for every effect sent, built once: building a statement for
# each call cost more CPU in SQLAlchemy (the statement, its cache key, the ORM's handling of a
# mapped class) than running it. Core statements on the tables, with named parameters; they
# change no object held in a session.
_REQUESTS = Request.__table__
_OUTBOX = OutboxMessage.__table__
_TAKE_LEASE = (
    update(_REQUESTS)
    .where(
        _REQUESTS.c.id == bindparam("request"),
        or_(
            _REQUESTS.c.outbox_lease_until.is_(None),
            _REQUESTS.c.outbox_lease_until < bindparam("now"),
        ),
    )
    .values(outbox_lease_until=bindparam("until"))
    .returning(_REQUESTS.c.id)
)
# The lease given back, unless it ran out and another process has it now.
_GIVE_BACK = (
    update(_REQUESTS)
    .where(_REQUESTS.c.id == bindparam("request"))
    .values(
        outbox_lease_until=case(
            (_REQUESTS.c.outbox_lease_until == bindparam("until"), None),
            else_=_REQUESTS.c.outbox_lease_until,
        )
    )
)
_DUE_HOMES = (
    select(_OUTBOX.c.id)
    .where(
        _OUTBOX.c.kind == outbox.HOME,
        _OUTBOX.c.status.in_(SENDABLE),
        _OUTBOX.c.next_attempt_at <= bindparam("now"),
    )
    .order_by(_OUTBOX.c.id)
    .limit(bindparam("limit"))
)
_DUE = (
    select(_OUTBOX.c.id, _OUTBOX.c.request_id)
    .where(_OUTBOX.c.status.in_(SENDABLE), _OUTBOX.c.next_attempt_at <= bindparam("now"))
    .order_by(_OUTBOX.c.id)
    .limit(bindparam("limit"))
)
# An effect about no request claimed (its status is its lease) and read, as the object it is
# built from.
_CLAIM = (
    update(OutboxMessage)
    .where(
        OutboxMessage.id == bindparam("effect"),
        OutboxMessage.status.in_(SENDABLE),
        OutboxMessage.next_attempt_at <= bindparam("now"),
    )
    .values(status="sending", next_attempt_at=bindparam("until"))
    .returning(OutboxMessage)
    .execution_options(**UNSYNCHRONIZED)
)
# Looked for after a change that queued one: the tracker issues to create (their payload names
# the request).
_DUE_ISSUES = (
    select(_OUTBOX.c.id, _OUTBOX.c.payload)
    .where(
        _OUTBOX.c.kind == outbox.TRACKER,
        _OUTBOX.c.request_id.is_(None),
        _OUTBOX.c.status.in_(SENDABLE),
        _OUTBOX.c.next_attempt_at <= bindparam("now"),
    )
    .order_by(_OUTBOX.c.id)
)
# A request's pending effects, as objects (the effects are built from them).
_PENDING = (
    select(OutboxMessage)
    .where(OutboxMessage.request_id == bindparam("request"), OutboxMessage.status == "pending")
    .order_by(OutboxMessage.id)
)
_OLDEST_PENDING = (
    select(_OUTBOX.c.id, _OUTBOX.c.next_attempt_at)
    .where(_OUTBOX.c.request_id == bindparam("request"), _OUTBOX.c.status == "pending")
    .order_by(_OUTBOX.c.id)
    .limit(1)
)
# Both at once, where the lease is given back: the request's oldest pending effect (`own`) and
# the due Home publishes.
_OLDEST_AND_HOMES = union_all(
    select(_OLDEST_PENDING.subquery(), true().label("own")),
    select(_DUE_HOMES.subquery(), null(), false()),
)
# What Slack's answer changes on the request (the card's channel, ts and link): the columns set
# are the parameters named after them.
_ANSWERED = update(_REQUESTS).where(_REQUESTS.c.id == bindparam("request"))


class Outbox:
    """Sends due outbox effects. Safe to run from many threads and processes at once."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        client_for: Callable[[str], WebClient],
        config_for: Callable[[str], LiaisonConfig],
        clock: Callable[[], datetime],
        senders: Mapping[str, Sender] = SENDERS,
        teams: TeamIds | None = None,
    ) -> None:
        missing = outbox.EFFECT_KINDS - senders.keys()
        if missing:
            raise ValueError(f"no sender for effect kinds {sorted(missing)}")
        self._sessions = sessions
        self._config_for = config_for
        self._clock = clock
        self._senders = senders
        self._teams = teams or TeamIds()
        # Keys ("request", request id) for a request's lease, ("effect", id) for an effect's.
        self._leases = HeldLeases()
        self._attempts = Attempts(
            sessions=sessions, client_for=client_for, config_of=self._config_of, clock=clock
        )

    def send_due(self, *, limit: int = 500) -> SendReport:
        """Send every due effect (up to `limit`), oldest first."""
        report = SendReport()
        with reading(self._sessions) as session:
            due = session.execute(_DUE, {"now": self._clock(), "limit": limit}).all()
        request_ids = list(dict.fromkeys(r.request_id for r in due if r.request_id is not None))
        for request_id in request_ids:
            self._send_for_request(request_id, report)
        for row in due:
            if row.request_id is None:
                self._send_standalone(row.id, report)
        return report

    def send_request(self, request_id: int) -> SendReport:
        """Send what is due for one request (called right after a handler commits), then the
        Home tabs waiting to be published (a change to a request queues them too)."""
        report = SendReport()
        homes = self._send_for_request(request_id, report, homes=True)
        for effect_id in homes:
            self._send_standalone(effect_id, report)
        return report

    def send_issue_of(self, request_id: int) -> SendReport:
        """Create the request's issue in its tracker when that is due (called right after the
        change that queued it), then send what the creation queued for the request. The
        `tracker` effect is about no request, so a tracker that is slow or down never holds the
        request's Slack messages; this runs beside them, not before."""
        report = SendReport()
        with reading(self._sessions) as session:
            due = session.execute(_DUE_ISSUES, {"now": self._clock()}).all()
        mine = [row.id for row in due if (row.payload or {}).get("request_id") == request_id]
        for effect_id in mine:
            self._send_standalone(effect_id, report)
        if mine:
            self.send_request(request_id)  # the card, thread note and DM naming the issue
        return report

    def send_homes(self) -> SendReport:
        """Publish the Home tabs that are due (called right after someone opens theirs)."""
        report = SendReport()
        with reading(self._sessions) as session:
            due = self._due_homes(session)
        for effect_id in due:
            self._send_standalone(effect_id, report)
        return report

    def _due_homes(self, session: Session) -> list[int]:
        return list(session.scalars(_DUE_HOMES, {"now": self._clock(), "limit": HOMES_LIMIT}))

    # -- stopping ---------------------------------------------------------------------------

    def stop(self) -> None:
        """Send nothing new: the sends under way finish their current effect and stop there."""
        self._leases.stop()

    def wait_idle(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the sends under way to end; True when they have."""
        return self._leases.wait_until_none(timeout)

    def release_leases(self) -> int:
        """Give back the leases this process still holds (a send that did not end in time), so
        another process takes them up at once; how many it gave back."""
        now = self._clock()
        released = 0
        with transaction(self._sessions) as session:
            for key, until in self._leases.held().items():
                kind, row_id = key  # type: ignore[misc]
                statement: Update = (
                    update(Request)
                    .where(Request.id == row_id, Request.outbox_lease_until == until)
                    .values(outbox_lease_until=None)
                    if kind == "request"
                    else update(OutboxMessage)
                    .where(OutboxMessage.id == row_id, OutboxMessage.next_attempt_at == until)
                    .where(OutboxMessage.status == "sending")
                    .values(status="pending", next_attempt_at=now)
                )
                released += session.execute(statement.returning(literal(1))).first() is not None
        return released

    # -- one request, in order, under a lease ------------------------------------------------

    def _send_for_request(
        self, request_id: int, report: SendReport, *, homes: bool = False
    ) -> list[int]:
        """Send the request's due effects in order, holding its lease. With `homes`, the ids of
        the Home publishes that are due, read in the transaction that gives the lease back."""
        key = ("request", request_id)
        while True:
            with transaction(self._sessions) as session:
                until = None if self._leases.stopping else self._take_lease(session, request_id)
                if until is None:
                    return self._due_homes(session) if homes else []
                # Read and built under the lease, in its transaction: one fewer, and no change
                # to the request commits between the lease and the read (it waits for the row).
                steps = self._next_steps(session, request_id)
                if not steps:  # nothing due; a handler queueing one now finds the lease free
                    session.execute(_GIVE_BACK, {"request": request_id, "until": until})
                    return self._due_homes(session) if homes else []
            self._leases.hold(key, until)  # once committed: a failed commit holds nothing
            try:
                more_due, due_homes = self._drain(request_id, until, steps, report, homes=homes)
            except Exception:
                with transaction(self._sessions) as session:  # give the lease back all the same
                    self._give_back(session, request_id, until, {}, homes=False)
                raise
            finally:
                self._leases.drop(key)
            if not more_due:
                return due_homes

    def _drain(
        self,
        request_id: int,
        until: datetime,
        steps: list[Step],
        report: SendReport,
        *,
        homes: bool,
    ) -> tuple[bool, list[int]]:
        """Send the steps in order, each with no transaction open and recorded in a transaction
        of its own; the record that ends them (the last step's, one whose effect waits for a
        retry, any once this process is stopping) gives the lease back. Returns whether an
        effect is due after all (a handler may have queued one while we held the lease, and left
        it to us) and, with `homes`, the due Home publishes."""
        while True:
            for index, step in enumerate(steps):
                outcome = self._attempts.attempt(step)
                updates = dict(outcome.result.request_updates) if outcome.result else {}
                with transaction(self._sessions) as session:
                    self._attempts.record(session, step, outcome, report)
                    if (
                        outcome.waits  # later effects wait for this one
                        or self._leases.stopping  # the rest is another process's
                        # Given back, it says whether more is due (queued meanwhile): then the
                        # lease is taken again, which is rarer than looking twice.
                        or index + 1 == len(steps)
                    ):
                        return self._give_back(session, request_id, until, updates, homes=homes)
                    if not updates:
                        continue  # the next one is built already, from the same state
                    session.execute(_ANSWERED, {"request": request_id, **updates})
                    # Slack's answer changed the request (the card's ts): the steps left are
                    # built again with it, here.
                    steps = self._rebuilt(session, steps[index + 1 :], updates)
                break

    def _rebuilt(self, session: Session, steps: list[Step], updates: dict[str, Any]) -> list[Step]:
        """`steps` built again from the request as it was read, with `updates` (Slack's answer,
        recorded in `session`). Not read again: what was queued meanwhile, and any state newer
        than the effects held, waits for the lease to be taken again (see `_give_back`)."""
        request = steps[0].effect.request
        assert request is not None
        for column, value in updates.items():
            setattr(request, column, value)  # detached from its session: nothing is written
        return [
            dataclasses.replace(
                step, effect=self._build(session, step.sender, step.effect.row, request)
            )
            for step in steps
        ]

    def _give_back(
        self,
        session: Session,
        request_id: int,
        until: datetime,
        updates: dict[str, Any],
        *,
        homes: bool,
    ) -> tuple[bool, list[int]]:
        """Release the lease (unless it ran out and another process has it now) and record
        Slack's `updates` to the request (the columns named by the parameters); whether an
        effect is due after all, and the due Home publishes."""
        session.execute(_GIVE_BACK, {"request": request_id, "until": until, **updates})
        # Looked for once the row is locked by the UPDATE above: a handler queueing an effect
        # from now on waits for this commit, then finds the lease free.
        now = self._clock()
        if not homes:
            oldest = session.execute(_OLDEST_PENDING, {"request": request_id}).first()
            return oldest is not None and oldest.next_attempt_at <= now, []
        rows = session.execute(
            _OLDEST_AND_HOMES, {"request": request_id, "now": now, "limit": HOMES_LIMIT}
        ).all()
        more_due = any(row.own and row.next_attempt_at <= now for row in rows)
        return more_due, sorted(row.id for row in rows if not row.own)

    def _take_lease(self, session: Session, request_id: int) -> datetime | None:
        """Lease the request's effects to this process; when the lease runs out, or None."""
        now = self._clock()
        until = now + LEASE
        taken = session.execute(
            _TAKE_LEASE, {"request": request_id, "now": now, "until": until}
        ).first()
        return until if taken is not None else None

    def _next_steps(self, session: Session, request_id: int) -> list[Step]:
        """The request's due effects in the order they were queued (at most MAX_PREPARED), each
        built from the request's current state; none when the oldest pending one is waiting for
        a retry (and the effects queued after it wait too)."""
        pending = list(session.scalars(_PENDING, {"request": request_id}))
        now = self._clock()
        if not pending or pending[0].next_attempt_at > now:
            return []
        # Read after the effects: a change commits its state and its card refresh together, so
        # (each statement seeing the latest commits, as on PostgreSQL) the state drawn is at
        # least as new as every refresh a step marks sent.
        request = session.get_one(Request, request_id)
        steps: list[Step] = []
        served: set[int] = set()
        for row in pending:
            if row.id in served:
                continue
            if row.next_attempt_at > now or len(steps) == MAX_PREPARED:
                break  # it waits for a retry, and the effects queued after it wait too
            sender = self._senders.get(row.kind)
            batch = [row]
            if sender is not None and sender.coalesces:
                # Drawn from the current state, so every queued one is served by one send.
                batch = [r for r in pending if r.kind == row.kind]
            served.update(r.id for r in batch)
            steps.append(
                Step(
                    team_id=self._team_id(session, row.workspace_id),
                    sender=sender,
                    effect=self._build(session, sender, row, request),
                    ids=[r.id for r in batch],
                )
            )
        return steps

    def _team_id(self, session: Session, workspace_id: int) -> str:
        """The Slack team of a workspace row (which never changes, so it is remembered)."""
        return self._teams.of(session, workspace_id)

    def _config_of(self, session: Session, workspace_id: int) -> LiaisonConfig:
        return self._config_for(self._team_id(session, workspace_id))

    def _build(
        self, session: Session, sender: Sender | None, row: OutboxMessage, request: Request | None
    ) -> Effect:
        effect = Effect(row=row, request=request, started=self._clock())
        if sender is None:
            return effect
        config = self._config_of(session, row.workspace_id)
        return dataclasses.replace(effect, content=sender.build(effect, session, config))

    # -- effects not tied to a request ----------------------------------------------------

    def _send_standalone(self, effect_id: int, report: SendReport) -> None:
        """Claim the effect (one pending, or one a process left "sending" past its lease), send
        it and record the outcome; nothing once this process is stopping."""
        if self._leases.stopping:
            return
        now = self._clock()
        with transaction(self._sessions) as session:
            row = session.scalars(
                _CLAIM, {"effect": effect_id, "now": now, "until": now + LEASE}
            ).first()
            if row is None:
                return
            team_id = self._team_id(session, row.workspace_id)
            sender = self._senders.get(row.kind)
            step = Step(team_id, sender, self._build(session, sender, row, None), [effect_id])
        key = ("effect", effect_id)
        self._leases.hold(key, now + LEASE)  # once committed: a failed commit holds nothing
        try:
            outcome = self._attempts.attempt(step)
            with transaction(self._sessions) as session:
                self._attempts.record(session, step, outcome, report)
        finally:
            self._leases.drop(key)
