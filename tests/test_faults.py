"""Faults: connections killed under the app, and Slack failing in every way."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select, text

from bot.db.models import OutboxMessage, Request
from tests.conftest import INTAKE_CHANNEL, SALES_REP, Liaison
from tests.slack.helpers import file_request


def test_the_app_recovers_after_its_connections_are_killed(
    liaison: Liaison, db, engine: Engine
) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL (TEST_DATABASE_URL)")
    file_request(liaison, db)
    with engine.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    listed = liaison.slack.command(SALES_REP, "list").json()
    assert "Export invoices" in str(listed)


def test_slack_failing_in_every_way_loses_and_doubles_nothing(liaison: Liaison, db) -> None:
    fake = liaison.fake
    fake.fail("chat.postMessage", status=500, times=1)
    fake.fail("chat.postMessage", status=429, retry_after=2, times=1)
    fake.fail("chat.postMessage", "internal_error", times=1)
    liaison.slack.command(SALES_REP, "")
    view = fake.wait_for("views.open")[-1].response["view"]
    filed = liaison.slack.view_submission(view, SALES_REP, {"title": "Survives"})
    assert filed.status_code == 200 and filed.text == ""
    liaison.settle()
    assert db.scalars(select(Request)).one().card_ts is None  # stored although Slack failed
    for _ in range(6):  # the scheduler's retries, with time moving on instead of sleeping
        liaison.clock.advance(minutes=2)
        liaison.runtime.deliverer.deliver_due()
    assert db.scalars(select(Request)).one().card_ts
    ok = [c for c in fake.calls_to("chat.postMessage") if c.response.get("ok")]
    assert [c.params["channel"] for c in ok] == [INTAKE_CHANNEL, SALES_REP]
    assert db.scalar(select(func.count()).where(OutboxMessage.status != "sent")) == 0
