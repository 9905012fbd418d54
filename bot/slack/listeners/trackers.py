"""Changes to requests' issues in their trackers: each stored webhook (bot/web.py stores them as
it stores Slack events) read into what it says about an issue, and each such snapshot, from a
webhook or a poll (bot/jobs/trackers.py), applied to the request the issue belongs to."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import TrackerKind
from bot.db.session import reading
from bot.domain.models import Request, TrackerIssue
from bot.domain.workflow import Workflow
from bot.domain.workflow.tracker_sync import IssueSnapshot, awaiting_link, linked_issues
from bot.runtime import Runtime
from bot.slack.inbox import Postponed, SourceListener
from bot.slack.listeners.operations import apply
from bot.trackers.changes import webhook_snapshots
from bot.trackers.issue import carries


def listeners(runtime: Runtime) -> dict[str, SourceListener]:
    """The listener of each tracker's webhooks, for the inbox (keyed by the row's source)."""

    def for_kind(kind: TrackerKind) -> SourceListener:
        def on_tracker_webhook(stored: dict[str, Any]) -> None:
            event_id = stored.get("event_id")
            for seen in webhook_snapshots(kind, stored):
                follow_issue(
                    runtime, seen, event_id=event_id if isinstance(event_id, str) else None
                )

        return on_tracker_webhook

    return {kind.value: for_kind(kind) for kind in TrackerKind}


def _postpone_if_being_created(session: Session, seen: IssueSnapshot) -> None:
    """Raise Postponed when `seen` carries the marker of a request whose issue is still being
    created: the change happened before Liaison recorded the issue (or while the creation's
    answer was lost), so the webhook is handled again once it has."""
    for row, request in awaiting_link(session, seen):
        if carries(seen.text, request.reference, request.card_permalink):
            raise Postponed(f"the issue of {request.reference} (row {row.id}) is being created")


def follow_issue(runtime: Runtime, seen: IssueSnapshot, *, event_id: str | None = None) -> int:
    """Apply `seen` to each request linked to that issue (ignored when none is), each in its own
    transaction; a webhook's `event_id` makes a redelivery do nothing. How many it was applied
    to."""
    with reading(runtime.sessions) as session:
        linked = [(row.id, row.request_id) for row in linked_issues(session, seen)]
        if not linked and event_id is not None:
            _postpone_if_being_created(session, seen)
    for issue_id, request_id in linked:

        def operate(workflow: Workflow, request: Request, issue_id: int = issue_id) -> None:
            workflow.follow_issue(request, workflow.session.get_one(TrackerIssue, issue_id), seen)

        apply(
            runtime,
            lambda session, request_id=request_id: session.scalars(
                select(Request).where(Request.id == request_id).with_for_update(of=Request)
            ).first(),
            operate,
            event_id=f"{event_id}#{issue_id}" if event_id else None,
        )
    return len(linked)
