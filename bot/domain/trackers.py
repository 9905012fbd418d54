"""When a request becomes an issue in its department's tracker, once: on commitment, on claim, or
when someone asks (config `create_on`). Queueing writes the request's `tracker_issues` row
(state `queued`) and the outbox effect that creates it, in the change's transaction; the row's
uniqueness per request is what makes it once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from bot.config import CreateOn, LiaisonConfig, Tracker
from bot.domain import outbox
from bot.domain.lifecycle import Status
from bot.domain.models import Department, Request, TrackerIssue

# States of a `tracker_issues` row (see the model).
QUEUED = "queued"
CREATING = "creating"
OPEN = "open"
CLOSED = "closed"
FAILED = "failed"

# In a session's `info`: the requests whose issue creation it queued, so that whoever commits it
# asks for that creation right away, and every other change schedules none.
_ISSUES_QUEUED = "liaison_issues_queued"


def tracker_of(config: LiaisonConfig, request: Request) -> Tracker | None:
    """The tracker the request's fulfilling department links, if any."""
    return config.tracker_for(request.fulfilling_department.key)


def issue_of(session: Session, request_id: int) -> TrackerIssue | None:
    return session.scalar(select(TrackerIssue).where(TrackerIssue.request_id == request_id))


def due_trigger(request: Request) -> CreateOn | None:
    """The automatic trigger the request's state meets now, if any: committed (or waiting on
    the requester with a commitment to resume) meets `commit`; any claimer meets `claim`."""
    if not request.status.is_open:
        return None
    committed = request.status is Status.COMMITTED or (
        request.status is Status.NEEDS_INFO and request.resume_status is Status.COMMITTED
    )
    if committed:
        return CreateOn.COMMIT
    if request.claimer_id is not None:
        return CreateOn.CLAIM
    return None


def queue_on_change(
    session: Session, request: Request, *, config: LiaisonConfig, now: datetime
) -> TrackerIssue | None:
    """After a change: queue the request's issue if its tracker creates on what just happened
    (a commitment also meets `claim`: it was claimed first). None when nothing was queued."""
    tracker = tracker_of(config, request)
    trigger = due_trigger(request)
    if tracker is None or trigger is None or tracker.create_on == CreateOn.MANUAL:
        return None
    if tracker.create_on == CreateOn.COMMIT and trigger != CreateOn.COMMIT:
        return None
    return queue_issue(session, request, tracker=tracker, now=now)


def queue_issue(
    session: Session, request: Request, *, tracker: Tracker, now: datetime
) -> TrackerIssue | None:
    """Queue the creation of the request's issue; None if it has one (or one is on its way)."""
    if issue_of(session, request.id) is not None:
        return None
    row = TrackerIssue(
        workspace_id=request.workspace_id,
        request_id=request.id,
        kind=tracker.kind.value,
        target=tracker.target,
        state=QUEUED,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    session.flush()  # the unique request id decides between two changes at once
    _enqueue(session, request, now=now)
    return row


def awaiting_issue(session: Session, config: LiaisonConfig, workspace_id: int) -> list[int]:
    """The open requests of the workspace without an issue that meet their department's
    tracker's trigger (`due_trigger`, in SQL): those committed, or claimed for a tracker that
    creates on claim, before the tracker was linked (added in Settings or the file)."""
    committed = or_(
        Request.status == Status.COMMITTED,
        and_(Request.status == Status.NEEDS_INFO, Request.resume_status == Status.COMMITTED),
    )
    meets = [
        and_(
            Department.key == tracker.department,
            committed if tracker.create_on == CreateOn.COMMIT else Request.claimer_id.is_not(None),
        )
        for tracker in config.trackers
        if tracker.create_on != CreateOn.MANUAL
    ]
    if not meets:
        return []
    return list(
        session.scalars(
            select(Request.id)
            .join(Department, Department.id == Request.fulfilling_department_id)
            .where(
                Request.workspace_id == workspace_id,
                Request.status.in_([status for status in Status if status.is_open]),
                or_(*meets),
                ~exists().where(TrackerIssue.request_id == Request.id),
            )
            .order_by(Request.id)
        )
    )


def retry_issue(session: Session, request: Request, *, now: datetime) -> bool:
    """Queue another attempt at an issue the tracker refused; False unless it had failed. The
    attempt looks for the issue first, as after any attempt that may have reached the tracker."""
    row = issue_of(session, request.id)
    if row is None or row.state != FAILED:
        return False
    row.state = CREATING
    row.last_error = None
    row.updated_at = now
    _enqueue(session, request, now=now)
    outbox.refresh_card(session, request, now=now)
    return True


def issue_queued(session: Session, request_id: int) -> bool:
    """Whether the changes in `session` queued the creation of the request's issue."""
    return request_id in session.info.get(_ISSUES_QUEUED, ())


def _enqueue(session: Session, request: Request, *, now: datetime) -> None:
    session.info.setdefault(_ISSUES_QUEUED, set()).add(request.id)
    outbox.enqueue(
        session,
        workspace_id=request.workspace_id,
        kind=outbox.TRACKER,
        payload={"request_id": request.id},
        now=now,
    )
