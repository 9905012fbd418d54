"""A lead's overrides as domain rules: who may reassign, set the committed date, reopen and close
a stale request, in which states, what each records and whom it tells; and how a reopened
request counts in the figures.

Engineering works 09:00-17:00 in Berlin; Monday 2 November 2026, 08:00 UTC is 09:00 there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.config import LiaisonConfig
from bot.db.session import make_session_factory, transaction
from bot.domain import filing, outbox
from bot.domain.definitions import closing_stands
from bot.domain.digest import build_digest
from bot.domain.lifecycle import EventKind, Status, Surface
from bot.domain.metrics import compute_stats
from bot.domain.models import OutboxMessage, Request, RequestEvent
from bot.domain.people import Directory
from bot.domain.requests import RequestDraft
from bot.domain.workflow import Attempt, Done, DoneCode, Refusal, RefusalCode, Workflow
from tests.conftest import ENG_LEAD, ENGINEER, ENGINEER_2, SALES_LEAD, SALES_REP, workspace_with

MONDAY = datetime(2026, 11, 2, 8, tzinfo=UTC)
R, M, H = Surface.REACTION, Surface.MODAL, Surface.HOME


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with transaction(make_session_factory(engine)) as session:
        yield session


def flow(session: Session, config: LiaisonConfig, now: datetime = MONDAY) -> Workflow:
    directory = Directory(config, lambda _: frozenset({ENGINEER, ENGINEER_2}))
    return Workflow(session, config=config, directory=directory, now=now)


def filed(session: Session, config: LiaisonConfig, desired: date | None = None) -> Request:
    workspace = workspace_with(session, team_id="T0001", config=config, now=MONDAY)
    return filing.file_request(
        session,
        workspace=workspace,
        requester_id=SALES_REP,
        requesting_department="sales",
        draft=RequestDraft(title="Work", desired_date=desired, fulfilling_department="eng"),
        surface=M,
        now=MONDAY,
    )


def committed(session: Session, config: LiaisonConfig) -> Request:
    """Claimed by ENGINEER, estimated at 2 days, committed for Friday 6 November."""
    request = filed(session, config, desired=date(2026, 11, 6))
    wf = flow(session, config)
    wf.claim(request, ENGINEER, R)
    wf.estimate(request, ENGINEER, 2, R)
    assert (request.status, request.committed_date) == (Status.COMMITTED, date(2026, 11, 6))
    return request


def at_risk(session: Session, config: LiaisonConfig) -> Request:
    request = filed(session, config, desired=date(2026, 11, 3))
    wf = flow(session, config)
    wf.claim(request, ENGINEER, R)
    wf.estimate(request, ENGINEER, 5, R)
    assert request.status is Status.AT_RISK
    return request


def last_event(session: Session, request: Request) -> RequestEvent:
    session.flush()
    return session.scalars(
        select(RequestEvent)
        .where(RequestEvent.request_id == request.id)
        .order_by(RequestEvent.id.desc())
    ).first()


def notes(session: Session, request: Request) -> list[tuple[str | None, str]]:
    """(channel or None for the thread, change) of the notes queued about `request`."""
    session.flush()
    return [
        (None if m.in_thread else m.channel, (m.payload or {}).get("change"))
        for m in session.scalars(
            select(OutboxMessage)
            .where(
                OutboxMessage.request_id == request.id,
                OutboxMessage.template.in_([outbox.THREAD_NOTE, outbox.DIRECT_NOTE]),
            )
            .order_by(OutboxMessage.id)
        )
    ]


def refused(action, code: RefusalCode) -> Refusal:
    with pytest.raises(Refusal) as caught:
        action()
    assert caught.value.code is code
    return caught.value


# -- reassign --------------------------------------------------------------------------------


def test_a_reassignment_names_the_lead_and_tells_both_engineers_and_the_requester(
    session: Session, config: LiaisonConfig
) -> None:
    request = committed(session, config)
    before = notes(session, request)

    flow(session, config).reassign(request, ENG_LEAD, ENGINEER_2, H)

    assert request.claimer_id == ENGINEER_2
    event = last_event(session, request)
    assert (event.kind, event.actor, event.surface, event.data) == (
        "reassigned",
        ENG_LEAD,
        "home",
        {"from": ENGINEER, "to": ENGINEER_2},
    )
    assert notes(session, request)[len(before) :] == [
        (None, "reassigned"),
        (ENGINEER_2, "assigned_to_you"),
        (ENGINEER, "unassigned"),
        (SALES_REP, "reassigned"),
    ]


def test_only_the_fulfilling_departments_leads_reassign(
    session: Session, config: LiaisonConfig
) -> None:
    request = committed(session, config)
    wf = flow(session, config)
    for user in (SALES_LEAD, ENGINEER):
        refusal = refused(
            lambda u=user: wf.reassign(request, u, ENGINEER_2, M), RefusalCode.LEADS_ONLY
        )
        assert refusal.facts == {"departments": ["Engineering"], "attempt": Attempt.REASSIGN}
    assert request.claimer_id == ENGINEER


# -- the committed date ----------------------------------------------------------------------


def test_a_lead_commits_an_at_risk_request_for_the_agreed_date(
    session: Session, config: LiaisonConfig
) -> None:
    request = at_risk(session, config)
    before = notes(session, request)

    done = flow(session, config).set_committed_date(
        request, ENG_LEAD, date(2026, 11, 10), "Agreed with Sam on a call", M
    )

    assert done == Done(DoneCode.DATE_SET, reference=request.reference, day=date(2026, 11, 10))
    assert (request.status, request.committed_date) == (Status.COMMITTED, date(2026, 11, 10))
    event = last_event(session, request)
    assert (event.kind, event.actor, event.from_status, event.to_status, event.surface) == (
        "date_set",
        ENG_LEAD,
        "at_risk",
        "committed",
        "modal",
    )
    assert event.data == {
        "was": None,
        "committed": "2026-11-10",
        "reason": "Agreed with Sam on a call",
    }
    assert notes(session, request)[len(before) :] == [
        (None, "date_set"),
        (SALES_REP, "date_set"),
        (ENGINEER, "date_set_claimer"),
    ]
    # The negotiation is settled: there is nothing left to accept.
    refused(
        lambda: flow(session, config).accept_projection(request, SALES_REP, R),
        RefusalCode.NO_NEGOTIATION,
    )


def test_moving_a_committed_date_records_the_old_one(
    session: Session, config: LiaisonConfig
) -> None:
    request = committed(session, config)
    flow(session, config).set_committed_date(request, ENG_LEAD, date(2026, 11, 13), "Scope grew", M)
    assert last_event(session, request).data["was"] == "2026-11-06"
    assert last_event(session, request).from_status is None  # committed before and after

    again = flow(session, config).set_committed_date(
        request, ENG_LEAD, date(2026, 11, 13), "Same", M
    )
    assert again.code is DoneCode.SAME_DATE
    assert last_event(session, request).data["reason"] == "Scope grew"


def test_a_request_waiting_for_the_requester_resumes_as_committed(
    session: Session, config: LiaisonConfig
) -> None:
    request = at_risk(session, config)
    wf = flow(session, config)
    wf.ask_requester(request, ENGINEER, "Which format?", R)
    wf.set_committed_date(request, ENG_LEAD, date(2026, 11, 12), "Agreed", M)
    assert request.status is Status.NEEDS_INFO
    assert request.resume_status is Status.COMMITTED
    wf.answer_question(request, SALES_REP, "CSV", M)
    assert request.status in (Status.COMMITTED, Status.AT_RISK)
    assert request.committed_date == date(2026, 11, 12)


def test_who_may_set_the_committed_date_and_when(session: Session, config: LiaisonConfig) -> None:
    request = committed(session, config)
    wf = flow(session, config)
    later = date(2026, 11, 20)
    for user in (SALES_LEAD, ENGINEER, SALES_REP):
        refused(
            lambda u=user: wf.set_committed_date(request, u, later, "x", M), RefusalCode.LEADS_ONLY
        )
    refusal = refused(
        lambda: wf.set_committed_date(request, ENG_LEAD, date(2026, 11, 1), "x", M),
        RefusalCode.DATE_IN_PAST,
    )
    assert refusal.facts["today"] == date(2026, 11, 2)
    unclaimed = filed(session, config)
    refused(
        lambda: wf.set_committed_date(unclaimed, ENG_LEAD, later, "x", M), RefusalCode.NOT_CLAIMED
    )
    wf.deliver(request, ENGINEER, R)
    refused(
        lambda: wf.set_committed_date(request, ENG_LEAD, later, "x", M), RefusalCode.ALREADY_CLOSED
    )
    assert request.committed_date == date(2026, 11, 6)


# -- reopen ----------------------------------------------------------------------------------


def test_a_delivered_request_reopens_as_committed_and_both_sides_are_told(
    session: Session, config: LiaisonConfig
) -> None:
    request = committed(session, config)
    flow(session, config).deliver(request, ENGINEER, R)
    before = notes(session, request)

    flow(session, config, MONDAY + timedelta(days=1)).reopen(
        request, SALES_LEAD, "The export misses the VAT column", H
    )

    assert request.status is Status.COMMITTED
    assert request.delivered_at is None and request.closed_at is None
    event = last_event(session, request)
    assert (event.kind, event.actor, event.from_status, event.to_status, event.surface) == (
        "reopened",
        SALES_LEAD,
        "delivered",
        "committed",
        "home",
    )
    assert event.data == {"reason": "The export misses the VAT column"}
    assert notes(session, request)[len(before) :] == [
        (None, "reopened"),
        (SALES_REP, "reopened"),
        (ENGINEER, "reopened_claimer"),
    ]


def test_a_reopened_request_without_a_claimer_is_new_again(
    session: Session, config: LiaisonConfig
) -> None:
    request = filed(session, config)
    wf = flow(session, config)
    wf.deliver(request, ENG_LEAD, R)
    wf.reopen(request, ENG_LEAD, "Not done", M)
    assert request.status is Status.NEW
    assert notes(session, request)[-1] == (SALES_REP, "reopened")  # no claimer to tell


def test_who_may_reopen_and_when(session: Session, config: LiaisonConfig) -> None:
    request = committed(session, config)
    wf = flow(session, config)
    refused(lambda: wf.reopen(request, ENG_LEAD, "x", M), RefusalCode.NOT_DELIVERED)
    wf.deliver(request, ENGINEER, R)
    for user in (ENGINEER, SALES_REP):
        refusal = refused(lambda u=user: wf.reopen(request, u, "x", M), RefusalCode.LEADS_ONLY)
        assert refusal.facts["departments"] == ["Engineering", "Sales"]
    assert request.status is Status.DELIVERED


# -- close as stale --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lead", "outcome"), [(SALES_LEAD, Status.CANCELLED), (ENG_LEAD, Status.DECLINED)]
)
def test_a_lead_of_either_side_closes_a_stale_request(
    session: Session, config: LiaisonConfig, lead: str, outcome: Status
) -> None:
    request = committed(session, config)
    before = notes(session, request)

    flow(session, config).close_stale(request, lead, outcome, "Stale: no news in a month", M)

    assert request.status is outcome and request.closed_at == MONDAY
    assert request.decline_reason == (
        "Stale: no news in a month" if outcome is Status.DECLINED else None
    )
    event = last_event(session, request)
    assert (event.kind, event.actor, event.from_status, event.to_status) == (
        "closed",
        lead,
        "committed",
        outcome.value,
    )
    assert event.data == {"outcome": outcome.value, "reason": "Stale: no news in a month"}
    assert notes(session, request)[len(before) :] == [
        (None, "closed"),
        (SALES_REP, "closed"),
        (ENGINEER, "closed_claimer"),
    ]


def test_who_may_close_and_when(session: Session, config: LiaisonConfig) -> None:
    request = committed(session, config)
    wf = flow(session, config)
    for user in (ENGINEER, SALES_REP):
        refused(
            lambda u=user: wf.close_stale(request, u, Status.CANCELLED, "x", M),
            RefusalCode.LEADS_ONLY,
        )
    with pytest.raises(ValueError):
        wf.close_stale(request, ENG_LEAD, Status.DELIVERED, "x", M)
    wf.close_stale(request, ENG_LEAD, Status.CANCELLED, "Stale", M)
    refused(
        lambda: wf.close_stale(request, ENG_LEAD, Status.DECLINED, "x", M),
        RefusalCode.ALREADY_CLOSED,
    )
    refused(lambda: wf.reopen(request, ENG_LEAD, "x", M), RefusalCode.NOT_DELIVERED)


# -- the figures of a reopened request -------------------------------------------------------

WEEK = timedelta(days=7)
WEEK_1 = (MONDAY, MONDAY + WEEK)
WEEK_2 = (MONDAY + WEEK, MONDAY + 2 * WEEK)
WEEK_3 = (MONDAY + 2 * WEEK, MONDAY + 3 * WEEK)


def stats(engine: Engine, config: LiaisonConfig, period: tuple[datetime, datetime]):
    with Session(engine) as session:
        [pair] = compute_stats(session, config=config, start=period[0], end=period[1])
    return pair


def test_a_reopened_request_counts_as_delivered_once_by_its_last_delivery(
    engine: Engine, config: LiaisonConfig
) -> None:
    """Delivered on time in week 1 (Thursday for Friday), reopened in week 2 and delivered again
    after its committed date: week 1 loses the delivery, week 2 counts one late delivery."""
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        request = committed(session, config)
        flow(session, config, MONDAY + timedelta(days=3)).deliver(request, ENGINEER, R)
        request_id = request.id
    with Session(engine) as session:
        week_1 = compute_stats(session, config=config, start=WEEK_1[0], end=WEEK_1[1])[0]
    assert (week_1.delivered, week_1.delivered_on_time, week_1.on_time_rate) == (1, 1, 1.0)

    with transaction(sessions) as session:
        request = session.get_one(Request, request_id)
        flow(session, config, MONDAY + WEEK + timedelta(days=1)).reopen(
            request, ENG_LEAD, "Misses VAT", M
        )
    # Reopened and not delivered again: delivered nowhere, open (and overdue) at the ends.
    assert stats(engine, config, WEEK_1).delivered == 0
    assert stats(engine, config, WEEK_1).open == 0  # it was closed at the end of week 1
    reopened = stats(engine, config, WEEK_2)
    assert (reopened.delivered, reopened.open, reopened.overdue) == (0, 1, 1)

    with transaction(sessions) as session:
        request = session.get_one(Request, request_id)
        flow(session, config, MONDAY + WEEK + timedelta(days=2)).deliver(request, ENGINEER, R)
    week_1, week_2 = stats(engine, config, WEEK_1), stats(engine, config, WEEK_2)
    assert (week_1.delivered, week_1.delivered_on_time, week_1.on_time_rate) == (0, 0, None)
    assert (week_2.delivered, week_2.delivered_on_time, week_2.on_time_rate) == (1, 0, 0.0)
    assert (week_2.open, week_2.overdue) == (0, 0)
    # Its estimate accuracy runs from the first claim to the delivery that stood: 7 working
    # days (Monday 2 to Wednesday 11 November, 09:00) for 2 estimated.
    assert week_2.estimate_accuracy == pytest.approx(7 / 2)
    # The first claim and commitment still count where they happened.
    assert (week_1.claimed, week_1.committed, week_2.claimed, week_2.committed) == (1, 1, 0, 0)

    with Session(engine) as session:
        digest = build_digest(
            session, config=config, digest=config.digests[0], scheduled_for=WEEK_3[1]
        )
    weeks = {w["week_start"]: w for w in digest.payload["weeks"]}
    assert weeks[WEEK_1[0].date().isoformat()]["delivered"] == 0
    assert weeks[WEEK_2[0].date().isoformat()]["delivered"] == 1
    assert weeks[WEEK_2[0].date().isoformat()]["on_time_rate"] == 0.0


def test_closing_stands_until_a_later_reopening(session: Session, config: LiaisonConfig) -> None:
    request = committed(session, config)
    wf = flow(session, config)
    wf.deliver(request, ENGINEER, R)
    wf.reopen(request, ENG_LEAD, "Not done", M)
    wf.deliver(request, ENGINEER, R)
    session.flush()
    history = list(
        session.scalars(
            select(RequestEvent)
            .where(RequestEvent.request_id == request.id)
            .order_by(RequestEvent.id)
        )
    )
    deliveries = [e for e in history if e.kind == EventKind.DELIVERED]
    assert [closing_stands(e, history) for e in deliveries] == [False, True]


def test_a_reopened_request_closed_as_stale_counts_as_that_closing_only(
    engine: Engine, config: LiaisonConfig
) -> None:
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        request = committed(session, config)
        flow(session, config, MONDAY + timedelta(days=3)).deliver(request, ENGINEER, R)
        flow(session, config, MONDAY + timedelta(days=4)).reopen(request, SALES_LEAD, "No", M)
        flow(session, config, MONDAY + WEEK + timedelta(days=1)).close_stale(
            request, SALES_LEAD, Status.CANCELLED, "Stale", M
        )
    week_1, week_2 = stats(engine, config, WEEK_1), stats(engine, config, WEEK_2)
    assert (week_1.delivered, week_1.cancelled, week_1.open) == (0, 0, 1)
    assert (week_2.delivered, week_2.cancelled, week_2.open) == (0, 1, 0)
