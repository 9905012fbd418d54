"""The tracker jobs. `create-missing-issues`: a tracker linked to a department (in Settings or
the file) after some of its requests were committed (or claimed, for `create_on = "claim"`)
creates their issues too, once each; it runs at start, every few minutes, and right after a
tracker is saved in Settings.

The `poll-trackers` job: for installations without a public URL, where trackers cannot send
webhooks, each workspace's tracker is asked which of its linked issues changed since the last
poll, and each change is handled as its webhook would be (bot/slack/listeners/trackers.py).

A tracker whose webhook secret is set sends webhooks, and is not polled. Each workspace's
tracker has a row in `tracker_polls`: taking its lease is a conditional write, so several
schedulers never poll one tracker at once, and the row keeps how far changes were seen (the next
poll asks for those since) and GitHub's ETag (an unchanged list costs a 304). The tracker is
asked with no transaction open.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from bot.config import Tracker, TrackerKind
from bot.db.session import reading, transaction
from bot.db.upsert import insert_ignoring_conflicts
from bot.domain import trackers
from bot.domain.models import Request, TrackerIssue, TrackerPoll
from bot.runtime import Runtime
from bot.slack.listeners.trackers import follow_issue
from bot.trackers.access import missing_env, webhook_secret
from bot.trackers.clients import TrackerClient, http_client, tracker_client
from bot.trackers.http import TrackerError, documented_shape
from bot.trackers.polling import Linked

log = logging.getLogger(__name__)

# How often each tracker is polled, and how long one poll may hold it.
INTERVAL = timedelta(minutes=2)
LEASE = timedelta(minutes=2)
# A closed issue is still watched this long after it closed, to notice it being reopened.
REOPEN_WATCH = timedelta(days=30)


@dataclass
class PollReport:
    polled: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    # Issue snapshots applied to the requests linked to them (most change nothing).
    followed: int = 0


def create_missing_issues(runtime: Runtime, *, team_id: str | None = None) -> list[int]:
    """Queue the issue of each open request that met its department's tracker's trigger
    before the tracker was linked (in every workspace served, or `team_id`'s), each in a
    transaction of its own under the request's lock, and have them created; the requests
    whose issue was queued."""
    queued: list[int] = []
    for workspace in runtime.served_workspaces():
        if team_id is not None and workspace.team_id != team_id:
            continue
        with reading(runtime.sessions) as session:
            waiting = trackers.awaiting_issue(session, workspace.config, workspace.workspace_id)
        for request_id in waiting:
            with transaction(runtime.sessions) as session:
                request = session.scalars(
                    select(Request).where(Request.id == request_id).with_for_update(of=Request)
                ).first()
                if request is not None and trackers.queue_on_change(
                    session, request, config=workspace.config, now=runtime.clock()
                ):
                    queued.append(request_id)
    for request_id in queued:
        runtime.send_soon(request_id, issue=True)
    return queued


def poll_trackers(runtime: Runtime) -> PollReport:
    """Poll every tracker that sends no webhooks, in every workspace served."""
    report = PollReport()
    clients: dict[TrackerKind, httpx.Client] = {}
    try:
        for workspace in runtime.served_workspaces():
            for tracker in workspace.config.trackers:
                if webhook_secret(tracker.kind, runtime.settings) is not None:
                    continue  # its webhooks bring the changes
                if missing_env(tracker.kind, runtime.settings):
                    continue  # no credentials: nothing to ask with
                if tracker.kind not in clients:
                    clients[tracker.kind] = http_client(tracker.kind, runtime.settings)
                api = tracker_client(tracker, runtime.settings, clients[tracker.kind])
                name = f"{workspace.team_id}:{tracker.kind.value}:{tracker.target}"
                try:
                    _poll(runtime, api, workspace.workspace_id, tracker, name, report)
                except TrackerError as error:
                    report.failed[name] = error.message
                    log.warning("polling %s failed: %s", name, error.message)
    finally:
        for client in clients.values():
            client.close()
    return report


def _poll(
    runtime: Runtime,
    api: TrackerClient,
    workspace_id: int,
    tracker: Tracker,
    name: str,
    report: PollReport,
) -> None:
    now = runtime.clock()
    key = {"workspace_id": workspace_id, "kind": tracker.kind.value, "target": tracker.target}
    with transaction(runtime.sessions) as session:
        insert_ignoring_conflicts(session, TrackerPoll, key, list(key))
        leased = _lease(session, key, now)
        if leased is None:
            return  # polled lately, or another scheduler is at it
        since, etag = leased
        linked = _linked(session, key, now)
    if not linked:
        _finish(runtime, key, since=since, etag=etag, now=now)
        return
    # Issues never seen since they were linked are asked about from their creation: what
    # happened to one before Liaison recorded it is not missed.
    fresh = [created for item, created in linked if item.unseen]
    first = min((created for _, created in linked), default=now)
    asked_since = min([since, *fresh]) if since is not None else first
    asked_since = asked_since.astimezone(UTC)
    try:
        with documented_shape():
            polled = api.changed_since([item for item, _ in linked], asked_since, now, etag=etag)
    except TrackerError:
        _finish(runtime, key, since=since, etag=etag, now=now)
        raise
    for seen in polled.snapshots:
        report.followed += follow_issue(runtime, seen)
    latest = polled.latest
    _finish(
        runtime,
        key,
        since=max(latest, asked_since) if latest else asked_since,
        etag=polled.etag,
        now=now,
    )
    (report.unchanged if polled.unchanged else report.polled).append(name)


def _lease(
    session: Session, key: dict[str, object], now: datetime
) -> tuple[datetime | None, str | None] | None:
    """Take the poll's lease when it is due; (since, etag) then, else None."""
    row = session.execute(
        update(TrackerPoll)
        .where(
            *(getattr(TrackerPoll, column) == value for column, value in key.items()),
            or_(TrackerPoll.lease_until.is_(None), TrackerPoll.lease_until < now),
            or_(TrackerPoll.polled_at.is_(None), TrackerPoll.polled_at <= now - INTERVAL),
        )
        .values(lease_until=now + LEASE)
        .returning(TrackerPoll.since, TrackerPoll.etag)
    ).first()
    return None if row is None else (row.since, row.etag)


def _linked(
    session: Session, key: dict[str, object], now: datetime
) -> list[tuple[Linked, datetime]]:
    """The workspace's issues in this tracker worth asking about: open ones, and those closed
    lately (they may be reopened)."""
    rows = session.execute(
        select(
            TrackerIssue.external_id,
            TrackerIssue.key,
            TrackerIssue.created_at,
            TrackerIssue.remote_updated_at,
        ).where(
            TrackerIssue.workspace_id == key["workspace_id"],
            TrackerIssue.kind == key["kind"],
            TrackerIssue.target == key["target"],
            or_(
                TrackerIssue.state == "open",
                (TrackerIssue.state == "closed")
                & (func.coalesce(TrackerIssue.updated_at, now) >= now - REOPEN_WATCH),
            ),
        )
    ).all()
    return [
        (Linked(row.external_id, row.key, unseen=row.remote_updated_at is None), row.created_at)
        for row in rows
    ]


def _finish(
    runtime: Runtime,
    key: dict[str, object],
    *,
    since: datetime | None,
    etag: str | None,
    now: datetime,
) -> None:
    with transaction(runtime.sessions) as session:
        session.execute(
            update(TrackerPoll)
            .where(*(getattr(TrackerPoll, column) == value for column, value in key.items()))
            .values(lease_until=None, polled_at=now, since=since, etag=etag)
        )
