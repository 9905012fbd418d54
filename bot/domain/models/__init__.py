"""The database schema, one module per part: the core (workspaces, departments, requests, their
event log), what comes in and goes out (inbox, outbox), the jobs' memory, what is kept of
Slack, settings, and tracker issues. Importing this package registers every table."""

from __future__ import annotations

from bot.domain.models.core import (
    SLACK_ID,
    STATUS,
    Department,
    Estimate,
    Request,
    RequestEvent,
    Workspace,
)
from bot.domain.models.delivery import InboxEvent, OutboxMessage, ProcessedEvent
from bot.domain.models.schedule import DigestRun, Heartbeat, NudgeLog, NudgeMark, TrendsRun
from bot.domain.models.settings import SettingsChange, WorkspaceSettings
from bot.domain.models.slack_state import ChannelAccess, HomeVisit, UsergroupMember, UsergroupRead
from bot.domain.models.trackers import TrackerIssue, TrackerPoll

__all__ = [
    "SLACK_ID",
    "STATUS",
    "ChannelAccess",
    "Department",
    "DigestRun",
    "Estimate",
    "Heartbeat",
    "HomeVisit",
    "InboxEvent",
    "NudgeLog",
    "NudgeMark",
    "OutboxMessage",
    "ProcessedEvent",
    "Request",
    "RequestEvent",
    "SettingsChange",
    "TrackerIssue",
    "TrackerPoll",
    "TrendsRun",
    "UsergroupMember",
    "UsergroupRead",
    "Workspace",
    "WorkspaceSettings",
]
