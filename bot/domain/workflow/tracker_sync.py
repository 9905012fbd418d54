"""Following the issue a request became in its department's tracker: closing or resolving it
there delivers the request, reopening it returns a delivered request to work, and a new due date
or assignee there is noted in the card's thread and told to the requester.

Webhooks and polls both read what the tracker says about one issue into an `IssueSnapshot`;
`follow_issue` compares it with what was last seen (the `tracker_issues` row) and acts on the
differences only, so a webhook delivered twice, a poll that sees what a webhook already brought,
or a comment on the issue (which changes none of these) does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Final

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot.domain.lifecycle import Status, Surface
from bot.domain.models import Request, TrackerIssue
from bot.domain.workflow.overrides import Overrides


class _NotTold(Enum):
    NOT_TOLD = "not told"


# A field the tracker did not say anything about (GitHub issues have no due date).
NOT_TOLD: Final = _NotTold.NOT_TOLD


@dataclass(frozen=True)
class IssueSnapshot:
    """What a tracker says about one issue now. `external_id` is the tracker's id as stored on
    the row (a GitHub issue's number, a Jira issue's id, a Linear issue's id); `key` the one
    people read ("ENG-4"), to find an issue by when the id is not given; `target` narrows the
    search where ids repeat across targets (a GitHub repository)."""

    kind: str
    external_id: str | None
    key: str | None = None
    target: str | None = None
    # True: closed, resolved, done or cancelled; False: open again; None: not told.
    closed: bool | None = None
    due_on: date | _NotTold | None = NOT_TOLD
    # The tracker account it is assigned to (GitHub login, Jira account id, Linear user id) and
    # the name to show for it.
    assignee: str | _NotTold | None = NOT_TOLD
    assignee_name: str | None = None
    # Who made the change (an account, as above), and their name.
    actor: str | None = None
    actor_name: str | None = None
    updated_at: datetime | None = None
    # The issue's body or description as text, when told: where the request's marker is, to
    # recognise an issue whose creation has not been recorded yet.
    text: str | None = None


def linked_issues(session: Session, seen: IssueSnapshot) -> list[TrackerIssue]:
    """The issues rows `seen` is about (one per workspace that linked it; none for an issue
    Liaison did not create)."""
    ids = []
    if seen.external_id:
        ids.append(TrackerIssue.external_id == seen.external_id)
    if seen.key:
        ids.append(TrackerIssue.key == seen.key)
    if not ids:
        return []
    statement = select(TrackerIssue).where(TrackerIssue.kind == seen.kind, or_(*ids))
    if seen.target is not None:
        statement = statement.where(TrackerIssue.target == seen.target)
    return list(session.scalars(statement.order_by(TrackerIssue.id)))


def awaiting_link(session: Session, seen: IssueSnapshot) -> list[tuple[TrackerIssue, Request]]:
    """The issues rows of `seen`'s kind (and target, when told) still being created: the issue
    `seen` is about may be one of them, its creation's answer not recorded yet (or lost)."""
    statement = (
        select(TrackerIssue, Request)
        .join(Request, Request.id == TrackerIssue.request_id)
        .where(TrackerIssue.kind == seen.kind, TrackerIssue.state.in_(("queued", "creating")))
    )
    if seen.target is not None:
        statement = statement.where(TrackerIssue.target == seen.target)
    return [(row, request) for row, request in session.execute(statement.order_by(TrackerIssue.id))]


class TrackerSync(Overrides):
    """What a change to a request's issue in its tracker does to the request."""

    def follow_issue(self, request: Request, issue: TrackerIssue, seen: IssueSnapshot) -> list[str]:
        """Act on what changed in the issue since it was last seen; the changes acted on."""
        if issue.state not in ("open", "closed") or issue.request_id != request.id:
            return []  # still being created, or refused: nothing to follow yet
        last = issue.remote_updated_at
        if seen.updated_at is not None and last is not None and seen.updated_at < last:
            return []  # older news than what was already seen (deliveries can cross)
        tracker = self.config.tracker_for(request.fulfilling_department.key)
        people = {account: user for user, account in (tracker.users if tracker else {}).items()}
        by_user = people.get(seen.actor) if seen.actor else None
        actor = by_user or request.claimer_id or request.requester_id
        facts: dict[str, Any] = {
            "tracker": issue.kind,
            "issue_key": issue.key or issue.external_id,
            "issue_url": issue.url,
            "by": None if by_user else seen.actor_name or seen.actor,
            "by_user": by_user,
        }
        changes = []
        if seen.closed is True and issue.state == "open":
            issue.state = "closed"
            if request.status.is_open:
                self._mark_delivered(request, actor, Surface.TRACKER, **facts)
                self._note(request, "tracker_closed", actor=actor, **facts)
                changes.append("closed")
        elif seen.closed is False and issue.state == "closed":
            issue.state = "open"
            if request.status is Status.DELIVERED:
                self._back_to_work(request, actor, Surface.TRACKER, {"tracker": issue.kind})
                self._note(request, "tracker_reopened", actor=actor, **facts)
                self._tell_requester(request, "tracker_reopened", actor=actor, **facts)
                changes.append("reopened")
        if seen.due_on is not NOT_TOLD and seen.due_on != issue.due_on:
            was, issue.due_on = issue.due_on, seen.due_on
            due = {
                "due": seen.due_on.isoformat() if seen.due_on else None,
                "was_due": was.isoformat() if was else None,
            }
            self._note(request, "tracker_due", **facts, **due)
            self._tell_requester(request, "tracker_due", **facts, **due)
            changes.append("due")
        if seen.assignee is not NOT_TOLD and seen.assignee != issue.assignee:
            issue.assignee = seen.assignee
            assigned = {
                "assignee": seen.assignee_name or seen.assignee,
                "assignee_user": people.get(seen.assignee) if seen.assignee else None,
            }
            self._note(request, "tracker_assignee", **facts, **assigned)
            self._tell_requester(request, "tracker_assignee", **facts, **assigned)
            changes.append("assignee")
        if seen.updated_at is not None:
            issue.remote_updated_at = seen.updated_at
        if changes or seen.updated_at is not None:
            issue.updated_at = self.now
        return changes
