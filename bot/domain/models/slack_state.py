"""What Liaison keeps of Slack: user group members, channels it cannot get into, and who opened
the Home tab."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from bot.db.base import Base
from bot.domain.models.core import SLACK_ID


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
