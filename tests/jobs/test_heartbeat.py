"""`/healthz` says whether a scheduler runs in this deployment, from the heartbeat it writes:
"absent" before any scheduler beat, "ok" while it beats, "late" once it stopped; never a 503."""

from __future__ import annotations

from typing import Any

import httpx

from bot.jobs.heartbeat import LATE_AFTER
from bot.jobs.scheduler import HEARTBEAT, build_scheduler
from tests.conftest import Clock, Liaison


def health(liaison: Liaison) -> dict[str, Any]:
    response = httpx.get(liaison.url + "/healthz")
    assert response.status_code == 200
    return response.json()


def beat_as_the_scheduler_does(liaison: Liaison) -> None:
    """Run the scheduler's heartbeat job once, as its next pass would."""
    job = build_scheduler(liaison.runtime).get_job(HEARTBEAT)
    job.func(*job.args)


def test_healthz_reports_the_scheduler_absent_fresh_and_late(
    liaison: Liaison, clock: Clock
) -> None:
    state = health(liaison)
    assert state["scheduler"] == "absent" and state["scheduler_beat_at"] is None

    beat_as_the_scheduler_does(liaison)
    beaten_at = clock.now
    state = health(liaison)
    assert state["scheduler"] == "ok"
    assert state["scheduler_beat_at"] == beaten_at.isoformat()

    clock.advance(seconds=LATE_AFTER.total_seconds())
    assert health(liaison)["scheduler"] == "ok"  # a missed pass or two is not late yet

    clock.advance(seconds=1)  # the scheduler stopped: late, and the web still answers 200
    state = health(liaison)
    assert state["scheduler"] == "late"
    assert state["scheduler_beat_at"] == beaten_at.isoformat()
    assert state["status"] == "ok" and state["database"] is True

    beat_as_the_scheduler_does(liaison)  # another scheduler (or the same, restarted) beats
    state = health(liaison)
    assert state["scheduler"] == "ok" and state["scheduler_beat_at"] == clock.now.isoformat()


def test_the_scheduler_beats_as_often_as_healthz_expects(liaison: Liaison) -> None:
    job = build_scheduler(liaison.runtime).get_job(HEARTBEAT)
    assert job.trigger.interval * 3 <= LATE_AFTER
