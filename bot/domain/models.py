"""The database schema: workspaces, departments as configured, requests, their event log and the
outbox of messages to deliver to Slack."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.db.base import Base
from bot.domain.lifecycle import Status

# The trackers' tables live in their own module; they are named here with every other table.
from bot.domain.tracker_models import TrackerIssue as TrackerIssue
from bot.domain.tracker_models import TrackerPoll as TrackerPoll

SLACK_ID = String(32)
STATUS = Enum(
    Status,
    native_enum=False,
    length=16,
    values_callable=lambda statuses: [s.value for s in statuses],
)


class Workspace(Base):
    __tablename__ = "workspaces"

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[str] = mapped_column(SLACK_ID, unique=True)
    # The last request number handed out; incremented atomically to number requests REQ-1, REQ-2…
    last_request_number: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime]
    # When an admin finished the setup on the Home tab (saved or skipped its last step); until
    # then a workspace set up in Slack shows its admins the setup rather than the usual Home.
    setup_finished_at: Mapped[datetime | None]


class Department(Base):
    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))
    intake_channel: Mapped[str | None] = mapped_column(SLACK_ID)


class Request(Base):
    __tablename__ = "requests"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_requests_requester_status", "workspace_id", "requester_id", "status"),
        # The Home tab: a person's requests newest first, what they claimed, and the few open
        # requests of a workspace (its teams' queues and the leads' attention list).
        Index("ix_requests_requester_number", "workspace_id", "requester_id", "number"),
        Index("ix_requests_claimer_status", "workspace_id", "claimer_id", "status"),
        Index("ix_requests_workspace_status", "workspace_id", "status"),
        Index("ix_requests_card", "card_channel", "card_ts"),
        Index("ix_requests_status", "status"),
        Index("ix_requests_created_at", "created_at"),
        # The state at the end of a period reads only requests still open then.
        Index("ix_requests_closed_at", "closed_at"),
        # Calibration: the newest deliveries of a department, or of one person in it. Column
        # order matters: with the department first SQLite picks it for the digest's weekly
        # counts and gets slower.
        Index("ix_requests_status_delivered", "status", "fulfilling_department_id", "delivered_at"),
        Index(
            "ix_requests_claimer_delivered",
            "claimer_id",
            "status",
            "fulfilling_department_id",
            "delivered_at",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    details: Mapped[str] = mapped_column(Text, default="")
    client: Mapped[str] = mapped_column(Text, default="")
    impact: Mapped[str] = mapped_column(Text, default="")
    desired_date: Mapped[date | None] = mapped_column(Date)
    hard_deadline: Mapped[bool] = mapped_column(Boolean, default=False)
    promised_to_client: Mapped[bool] = mapped_column(Boolean, default=False)
    # Filed with a desired date the intake modal said was likely at risk (bot/domain/realistic.py).
    filed_despite_warning: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    requester_id: Mapped[str] = mapped_column(SLACK_ID)
    # The fulfilling department's request type it was filed as (config `request_types`), and
    # what its fields were filled with: field key → text, number, ISO date, user id, list of
    # chosen options, or true for a ticked checkbox.
    request_type: Mapped[str | None] = mapped_column(String(32))
    type_fields: Mapped[dict[str, Any]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    requesting_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    fulfilling_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[Status] = mapped_column(STATUS, default=Status.NEW)
    claimer_id: Mapped[str | None] = mapped_column(SLACK_ID)
    # The request's estimate in working days: the claimer's, else the median of all estimates.
    estimate_days: Mapped[float | None]
    projected_date: Mapped[date | None] = mapped_column(Date)
    # The correction applied to the estimate for the projection (see bot/domain/calibration.py)
    # and whether it is the claimer's own history ("personal") or the team's ("department").
    forecast_ratio: Mapped[float | None]
    forecast_basis: Mapped[str | None] = mapped_column(String(16))
    committed_date: Mapped[date | None] = mapped_column(Date)
    # While waiting on the requester: the state to return to, and who asked.
    resume_status: Mapped[Status | None] = mapped_column(STATUS)
    info_asked_by: Mapped[str | None] = mapped_column(SLACK_ID)
    # Someone reacted "decline"; their first reply in the thread after `decline_pending_since`
    # (and within the window in bot/domain/workflow.py) is the reason.
    decline_pending_by: Mapped[str | None] = mapped_column(SLACK_ID)
    decline_pending_since: Mapped[datetime | None]
    decline_reason: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    source_permalink: Mapped[str | None] = mapped_column(Text)
    card_channel: Mapped[str | None] = mapped_column(SLACK_ID)
    card_ts: Mapped[str | None] = mapped_column(String(32))
    card_permalink: Mapped[str | None] = mapped_column(Text)
    # One sender at a time sends a request's effects, in order (see bot/slack/sending/).
    outbox_lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # When the status last moved: nudges measure how long a request has waited from here.
    status_changed_at: Mapped[datetime | None]

    estimates: Mapped[list[Estimate]] = relationship(
        order_by="Estimate.created_at", cascade="all, delete-orphan", lazy="selectin"
    )
    fulfilling_department: Mapped[Department] = relationship(
        foreign_keys=[fulfilling_department_id], lazy="joined"
    )
    requesting_department: Mapped[Department | None] = relationship(
        foreign_keys=[requesting_department_id], lazy="joined"
    )

    @property
    def reference(self) -> str:
        return f"REQ-{self.number}"


class Estimate(Base):
    """One person's estimate of a request, in working days (half days allowed); changing it
    updates the row."""

    __tablename__ = "estimates"
    __table_args__ = (UniqueConstraint("request_id", "estimator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    estimator_id: Mapped[str] = mapped_column(SLACK_ID)
    # Exact halves up to 9999.5 (see bot/domain/estimates.py), read back as floats.
    days: Mapped[float] = mapped_column(Numeric(5, 1, asdecimal=False))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


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


class RequestEvent(Base):
    """Append-only history of a request: every change, who made it, when and from where."""

    __tablename__ = "request_events"
    __table_args__ = (
        Index("ix_request_events_request_at", "request_id", "at"),
        # Every period query of the metrics filters events by time.
        Index("ix_request_events_at", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(SLACK_ID)
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    surface: Mapped[str] = mapped_column(String(16))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


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


class UsergroupRead(Base):
    """A Slack user group whose members Liaison keeps (per workspace), and when they were last
    read from Slack. No row means never read: membership through it is not known yet."""

    __tablename__ = "usergroup_reads"

    team_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    usergroup_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    read_at: Mapped[datetime]
    # Why the last read failed, when it did (the members kept are then the last known ones).
    last_error: Mapped[str | None] = mapped_column(String(64))


class UsergroupMember(Base):
    """One member of a user group, as last read from Slack or told by a subteam event."""

    __tablename__ = "usergroup_members"

    team_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    usergroup_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    user_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)


class ChannelAccess(Base):
    """A configured channel Liaison could not get into (a private channel it was not invited to,
    or one that does not exist), and when that department's leads were told how to fix it."""

    __tablename__ = "channel_access"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    channel: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    # Slack's answer that keeps Liaison out; None once it is in.
    problem: Mapped[str | None] = mapped_column(String(64))
    checked_at: Mapped[datetime]
    leads_told_at: Mapped[datetime | None]


class HomeVisit(Base):
    """Who has opened Liaison's Home tab, per workspace: only their Home is published again when
    a request they are concerned with changes (nobody else would ever see it)."""

    __tablename__ = "home_visits"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[str] = mapped_column(SLACK_ID, primary_key=True)
    first_opened_at: Mapped[datetime]
    last_opened_at: Mapped[datetime]
    # The sections the person asked to see at length ("Show more"), comma-separated
    # (bot/domain/home.py `SECTIONS`); they stay so until "Show fewer".
    expanded: Mapped[str] = mapped_column(String(64), default="", server_default="")


class WorkspaceSettings(Base):
    """A workspace's current settings: one document in the config file's shape (validated before
    it is written), where it comes from, and a version that every change increments (processes
    compare it with the one they cached). See bot/domain/workspace_settings.py."""

    __tablename__ = "workspace_settings"

    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    document: Mapped[dict[str, Any]] = mapped_column(JSON)
    # "file": applied from the config file at `source_path` (read-only in Slack); "slack".
    source: Mapped[str] = mapped_column(String(8))
    source_path: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


class SettingsChange(Base):
    """One change to one section of a workspace's settings: who (a user id, "file" or "cli"),
    when, and the section before and after (null when it was not set)."""

    __tablename__ = "settings_changes"
    __table_args__ = (Index("ix_settings_changes_workspace_id", "workspace_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"))
    changed_by: Mapped[str] = mapped_column(SLACK_ID)
    changed_at: Mapped[datetime]
    section: Mapped[str] = mapped_column(String(16))
    before: Mapped[Any] = mapped_column(JSON, nullable=True)
    after: Mapped[Any] = mapped_column(JSON, nullable=True)
