"""The scheduler: periodic jobs that run beside (or apart from) the web server."""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from bot.runtime import Runtime

log = logging.getLogger(__name__)

DELIVER_OUTBOX = "deliver-outbox"


def deliver_outbox(runtime: Runtime) -> None:
    """Send whatever is due: retries after Slack failures, and anything a crash left behind."""
    report = runtime.deliverer.deliver_due()
    if report.sent or report.retrying or report.failed:
        log.info(
            "outbox: %s sent, %s retrying, %s failed",
            report.sent,
            report.retrying,
            len(report.failed),
        )


def build_scheduler(runtime: Runtime, *, blocking: bool) -> BaseScheduler:
    """A scheduler with Liaison's jobs; `blocking` for a process that does nothing else."""
    scheduler: BaseScheduler = BlockingScheduler() if blocking else BackgroundScheduler()
    scheduler.add_job(
        deliver_outbox,
        "interval",
        seconds=20,
        args=[runtime],
        id=DELIVER_OUTBOX,
        max_instances=1,
        coalesce=True,
    )
    return scheduler
