"""Handled event ids are forgotten after a week, in chunks; newer ones stay."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.db.session import transaction
from bot.domain.models import ProcessedEvent
from bot.jobs import prune
from bot.jobs.prune import KEPT_FOR, prune_handled_events
from tests.conftest import Liaison


def test_event_ids_older_than_a_week_are_forgotten(liaison: Liaison, db, monkeypatch) -> None:
    runtime = liaison.runtime
    now = liaison.clock()
    with transaction(runtime.sessions) as session:
        for n in range(5):
            session.add(
                ProcessedEvent(
                    event_id=f"EvOLD{n}", received_at=now - KEPT_FOR - timedelta(hours=n + 1)
                )
            )
        session.add(
            ProcessedEvent(event_id="EvRECENT", received_at=now - KEPT_FOR + timedelta(hours=1))
        )
    monkeypatch.setattr(prune, "CHUNK", 2)  # several chunks, each its own transaction

    assert prune_handled_events(runtime) == 5
    assert list(db.scalars(select(ProcessedEvent.event_id))) == ["EvRECENT"]
    assert prune_handled_events(runtime) == 0
