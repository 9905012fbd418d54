"""The issue a request became in its department's tracker: the link that issue creation writes
and that webhooks and polling read (see bot/trackers/); and when each workspace's tracker was
last polled."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base


class TrackerIssue(Base):
    """The issue a request became in its department's tracker (GitHub, Jira or Linear). The row
    is written before the tracker is asked to create the issue, so that a retry after a lost
    answer looks for the issue carrying the request's marker instead of creating a second one."""

    __tablename__ = "tracker_issues"
    __table_args__ = (
        UniqueConstraint("request_id"),
        Index("ix_tracker_issues_lookup", "kind", "external_id"),
        Index("ix_tracker_issues_open", "workspace_id", "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # github | jira | linear
    # Where it was created: "owner/repo", the Jira project key, the Linear team id.
    target: Mapped[str] = mapped_column(String(200))
    # queued (to be asked) | creating (asked, answer not yet seen: look for it before asking
    # again) | open | closed | failed (refused for good; a lead may retry)
    state: Mapped[str] = mapped_column(String(16), default="creating")
    # The tracker's own id (GitHub issue number, Jira issue id, Linear issue id), the key people
    # read ("acme/backend#12", "ENG-4", "LIN-12") and the issue's web address.
    external_id: Mapped[str | None] = mapped_column(String(128))
    key: Mapped[str | None] = mapped_column(String(128))
    url: Mapped[str | None] = mapped_column(Text)
    # What the tracker says now, to notice changes made there.
    due_on: Mapped[date | None] = mapped_column(Date)
    assignee: Mapped[str | None] = mapped_column(String(200))
    remote_updated_at: Mapped[datetime | None]
    # The tracker's last refusal, in its own words, shown to the department's leads.
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class TrackerPoll(Base):
    """When one workspace's tracker was last asked for its linked issues that changed (for
    installations without a public URL for webhooks), and the ETag of that answer, so the next
    poll is a conditional request. Taking the lease is a conditional write, as for other jobs."""

    __tablename__ = "tracker_polls"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    target: Mapped[str] = mapped_column(String(200), primary_key=True)
    polled_at: Mapped[datetime | None]
    # The next poll asks for the issues updated since this (the latest change seen so far).
    since: Mapped[datetime | None]
    etag: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
