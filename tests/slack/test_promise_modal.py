"""The intake modal shows the team's earliest realistic date, warns about an earlier desired
date (asking to confirm a hard deadline), and remembers a request filed despite the warning."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from bot.domain.metrics import compute_stats
from bot.domain.models import Request
from bot.runtime import REALISTIC_SECONDS
from tests.conftest import DEFAULT_CONFIG, ENGINEER, SALES_REP, Liaison
from tests.domain.test_calibration import history
from tests.fakes.signer import build_state_values
from tests.slack.helpers import file_request, react

# No history: a working week of Engineering's (Berlin) time from Tuesday 1 Dec 16:00.
HINT = "Realistic: Tue 8 Dec · 0 requests ahead · not enough history yet"
WARNING = "This would likely be at risk: realistic is Tue 8 Dec"


def open_intake(liaison: Liaison) -> dict[str, Any]:
    before = len(liaison.fake.calls_to("views.open"))
    liaison.slack.command(SALES_REP, "")
    return liaison.fake.wait_for("views.open", count=before + 1)[-1].response["view"]


def block(view: dict[str, Any], block_id: str) -> dict[str, Any] | None:
    return next((b for b in view["blocks"] if b.get("block_id") == block_id), None)


def note(view: dict[str, Any], block_id: str) -> str | None:
    found = block(view, block_id)
    return found["elements"][0]["text"] if found else None


def change(
    liaison: Liaison, view: dict[str, Any], block_id: str, value: str, **state: object
) -> dict[str, Any]:
    """The person changes `block_id` to `value` (the other inputs hold `state`); Slack sends
    the block action with the view as it is, and the app updates it."""
    before = len(liaison.fake.calls_to("views.update"))
    sent = copy.deepcopy(view)
    sent["state"] = {"values": build_state_values(view["blocks"], {**state, block_id: value})}
    kind = {"desired_date": "value", "deadline": "selected_option_value"}
    arguments = {kind.get(block_id, "selected_option_value"): value}
    response = liaison.slack.block_action(
        SALES_REP, "value", block_id=block_id, view=sent, **arguments
    )
    assert response.status_code == 200
    update = liaison.fake.wait_for("views.update", count=before + 1)[-1]
    assert update.response["ok"], update.response
    assert (update.params["view_id"], update.params["hash"]) == (view["id"], view["hash"])
    return update.response["view"]


def test_the_modal_opens_with_the_realistic_date(liaison: Liaison) -> None:
    view = open_intake(liaison)
    assert note(view, "realistic") == HINT
    assert block(view, "desired_date")["dispatch_action"] is True


def test_with_history_the_hint_says_from_how_many_deliveries(
    liaison: Liaison, engine: Engine, config, clock
) -> None:
    history(engine, config, "UENG1", 5)  # five deliveries that took 2 working days each
    clock.set(datetime(2026, 12, 3, 15, tzinfo=UTC))  # Thursday, after the last of them
    view = open_intake(liaison)
    assert note(view, "realistic") == "Realistic: Mon 7 Dec · 0 requests ahead · from 5 deliveries"


def test_an_early_date_is_flagged_and_a_late_one_is_not(liaison: Liaison) -> None:
    view = open_intake(liaison)
    early = change(liaison, view, "desired_date", "2026-12-04", title="Export")
    assert note(early, "date_warning") == WARNING
    assert block(early, "file_anyway") is None  # a soft date needs no confirmation
    assert note(early, "realistic") == HINT

    late = change(liaison, early, "desired_date", "2026-12-15", title="Export")
    assert block(late, "date_warning") is None
    assert block(late, "desired_date")["element"]["initial_date"] == "2026-12-15"


def test_a_soft_early_date_is_filed_and_remembered(liaison: Liaison, db) -> None:
    view = open_intake(liaison)
    view = change(liaison, view, "desired_date", "2026-12-04", title="Export")
    submitted = liaison.slack.view_submission(
        view, SALES_REP, {"title": "Export", "desired_date": "2026-12-04"}
    )
    assert submitted.text == ""
    liaison.settle()  # filed after the answer
    assert db.scalars(select(Request)).one().filed_despite_warning is True


def test_a_late_date_is_not_counted_as_despite_a_warning(liaison: Liaison, db) -> None:
    view = open_intake(liaison)
    submitted = liaison.slack.view_submission(
        view, SALES_REP, {"title": "Export", "desired_date": "2026-12-15", "deadline": "hard"}
    )
    assert submitted.text == ""
    liaison.settle()
    assert db.scalars(select(Request)).one().filed_despite_warning is False


def test_a_hard_deadline_before_the_realistic_date_asks_to_confirm(
    liaison: Liaison, db, engine: Engine, config
) -> None:
    view = open_intake(liaison)
    view = change(liaison, view, "desired_date", "2026-12-04", title="Export")
    view = change(liaison, view, "deadline", "hard", title="Export", desired_date="2026-12-04")
    assert note(view, "date_warning") == WARNING
    box = block(view, "file_anyway")
    assert box["element"]["options"][0]["text"]["text"] == "I know, file it anyway"

    values = {"title": "Export", "desired_date": "2026-12-04", "deadline": "hard"}
    refused = liaison.slack.view_submission(view, SALES_REP, values).json()
    assert refused["response_action"] == "errors"
    assert list(refused["errors"]) == ["file_anyway"]
    assert db.scalars(select(Request)).all() == []

    filed = liaison.slack.view_submission(view, SALES_REP, {**values, "file_anyway": ["yes"]})
    assert filed.text == ""
    liaison.settle()
    request = db.scalars(select(Request)).one()
    assert (request.hard_deadline, request.filed_despite_warning) == (True, True)

    with Session(engine) as session:
        stats = compute_stats(
            session,
            config=config,
            start=datetime(2026, 11, 30, tzinfo=UTC),
            end=datetime(2026, 12, 2, tzinfo=UTC),
        )
    assert stats[0].as_json()["filed_despite_warning"] == 1


def test_a_hard_deadline_changed_unseen_shows_the_box_at_submission(liaison: Liaison, db) -> None:
    view = open_intake(liaison)
    values = {"title": "Export", "desired_date": "2026-12-04", "deadline": "hard"}
    answer = liaison.slack.view_submission(view, SALES_REP, values).json()
    assert answer["response_action"] == "update"
    assert block(answer["view"], "file_anyway") is not None
    assert db.scalars(select(Request)).all() == []


class TestSeveralTeams:
    @pytest.fixture
    def config_text(self) -> str:
        return (
            DEFAULT_CONFIG
            + """
[[departments]]
key = "data"
name = "Data"
role = "fulfiller"
intake_channel = "CDATAINTAKE"
members = ["UDATA1"]
timezone = "America/New_York"
"""
        )

    def test_choosing_the_team_shows_its_realistic_date(self, liaison: Liaison) -> None:
        view = open_intake(liaison)
        assert block(view, "realistic") is None
        chosen = change(liaison, view, "fulfilling_department", "data", title="Churn")
        # Tuesday 1 Dec 10:00 in New York: a working week ends on Tuesday 8 Dec at 10:00.
        assert note(chosen, "realistic") == HINT
        select_block = block(chosen, "fulfilling_department")
        assert select_block["element"]["initial_option"]["value"] == "data"


def test_the_realistic_date_is_reused_for_a_few_seconds(liaison: Liaison, db, clock) -> None:
    """Reading the team's queue costs more than anything else before a submission's answer, so
    each process reuses a department's figure for REALISTIC_SECONDS."""
    assert "0 requests ahead" in (note(open_intake(liaison), "realistic") or "")
    react(liaison, file_request(liaison, db), ENGINEER, "raising_hand")  # one taken on
    assert "0 requests ahead" in (note(open_intake(liaison), "realistic") or "")
    clock.advance(seconds=REALISTIC_SECONDS)
    assert "1 request ahead" in (note(open_intake(liaison), "realistic") or "")
