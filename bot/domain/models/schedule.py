"""What the scheduled jobs remember: nudges sent and due, digests and monthly trends posted, and
the scheduler's heartbeat."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.domain.models.core import SLACK_ID


class NudgeMark(Base):
    """When a nudge of one kind about one request may next be sent to one recipient. Taking the
    right to send is a conditional write on this row, so several schedulers never nudge twice
    within the cool-down; a snooze adds a row for everyone with a later `next_allowed_at`."""

    __tablename__ = "nudge_marks"

    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    # The DM recipient, THREAD for a nudge in the card's thread, or ANYONE for a snooze.
    recipient: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    next_allowed_at: Mapped[datetime]
    last_sent_at: Mapped[datetime | None]


class NudgeLog(Base):
    """Every nudge sent: what, about which request, to whom, when."""

    __tablename__ = "nudge_log"
    __table_args__ = (Index("ix_nudge_log_request", "request_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    recipient: Mapped[str] = mapped_column(SLACK_ID)
    at: Mapped[datetime]


class DigestRun(Base):
    """One digest per workspace, channel and scheduled moment: inserting this row is the right to
    post it (two workspaces may each post theirs in one shared channel)."""

    __tablename__ = "digest_runs"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    scheduled_for: Mapped[datetime] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]


class TrendsRun(Base):
    """One monthly trends post per workspace, channel and scheduled moment (the 1st of the month
    at the digest's time): inserting this row is the right to post it."""

    __tablename__ = "trends_runs"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    scheduled_for: Mapped[datetime] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]


class Heartbeat(Base):
    """When a process last showed it was alive, one row per kind of process and deployment
    (`scheduler`): whichever scheduler runs writes it, so `/healthz` can tell a stopped one."""

    __tablename__ = "heartbeats"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    beat_at: Mapped[datetime]
    # host:pid of the last process that wrote it, for whoever reads the table.
    beaten_by: Mapped[str] = mapped_column(String(128))
