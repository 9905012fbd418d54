"""The core of the schema: workspaces, departments as configured, requests, their estimates
and their event log."""

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
