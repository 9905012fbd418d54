"""Each definition's Python predicate and SQL expression agree, row by row, around local midnight
(Engineering is in Berlin, UTC+1 in December); and event kinds are an enum nothing else gets past.
"""

from __future__ import annotations

import ast
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, case, literal, select
from sqlalchemy.orm import Session

import bot.domain
from bot.config import LiaisonConfig
from bot.domain.calendar import calendar_for
from bot.domain.definitions import (
    DepartmentDates,
    Milestone,
    delivered_on_time,
    delivered_on_time_sql,
    first_at,
    first_at_sql,
    is_open,
    is_open_sql,
    is_overdue,
    is_overdue_sql,
    marks,
)
from bot.domain.lifecycle import EventKind, Status, Surface
from bot.domain.models import Department, Request, RequestEvent
from bot.domain.requests import record_event
from bot.slack import messages
from bot.slack.blocks.replies import EVENT_LABELS
from tests.conftest import ENGINEER, ENGINEER_2
from tests.domain.test_metrics import History, berlin

WEDNESDAY = date(2026, 12, 2)
# Moments either side of Berlin's midnights around Wednesday, and of UTC's.
MOMENTS = [
    berlin(12, 1, 23, 30),
    berlin(12, 2, 0, 0),
    berlin(12, 2, 0, 30),  # Tuesday 23:30 UTC
    berlin(12, 2, 12),
    berlin(12, 2, 23, 59),
    berlin(12, 3, 0, 30),  # Wednesday 23:30 UTC
    datetime(2026, 12, 3, 0, 0, tzinfo=UTC),
    berlin(12, 3, 1, 30),
]
COMMITTED = [None, WEDNESDAY - timedelta(days=1), WEDNESDAY, WEDNESDAY + timedelta(days=1)]


def _as_bool(condition) -> object:  # type: ignore[no-untyped-def]
    return case((condition, True), else_=False)


def _dates(config: LiaisonConfig) -> DepartmentDates:
    calendars = {d.key: calendar_for(d, config.organization) for d in config.departments}
    return DepartmentDates(calendars, Department.key)


def _with_department(*columns):  # type: ignore[no-untyped-def]
    return select(Request.id, *columns).join(
        Department, Department.id == Request.fulfilling_department_id
    )


@pytest.mark.parametrize("status", list(Status))
def test_open_is_the_same_in_python_and_sql(engine: Engine, status: Status) -> None:
    with Session(engine) as session:
        in_sql = session.scalar(select(_as_bool(is_open_sql(literal(status.value)))))
    assert bool(in_sql) is is_open(status) is status.is_open
    assert is_open(status) is (status not in (Status.DELIVERED, Status.DECLINED, Status.CANCELLED))


def test_on_time_is_the_same_in_python_and_sql(engine: Engine, config: LiaisonConfig) -> None:
    calendar = calendar_for(config.find_department("eng"), config.organization)
    expected = {}
    with Session(engine) as session, session.begin():
        h = History(session, config)
        for delivered_at in MOMENTS:
            for committed in COMMITTED:
                request = h.file(berlin(11, 30, 9), committed_date=committed)
                h.deliver(request, delivered_at)
                expected[request.id] = delivered_on_time(committed, delivered_at, calendar) is True
        start, end = min(MOMENTS), max(MOMENTS) + timedelta(minutes=1)
        on_time = delivered_on_time_sql(
            Request.committed_date, Request.delivered_at, _dates(config), start=start, end=end
        )
        found = dict(session.execute(_with_department(_as_bool(on_time))).all())
    assert {key: bool(value) for key, value in found.items()} == expected
    # Delivered at 00:30 in Berlin, still Tuesday in UTC: on time for Wednesday, late for Tuesday.
    assert delivered_on_time(WEDNESDAY, berlin(12, 2, 0, 30), calendar) is True
    assert delivered_on_time(WEDNESDAY - timedelta(days=1), berlin(12, 2, 0, 30), calendar) is False
    # Thursday 00:30 in Berlin, still Wednesday in UTC: late.
    assert delivered_on_time(WEDNESDAY, berlin(12, 3, 0, 30), calendar) is False
    assert delivered_on_time(None, berlin(12, 2, 12), calendar) is None


def test_overdue_is_the_same_in_python_and_sql(engine: Engine, config: LiaisonConfig) -> None:
    calendar = calendar_for(config.find_department("eng"), config.organization)
    with Session(engine) as session, session.begin():
        h = History(session, config)
        rows = {}
        for status in (Status.COMMITTED, Status.AT_RISK, Status.NEEDS_INFO, Status.DELIVERED):
            for committed in COMMITTED:
                request = h.file(berlin(11, 30, 9), committed_date=committed)
                h.move(request, berlin(11, 30, 10), status.value, status)
                rows[request.id] = (status, committed)
        for now in MOMENTS:
            overdue = is_overdue_sql(
                Request.status, Request.committed_date, now=now, dates=_dates(config)
            )
            found = dict(session.execute(_with_department(_as_bool(overdue))).all())
            expected = {
                key: is_overdue(status, committed, now=now, calendar=calendar)
                for key, (status, committed) in rows.items()
            }
            assert {key: bool(value) for key, value in found.items()} == expected, now
    # Thursday 00:30 in Berlin is still Wednesday in UTC: a Wednesday commitment is overdue.
    assert is_overdue(Status.COMMITTED, WEDNESDAY, now=berlin(12, 3, 0, 30), calendar=calendar)
    assert not is_overdue(Status.COMMITTED, WEDNESDAY, now=berlin(12, 2, 23, 59), calendar=calendar)
    assert not is_overdue(Status.DELIVERED, WEDNESDAY, now=berlin(12, 4, 9), calendar=calendar)


def test_first_milestones_are_the_same_in_python_and_sql(
    engine: Engine, config: LiaisonConfig
) -> None:
    with Session(engine) as session, session.begin():
        h = History(session, config)
        # Assigned by a lead just after midnight, released, claimed, estimated twice, committed,
        # at risk, committed again.
        busy = h.file(berlin(12, 1, 9))
        h.reassign(busy, berlin(12, 2, 0, 30), ENGINEER)
        h.unclaim(busy, berlin(12, 2, 9))
        h.claim(busy, berlin(12, 2, 10), ENGINEER_2)
        h.estimate(busy, berlin(12, 2, 11), ENGINEER_2, 2)
        h.move(busy, berlin(12, 2, 12), "estimated", actor=ENGINEER_2, data={"days": 3})
        h.commit(busy, berlin(12, 2, 12), WEDNESDAY)
        h.move(busy, berlin(12, 2, 13), "at_risk", Status.AT_RISK)
        h.commit(busy, berlin(12, 2, 14), WEDNESDAY, kind="accepted")
        untouched = h.file(berlin(12, 1, 9))
        for request, expected in (
            (
                busy,
                {
                    Milestone.CLAIMED: berlin(12, 2, 0, 30),
                    Milestone.ESTIMATED: berlin(12, 2, 11),
                    Milestone.COMMITTED: berlin(12, 2, 12),
                },
            ),
            (untouched, dict.fromkeys(Milestone)),
        ):
            events = session.scalars(
                select(RequestEvent).where(RequestEvent.request_id == request.id)
            ).all()
            for milestone in Milestone:
                in_python = first_at(milestone, events)
                in_sql = session.scalar(
                    select(first_at_sql(milestone, Request.id)).where(Request.id == request.id)
                )
                assert in_python == in_sql == expected[milestone], milestone
    assert marks(Milestone.CLAIMED, kind=EventKind.REASSIGNED, to_status=None)
    assert not marks(Milestone.CLAIMED, kind=EventKind.UNCLAIMED, to_status=Status.NEW)
    assert marks(Milestone.COMMITTED, kind=EventKind.ACCEPTED, to_status=Status.COMMITTED)
    assert not marks(Milestone.COMMITTED, kind=EventKind.ACCEPTED, to_status=None)


# -- event kinds -----------------------------------------------------------------------------


def test_every_event_kind_has_a_label_in_the_timeline() -> None:
    assert set(EVENT_LABELS) == set(EventKind)


def test_an_unknown_event_kind_cannot_be_recorded(engine: Engine, config: LiaisonConfig) -> None:
    with Session(engine) as session, session.begin():
        request = History(session, config).file(berlin(12, 1, 9))
        with pytest.raises(ValueError, match="shipped"):
            record_event(
                session,
                request=request,
                actor=ENGINEER,
                kind="shipped",  # type: ignore[arg-type]
                surface=Surface.BUTTON,
                now=berlin(12, 1, 10),
            )
        event = record_event(
            session,
            request=request,
            actor=ENGINEER,
            kind=EventKind.CLAIMED,
            surface=Surface.BUTTON,
            now=berlin(12, 1, 10),
        )
        assert type(event.values["kind"]) is str and event.values["kind"] == "claimed"
        request_id = request.id
    with Session(engine) as session:  # written when the change commits
        kinds = session.scalars(
            select(RequestEvent.kind).where(RequestEvent.request_id == request_id)
        ).all()
    assert kinds == ["created", "claimed"]


def _literal_arguments(function: str) -> set[str]:
    """The string literals passed as the change to `function` anywhere in the domain."""
    found = set()
    for path in Path(bot.domain.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == function
            ):
                found |= {
                    argument.value
                    for argument in node.args
                    if isinstance(argument, ast.Constant) and isinstance(argument.value, str)
                }
    return found


def test_every_change_the_workflow_tells_has_a_message() -> None:
    """A change noted in the card's thread or told by DM has its words, found here rather than
    by the outbox when it renders the message."""
    in_thread = _literal_arguments("_note")
    direct = _literal_arguments("_dm") | _literal_arguments("_tell_requester")
    assert len(in_thread) > 10 and len(direct) > 10  # the calls were found at all
    assert in_thread <= set(messages._THREAD), in_thread - set(messages._THREAD)
    assert direct <= set(messages._DIRECT), direct - set(messages._DIRECT)
    # Where a note is about a recorded change, it goes by the event's kind.
    assert {kind for kind in EventKind if kind.value in in_thread} >= {
        EventKind.CLAIMED,
        EventKind.ESTIMATED,
        EventKind.COMMITTED,
        EventKind.DELIVERED,
        EventKind.DECLINED,
    }
