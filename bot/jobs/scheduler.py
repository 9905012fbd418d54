"""The scheduler: periodic jobs that run beside (or apart from) the web server."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from apscheduler.schedulers.background import BackgroundScheduler

from bot.jobs import heartbeat
from bot.jobs.digest import post_digests
from bot.jobs.nudges import send_nudges
from bot.jobs.prune import prune_handled_events
from bot.jobs.reconcile import reconcile_cards
from bot.jobs.trackers import create_missing_issues, poll_trackers
from bot.jobs.trends import post_trends
from bot.jobs.usergroups import refresh_usergroups
from bot.runtime import ANSWERS_FIRST_SECONDS, Runtime
from bot.slack.membership import recheck_unusable_channels

log = logging.getLogger(__name__)

HANDLE_EVENTS = "handle-events"
SEND_OUTBOX = "send-outbox"
SEND_NUDGES = "send-nudges"
POST_WEEKLY_DIGEST = "post-weekly-digest"
POST_MONTHLY_TRENDS = "post-monthly-trends"
PRUNE_HANDLED_EVENTS = "prune-handled-events"
RECHECK_CHANNELS = "recheck-channels"
RECONCILE_CARDS = "reconcile-cards"
REFRESH_USERGROUPS = "refresh-usergroups"
POLL_TRACKERS = "poll-trackers"
CREATE_MISSING_ISSUES = "create-missing-issues"
HEARTBEAT = "heartbeat"


def handle_events(runtime: Runtime) -> None:
    """Handle the stored Slack events that are due: retries after failures, anything a crash
    left behind, and everything when web processes leave it to the worker
    (LIAISON_BACKGROUND=worker). In a web process it lets the answers in flight go first."""
    _answers_first(runtime)
    handled = runtime.inbox.handle_due()
    if handled:
        log.info("inbox: %s events handled", handled)


def send_outbox(runtime: Runtime) -> None:
    """Send what is due in the outbox: retries after failures, anything a crash left behind,
    and everything when web processes leave it to the worker (LIAISON_BACKGROUND=worker). In a
    web process it lets the answers in flight go first."""
    _answers_first(runtime)
    report = runtime.outbox.send_due()
    if report.sent or report.retrying or report.failed:
        log.info(
            "outbox: %s sent, %s retrying, %s failed",
            report.sent,
            report.retrying,
            len(report.failed),
        )


def _answers_first(runtime: Runtime) -> None:
    """Wait for a moment without answers in flight (at once in `liaison worker`, which answers
    nobody), as the work after an answer does, but never into the pass after this one."""
    interval = runtime.settings.background_poll_seconds
    runtime.answering.wait_until_quiet(min(ANSWERS_FIRST_SECONDS, 0.9 * interval))


def build_scheduler(runtime: Runtime) -> BackgroundScheduler:
    """A scheduler with Liaison's jobs, run on its own threads (also in `liaison worker`, whose
    main thread waits for SIGTERM: bot/serve.py)."""
    scheduler = BackgroundScheduler()
    # (job, id, interval): every job's effects are guarded by the database, so running them in
    # several processes is safe. A digest (and the monthly trends, on the 1st at the digest's
    # time) is posted on the first pass after its moment (or, after a restart, within the grace
    # period), once.
    jobs = (
        # Beats on its own thread: jobs that take long do not make the scheduler look late.
        (heartbeat.beat, HEARTBEAT, {"seconds": heartbeat.INTERVAL.total_seconds()}),
        (handle_events, HANDLE_EVENTS, {"seconds": runtime.settings.background_poll_seconds}),
        (send_outbox, SEND_OUTBOX, {"seconds": runtime.settings.background_poll_seconds}),
        (send_nudges, SEND_NUDGES, {"minutes": 5}),
        (post_digests, POST_WEEKLY_DIGEST, {"minutes": 5}),
        (post_trends, POST_MONTHLY_TRENDS, {"minutes": 5}),
        (_prune_handled_events, PRUNE_HANDLED_EVENTS, {"hours": 1}),
        (_recheck_channels, RECHECK_CHANNELS, {"minutes": 10}),
        (reconcile_cards, RECONCILE_CARDS, {"minutes": 10}),
        # Membership is read from the database while answering people; this keeps it fresh
        # (Slack's subteam events keep it fresher) and fills it on the first start.
        (_refresh_usergroups, REFRESH_USERGROUPS, {"minutes": 5}),
        # Trackers that cannot send webhooks (no public URL); each is polled every two minutes.
        (_poll_trackers, POLL_TRACKERS, {"minutes": 1}),
        # Requests committed before their department's tracker was linked get their issues.
        (_create_missing_issues, CREATE_MISSING_ISSUES, {"minutes": 5}),
    )
    for job, job_id, every in jobs:
        scheduler.add_job(
            job,
            "interval",
            **every,
            args=[runtime],
            id=job_id,
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now(UTC),
        )
    return scheduler


def _prune_handled_events(runtime: Runtime) -> None:
    deleted = prune_handled_events(runtime)
    if deleted:
        log.info("forgot %s handled event ids", deleted)


def _recheck_channels(runtime: Runtime) -> None:
    for channel in recheck_unusable_channels(runtime):
        log.info("Liaison is in %s now", channel)


def _refresh_usergroups(runtime: Runtime) -> None:
    report = refresh_usergroups(runtime)
    if report.failed:
        log.info("user groups: %s read, %s failed", len(report.read), len(report.failed))


def _create_missing_issues(runtime: Runtime) -> None:
    queued = create_missing_issues(runtime)
    if queued:
        log.info("trackers: %s issues queued for requests that had none", len(queued))


def _poll_trackers(runtime: Runtime) -> None:
    report = poll_trackers(runtime)
    if report.followed or report.failed:
        log.info(
            "trackers: %s issues followed, %s polls failed", report.followed, len(report.failed)
        )
