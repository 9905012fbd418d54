"""The digest's figures, against a small history whose every number is worked out by hand.

Engineering works 09:00-17:00 in Berlin (UTC+1 in November). The weeks are UTC:
PREVIOUS = Mon 16 Nov - Mon 23 Nov 2026, WEEK = Mon 23 Nov - Mon 30 Nov 2026.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.config import LiaisonConfig, parse_config
from bot.domain.lifecycle import Status
from bot.domain.metrics import PairStats, compute_stats
from bot.domain.models import Department, Estimate, Request, RequestEvent
from tests.conftest import ENG_LEAD, ENGINEER, ENGINEER_2, SALES_REP, workspace_with

BERLIN = ZoneInfo("Europe/Berlin")
PREVIOUS = (datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))
WEEK = (datetime(2026, 11, 23, tzinfo=UTC), datetime(2026, 11, 30, tzinfo=UTC))

SPEC_KEYS = [
    "requesting",
    "fulfilling",
    "period_start",
    "period_end",
    "opened",
    "claimed",
    "estimated",
    "committed",
    "delivered",
    "declined",
    "cancelled",
    "delivered_on_time",
    "on_time_rate",
    "median_hours_to_claim",
    "median_hours_to_estimate",
    "estimate_accuracy",
    "promised_before_estimate",
    "at_risk",
    "overdue",
    "open",
    "load",
    "filed_despite_warning",
    "by_type",
]


def berlin(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BERLIN)


class History:
    """Writes requests and their events straight into the database, as the workflow would."""

    def __init__(self, session: Session, config: LiaisonConfig, team_id: str = "T0001") -> None:
        self.session = session
        self.workspace = workspace_with(
            session, team_id=team_id, config=config, now=datetime(2026, 11, 1, tzinfo=UTC)
        )
        self.departments = {
            d.key: d.id
            for d in session.scalars(
                select(Department).where(Department.workspace_id == self.workspace.id)
            )
        }
        self.numbers = 0

    def file(self, at: datetime, **columns: Any) -> Request:
        self.numbers += 1
        request = Request(
            workspace_id=self.workspace.id,
            number=self.numbers,
            title=f"Request {self.numbers}",
            requester_id=SALES_REP,
            requesting_department_id=self.departments["sales"],
            fulfilling_department_id=self.departments["eng"],
            status=Status.NEW,
            created_at=at,
            updated_at=at,
            **columns,
        )
        self.session.add(request)
        self.session.flush()
        self.move(request, at, "created", Status.NEW, actor=SALES_REP)
        return request

    def move(
        self,
        request: Request,
        at: datetime,
        kind: str,
        to: Status | None = None,
        *,
        actor: str = ENGINEER,
        data: dict[str, Any] | None = None,
    ) -> None:
        moved = to is not None and (kind == "created" or to is not request.status)
        self.session.add(
            RequestEvent(
                request_id=request.id,
                at=at,
                actor=actor,
                kind=kind,
                from_status=request.status.value if moved and kind != "created" else None,
                to_status=to.value if moved and to else None,
                surface="reaction",
                data=data or {},
            )
        )
        if to is not None:
            request.status = to
        request.updated_at = at
        self.session.flush()  # ids follow the order of the history

    def claim(self, request: Request, at: datetime, user: str) -> None:
        request.claimer_id = user
        self.move(request, at, "claimed", Status.CLAIMED, actor=user)

    def reassign(self, request: Request, at: datetime, user: str) -> None:
        data = {"from": request.claimer_id, "to": user}
        request.claimer_id = user
        to = Status.CLAIMED if request.status is Status.NEW else None
        self.move(request, at, "reassigned", to, actor=ENG_LEAD, data=data)

    def unclaim(self, request: Request, at: datetime) -> None:
        actor, request.claimer_id, request.committed_date = request.claimer_id, None, None
        self.move(request, at, "unclaimed", Status.NEW, actor=actor or ENGINEER)

    def estimate(self, request: Request, at: datetime, user: str, days: float) -> None:
        self.session.add(
            Estimate(
                request_id=request.id, estimator_id=user, days=days, created_at=at, updated_at=at
            )
        )
        request.estimate_days = float(days)
        self.move(request, at, "estimated", Status.ESTIMATED, actor=user, data={"days": days})

    def commit(self, request: Request, at: datetime, day: date, kind: str = "committed") -> None:
        request.committed_date = day
        self.move(request, at, kind, Status.COMMITTED, data={"committed": day.isoformat()})

    def deliver(self, request: Request, at: datetime) -> None:
        request.delivered_at = request.closed_at = at
        self.move(request, at, "delivered", Status.DELIVERED)


def build_history(session: Session, config: LiaisonConfig) -> None:
    h = History(session, config)

    # R1: filed Friday evening, claimed Monday 10:00 (1 business hour), estimated 2 d at 11:00
    # (2 h), committed for Wed 25, delivered that Wednesday at 15:00: on time. From the claim to
    # the delivery: 7 h + 8 h + 6 h = 2.625 working days, accuracy 2.625 / 2 = 1.3125.
    r1 = h.file(berlin(11, 20, 18), request_type="bug")
    h.claim(r1, berlin(11, 23, 10), ENGINEER)
    h.estimate(r1, berlin(11, 23, 11), ENGINEER, 2)
    h.commit(r1, berlin(11, 23, 11), date(2026, 11, 25))
    h.deliver(r1, berlin(11, 25, 15))

    # R2: claimed after 4 h, estimated 3 d after 8 h, committed for Fri 20, delivered Tue 24:
    # late. Claim to delivery 4 + 4 x 8 + 8 + 3 = 47 h = 5.875 d, accuracy 5.875 / 3.
    r2 = h.file(berlin(11, 16, 9), request_type="bug")
    h.claim(r2, berlin(11, 16, 13), ENGINEER_2)
    h.estimate(r2, berlin(11, 17, 9), ENGINEER_2, 3)
    h.commit(r2, berlin(11, 17, 9), date(2026, 11, 20))
    h.deliver(r2, berlin(11, 24, 12))

    # R3: promised to the client; claimed after 1.5 h, estimated 5 d after 8 h, at risk since.
    r3 = h.file(
        berlin(11, 17, 10),
        promised_to_client=True,
        desired_date=date(2026, 11, 20),
        request_type="feature",
    )
    h.claim(r3, berlin(11, 17, 11, 30), ENGINEER)
    h.estimate(r3, berlin(11, 18, 10), ENGINEER, 5)
    h.move(r3, berlin(11, 18, 10), "at_risk", Status.AT_RISK)

    # R4: declined without being claimed.
    r4 = h.file(berlin(11, 18, 9))
    h.move(r4, berlin(11, 18, 12), "declined", Status.DECLINED, actor=ENGINEER_2)

    # R5: filed and cancelled this week.
    r5 = h.file(berlin(11, 23, 9), request_type="bug")
    h.move(r5, berlin(11, 23, 15), "cancelled", Status.CANCELLED, actor=SALES_REP)

    # R6: claimed after 2 h, estimated 1 d after 3 h, committed for Tue 24 (not yet overdue at
    # the end of the previous week); this week at risk then accepted again (not a first
    # commitment), and still open on Monday 30: overdue.
    r6 = h.file(berlin(11, 18, 14))
    h.claim(r6, berlin(11, 18, 16), ENGINEER_2)
    h.estimate(r6, berlin(11, 19, 9), ENGINEER_2, 1)
    h.commit(r6, berlin(11, 19, 9), date(2026, 11, 24))
    h.move(r6, berlin(11, 23, 10), "at_risk", Status.AT_RISK)
    h.commit(r6, berlin(11, 23, 14), date(2026, 11, 24), kind="accepted")

    # R7: a lead assigns it to ENGINEER after 1 h (its first claim), estimated 2 d after 2 h,
    # committed for Tue 1 Dec; reassigned to ENGINEER_2 this week, delivered after the week.
    r7 = h.file(berlin(11, 19, 9), request_type="feature")
    h.reassign(r7, berlin(11, 19, 10), ENGINEER)
    h.estimate(r7, berlin(11, 19, 11), ENGINEER, 2)
    h.commit(r7, berlin(11, 19, 11), date(2026, 12, 1))
    h.reassign(r7, berlin(11, 23, 9), ENGINEER_2)
    h.deliver(r7, berlin(11, 30, 10))

    # R8: claimed after 1 h, estimated 3 d after 2 h and committed, released this week: nobody
    # holds it at the end of the week, though its estimate stays.
    r8 = h.file(berlin(11, 20, 9))
    h.claim(r8, berlin(11, 20, 10), ENGINEER)
    h.estimate(r8, berlin(11, 20, 11), ENGINEER, 3)
    h.commit(r8, berlin(11, 20, 11), date(2026, 12, 4))
    h.unclaim(r8, berlin(11, 23, 11))

    # R9: filed Tuesday 16:00, claimed Wednesday 09:30 (1.5 business hours), not estimated.
    r9 = h.file(berlin(11, 24, 16), request_type="feature")
    h.claim(r9, berlin(11, 25, 9, 30), ENGINEER)

    # R10: filed after the week: it counts nowhere.
    r10 = h.file(berlin(11, 30, 10))
    h.claim(r10, berlin(11, 30, 11), ENGINEER)


@pytest.fixture
def history(engine: Engine, config: LiaisonConfig) -> Engine:
    with Session(engine) as session, session.begin():
        build_history(session, config)
    return engine


def stats_for(
    engine: Engine, config: LiaisonConfig, period: tuple[datetime, datetime]
) -> PairStats:
    with Session(engine) as session:
        [stats] = compute_stats(session, config=config, start=period[0], end=period[1])
    return stats


def test_the_week(history: Engine, config: LiaisonConfig) -> None:
    stats = stats_for(history, config, WEEK)
    assert asdict(stats) == {
        "requesting": "sales",
        "fulfilling": "eng",
        "period_start": WEEK[0],
        "period_end": WEEK[1],
        "opened": 2,  # R5, R9
        "claimed": 2,  # R1, R9; R7's reassignment and R8's release are not first claims
        "estimated": 1,  # R1
        "committed": 1,  # R1; R6 was committed before
        "delivered": 2,  # R1, R2
        "declined": 0,
        "cancelled": 1,  # R5
        "delivered_on_time": 1,  # R1
        "on_time_rate": 0.5,
        "median_hours_to_claim": 1.25,  # R1 1 h (Friday evening to Monday 10:00), R9 1.5 h
        "median_hours_to_estimate": 2.0,  # R1
        "estimate_accuracy": pytest.approx((2.625 / 2 + 5.875 / 3) / 2),
        "promised_before_estimate": 0,
        "at_risk": 1,  # R3
        "overdue": 1,  # R6
        "open": 5,  # R3, R6, R7 (delivered after the end), R8, R9
        "load": {ENGINEER: 5.0, ENGINEER_2: 3.0},  # R3 | R6 + R7; R9 has no estimate
        "filed_despite_warning": 0,
        "by_type": {"bug": 1, "feature": 1},  # R5 | R9
    }


def test_the_previous_week(history: Engine, config: LiaisonConfig) -> None:
    stats = stats_for(history, config, PREVIOUS)
    assert asdict(stats) == {
        "requesting": "sales",
        "fulfilling": "eng",
        "period_start": PREVIOUS[0],
        "period_end": PREVIOUS[1],
        "opened": 7,  # R1-R4, R6-R8
        "claimed": 5,  # R2, R3, R6, R7 (by reassignment), R8
        "estimated": 5,  # R2, R3, R6, R7, R8
        "committed": 4,  # R2, R6, R7, R8
        "delivered": 0,
        "declined": 1,  # R4
        "cancelled": 0,
        "delivered_on_time": 0,
        "on_time_rate": None,
        "median_hours_to_claim": 1.5,  # 1, 1, 1.5, 2, 4
        "median_hours_to_estimate": 3.0,  # 2, 2, 3, 8, 8
        "estimate_accuracy": None,
        "promised_before_estimate": 1,  # R3
        "at_risk": 1,  # R3
        "overdue": 1,  # R2, committed for Friday 20 and still open
        "open": 6,  # R1, R2, R3, R6, R7, R8
        "load": {ENGINEER: 10.0, ENGINEER_2: 4.0},  # R3 + R7 + R8 | R2 + R6
        "filed_despite_warning": 0,
        "by_type": {"bug": 2, "feature": 2},  # R1, R2 | R3, R7; R4, R6, R8 have no type
    }


def test_the_week_split_by_type(history: Engine, config: LiaisonConfig) -> None:
    """Types: R1, R2, R5 bug; R3, R7, R9 feature; R4, R6, R8 none (R10 is after the week)."""
    with Session(history) as session:
        rows = compute_stats(session, config=config, start=WEEK[0], end=WEEK[1], by_type=True)
        [whole] = compute_stats(session, config=config, start=WEEK[0], end=WEEK[1])
    figures = {row.type: asdict(row) for row in rows}
    assert [row.type for row in rows] == ["bug", "feature", None]  # no types in this config
    common = {"requesting": "sales", "fulfilling": "eng", "period_start": WEEK[0]}
    common |= {"period_end": WEEK[1], "declined": 0, "promised_before_estimate": 0}
    common |= {"filed_despite_warning": 0, "by_type": {}}
    assert figures["bug"] == common | {
        "type": "bug",
        "opened": 1,  # R5
        "claimed": 1,  # R1
        "estimated": 1,
        "committed": 1,
        "delivered": 2,  # R1, R2
        "cancelled": 1,  # R5
        "delivered_on_time": 1,  # R1
        "on_time_rate": 0.5,
        "median_hours_to_claim": 1.0,
        "median_hours_to_estimate": 2.0,
        "estimate_accuracy": pytest.approx((2.625 / 2 + 5.875 / 3) / 2),
        "at_risk": 0,
        "overdue": 0,
        "open": 0,
        "load": {},
    }
    assert figures["feature"] == common | {
        "type": "feature",
        "opened": 1,  # R9
        "claimed": 1,  # R9
        "estimated": 0,
        "committed": 0,
        "delivered": 0,
        "cancelled": 0,
        "delivered_on_time": 0,
        "on_time_rate": None,
        "median_hours_to_claim": 1.5,
        "median_hours_to_estimate": None,
        "estimate_accuracy": None,
        "at_risk": 1,  # R3
        "overdue": 0,  # R7 is committed for Tuesday 1 December
        "open": 3,  # R3, R7, R9
        "load": {ENGINEER: 5.0, ENGINEER_2: 2.0},  # R3 | R7
    }
    untyped = figures[None]
    assert (untyped["opened"], untyped["claimed"], untyped["delivered"]) == (0, 0, 0)
    assert (untyped["open"], untyped["overdue"], untyped["at_risk"]) == (2, 1, 0)  # R6, R8 | R6
    assert untyped["load"] == {ENGINEER_2: 1.0}  # R6; R8 was released
    # The split adds up to the whole.
    for key in ("opened", "claimed", "delivered", "cancelled", "open", "overdue", "at_risk"):
        assert sum(row[key] for row in figures.values()) == getattr(whole, key)
    document = rows[0].as_json()
    assert list(document) == ["requesting", "fulfilling", "type", *SPEC_KEYS[2:-1]]


def test_the_split_follows_the_departments_types(engine: Engine) -> None:
    """The fulfilling department's types in its order, a retired one only when it has figures,
    a key no longer configured after them, and the untyped requests last."""
    config = parse_config(
        {
            "departments": [
                {"key": "sales", "name": "Sales", "role": "requester"},
                {"key": "eng", "name": "Engineering", "role": "fulfiller", "intake_channel": "C1"},
            ],
            "request_types": [
                {"department": "eng", "key": "feature", "name": "Feature"},
                {"department": "eng", "key": "old", "name": "Old", "retired": True},
                {"department": "eng", "key": "older", "name": "Older", "retired": True},
                {"department": "eng", "key": "bug", "name": "Bug"},
            ],
        }
    )
    with Session(engine) as session, session.begin():
        h = History(session, config)
        for kind in ("bug", "older", "gone", "bug", None):
            h.file(berlin(11, 24, 9), request_type=kind)
    with Session(engine) as session:
        rows = compute_stats(session, config=config, start=WEEK[0], end=WEEK[1], by_type=True)
        [whole] = compute_stats(session, config=config, start=WEEK[0], end=WEEK[1])
    assert [(row.type, row.opened) for row in rows] == [
        ("feature", 0),
        ("older", 1),
        ("bug", 2),
        ("gone", 1),
        (None, 1),
    ]
    assert whole.by_type == {"bug": 2, "gone": 1, "older": 1}  # the untyped one is left out


def test_a_request_delivered_after_the_end_was_open_at_the_end(
    history: Engine, config: LiaisonConfig
) -> None:
    before = stats_for(history, config, WEEK)
    after = stats_for(history, config, (WEEK[1], datetime(2026, 12, 7, tzinfo=UTC)))
    assert before.open == 5 and before.load[ENGINEER_2] == 3.0
    # R7 delivered on Monday 30, ahead of its committed Tuesday; R10 filed and claimed.
    assert (after.opened, after.claimed, after.delivered, after.delivered_on_time) == (1, 1, 1, 1)
    assert after.open == 5 and after.load == {ENGINEER: 5.0, ENGINEER_2: 1.0}


def test_the_json_has_exactly_the_spec_keys(history: Engine, config: LiaisonConfig) -> None:
    document = stats_for(history, config, WEEK).as_json()
    assert list(document) == SPEC_KEYS
    assert document["period_start"] == "2026-11-23T00:00:00+00:00"
    assert document["period_end"] == "2026-11-30T00:00:00+00:00"
    assert document["estimate_accuracy"] == 1.64
    assert document["load"] == {ENGINEER: 5.0, ENGINEER_2: 3.0}
    assert json.loads(json.dumps(document)) == document


def test_on_time_and_overdue_use_the_fulfilling_departments_dates(
    engine: Engine, config: LiaisonConfig
) -> None:
    wednesday = date(2026, 11, 25)
    with Session(engine) as session, session.begin():
        h = History(session, config)
        for delivered_at, committed in (
            (berlin(11, 25, 23, 30), wednesday),  # 22:30 UTC: on time
            (berlin(11, 26, 0, 30), wednesday),  # Wednesday in UTC, Thursday in Berlin: late
            (berlin(11, 25, 12), None),  # no date agreed: not in the rate
        ):
            request = h.file(berlin(11, 23, 9))
            h.claim(request, berlin(11, 23, 10), ENGINEER)
            if committed:
                h.commit(request, berlin(11, 23, 10), committed)
            h.deliver(request, delivered_at)
        still_open = h.file(berlin(11, 23, 9))
        h.claim(still_open, berlin(11, 23, 10), ENGINEER)
        h.commit(still_open, berlin(11, 23, 10), wednesday)
    # The end is Wednesday 23:45 in UTC but Thursday in Berlin: the open request is overdue.
    stats = stats_for(engine, config, (WEEK[0], datetime(2026, 11, 25, 23, 45, tzinfo=UTC)))
    assert (stats.delivered, stats.delivered_on_time, stats.on_time_rate) == (3, 1, 0.5)
    assert stats.estimate_accuracy is None  # none of them was estimated
    assert (stats.open, stats.overdue, stats.load) == (1, 1, {})


def test_only_the_workspace_asked_for(engine: Engine, config: LiaisonConfig) -> None:
    with Session(engine) as session, session.begin():
        first = History(session, config, team_id="T0001")
        first.file(berlin(11, 23, 9))
        second = History(session, config, team_id="T0002")
        second.file(berlin(11, 24, 9))
        second.file(berlin(11, 24, 10))
        workspace_id = first.workspace.id
    with Session(engine) as session:
        [mine] = compute_stats(
            session, config=config, start=WEEK[0], end=WEEK[1], workspace_id=workspace_id
        )
        [everyone] = compute_stats(session, config=config, start=WEEK[0], end=WEEK[1])
    assert (mine.opened, mine.open) == (1, 1)
    assert (everyone.opened, everyone.open) == (3, 3)


def test_half_days_and_long_estimates_count_as_they_are(
    engine: Engine, config: LiaisonConfig
) -> None:
    with Session(engine) as session, session.begin():
        h = History(session, config)
        # Half a day estimated, claimed Monday 09:00, delivered 17:00: a whole day, ×2.
        quick = h.file(berlin(11, 23, 8))
        h.claim(quick, berlin(11, 23, 9), ENGINEER)
        h.estimate(quick, berlin(11, 23, 9, 30), ENGINEER, 0.5)
        h.deliver(quick, berlin(11, 23, 17))
        # Still open at the end: 2.5 and 15 days of load.
        for days in (2.5, 15):
            r = h.file(berlin(11, 24, 9))
            h.claim(r, berlin(11, 24, 10), ENGINEER_2)
            h.estimate(r, berlin(11, 24, 11), ENGINEER_2, days)
    stats = stats_for(engine, config, WEEK)
    assert stats.estimated == 3
    assert stats.estimate_accuracy == 2.0
    assert stats.load == {ENGINEER_2: 17.5}


def test_every_pair_in_config_order_and_nothing_to_report(engine: Engine) -> None:
    config = parse_config(
        {
            "departments": [
                {"key": "sales", "name": "Sales", "role": "requester"},
                {"key": "cs", "name": "Success", "role": "both", "intake_channel": "CCS"},
                {"key": "eng", "name": "Engineering", "role": "fulfiller", "intake_channel": "CE"},
            ]
        }
    )
    with Session(engine) as session:
        stats = compute_stats(session, config=config, start=WEEK[0], end=WEEK[1])
    assert [(s.requesting, s.fulfilling) for s in stats] == [
        ("sales", "cs"),
        ("sales", "eng"),
        ("cs", "eng"),
    ]
    empty = stats[0].as_json()
    assert {key for key, value in empty.items() if value is None} == {
        "on_time_rate",
        "median_hours_to_claim",
        "median_hours_to_estimate",
        "estimate_accuracy",
    }
    assert empty["load"] == {}
    counted = {key: value for key, value in empty.items() if isinstance(value, int)}
    assert counted == dict.fromkeys(
        (
            "opened",
            "claimed",
            "estimated",
            "committed",
            "delivered",
            "declined",
            "cancelled",
            "delivered_on_time",
            "promised_before_estimate",
            "at_risk",
            "overdue",
            "open",
            "filed_despite_warning",
        ),
        0,
    )


def test_the_split_by_type_costs_the_same_statements_as_the_whole(
    history: Engine, config: LiaisonConfig
) -> None:
    """by_type comes from the rows the whole figures read, and the split groups the same
    queries by one more column: neither adds a statement, however many types there are."""
    from tests.slack.test_query_count import counting

    counted = []
    for by_type in (False, True):
        with counting(history) as statements, Session(history) as session:
            compute_stats(session, config=config, start=WEEK[0], end=WEEK[1], by_type=by_type)
        counted.append(len(statements))
    with Session(history) as session, session.begin():
        h = History(session, config, team_id="T0002")
        for n in range(6):
            h.file(berlin(11, 24, 9), request_type=f"kind{n}")
    with counting(history) as statements, Session(history) as session:
        compute_stats(session, config=config, start=WEEK[0], end=WEEK[1], by_type=True)
    assert counted[0] == counted[1] == len(statements)
