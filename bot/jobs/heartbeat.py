"""The scheduler's heartbeat: a row it rewrites every few seconds, which `/healthz` reads to say
whether a scheduler is running in this deployment (in `liaison run` or `liaison worker`)."""

from __future__ import annotations

import os
import socket
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.db.session import transaction
from bot.db.upsert import insert_ignoring_conflicts
from bot.domain.models import Heartbeat
from bot.runtime import Runtime

SCHEDULER = "scheduler"
INTERVAL = timedelta(seconds=30)
# Late once this many beats were missed: a pass or two can be delayed by a busy database.
LATE_AFTER = 3 * INTERVAL

SchedulerState = Literal["ok", "late", "absent"]


def beat(runtime: Runtime) -> None:
    """Record that this process's scheduler is alive, now."""
    with transaction(runtime.sessions) as session:
        record_beat(session, name=SCHEDULER, at=runtime.clock())


def record_beat(session: Session, *, name: str, at: datetime) -> None:
    who = f"{socket.gethostname()}:{os.getpid()}"[:128]
    values = {"name": name, "beat_at": at, "beaten_by": who}
    if not insert_ignoring_conflicts(session, Heartbeat, values, ["name"]):
        session.execute(
            update(Heartbeat).where(Heartbeat.name == name).values(beat_at=at, beaten_by=who)
        )


def last_beat(session: Session, name: str = SCHEDULER) -> datetime | None:
    return session.scalar(select(Heartbeat.beat_at).where(Heartbeat.name == name))


def scheduler_state(last: datetime | None, now: datetime) -> SchedulerState:
    """ "absent" when no scheduler ever beat, "late" when the last beat is too old, else "ok"."""
    if last is None:
        return "absent"
    return "late" if now - last > LATE_AFTER else "ok"
