"""Each workspace's settings document and the history of its changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.domain.models.core import SLACK_ID


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
