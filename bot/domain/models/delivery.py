"""What comes in and goes out: Slack events stored before they are answered, the ids of events
already handled, and the outbox of effects to send."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.domain.models.core import SLACK_ID


class ProcessedEvent(Base):
    """Slack event ids already handled: a retried or duplicated delivery is recognised here, in
    the same transaction as the change the event made."""

    __tablename__ = "processed_events"
    __table_args__ = (Index("ix_processed_events_received_at", "received_at"),)

    event_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    received_at: Mapped[datetime]


class InboxEvent(Base):
    """A Slack event stored before it was acknowledged, until it has been handled: once Slack has
    our answer it will not send the event again, so from then on this row is the event."""

    __tablename__ = "inbox_events"
    __table_args__ = (Index("ix_inbox_events_due", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Who sent it: "slack", or the tracker whose webhook it is ("github", "jira", "linear").
    source: Mapped[str] = mapped_column(String(16), server_default=text("'slack'"))
    # Not unique: a retry or a twin is stored again, and recognised by `processed_events` in
    # the transaction of the change it would make.
    event_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    received_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    # While a process handles it; another takes it over once this has passed.
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    # Set when handling failed every time: kept for a person to look at, no longer retried.
    gave_up_at: Mapped[datetime | None]


class OutboxMessage(Base):
    """An effect the bot owes the world (a Slack message, a card update, a file), written in the
    transaction of the change that caused it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    # The effect kind, which picks its sender: "card" posts or refreshes the request's card,
    # "message" and "file" are rendered from `template` (see bot/domain/outbox.py).
    kind: Mapped[str] = mapped_column(String(40))
    template: Mapped[str | None] = mapped_column(String(40))
    # A user id (DM), a channel id, or None for the request's card (and its thread).
    channel: Mapped[str | None] = mapped_column(SLACK_ID)
    in_thread: Mapped[bool] = mapped_column(Boolean, default=False)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    sent_ts: Mapped[str | None] = mapped_column(String(32))
    # When a post's answer was lost (a timeout: Slack may have posted it), the start of the
    # first such attempt; before posting again the outbox looks for it in Slack.
    unconfirmed_since: Mapped[datetime | None]
