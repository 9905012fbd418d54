"""The client for a department's tracker: one per kind behind one protocol, each on an httpx
client with the API base, credentials and timeout from the environment (bot/trackers/access.py)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

import httpx

from bot.config import Tracker, TrackerKind
from bot.settings import Settings
from bot.trackers.access import access_for, missing_env
from bot.trackers.github import GitHubTracker
from bot.trackers.http import TrackerError
from bot.trackers.issue import CreatedIssue, IssueDraft
from bot.trackers.jira import JiraTracker
from bot.trackers.linear import LinearTracker
from bot.trackers.polling import Linked, Polled


class TrackerClient(Protocol):
    def create(self, draft: IssueDraft) -> CreatedIssue:
        """Create the issue; TrackerError when the tracker refuses or does not answer."""
        ...

    def find(self, draft: IssueDraft) -> CreatedIssue | None:
        """The issue already carrying the draft's marker, if one was created before."""
        ...

    def account_for(self, email: str) -> str | None:
        """The tracker's account with this e-mail address, when exactly one has it."""
        ...

    def check(self) -> None:
        """Raise TrackerError unless the credentials work and the target exists."""
        ...

    def changed_since(
        self, linked: Sequence[Linked], since: datetime, now: datetime, etag: str | None = None
    ) -> Polled:
        """Which of the `linked` issues changed since `since` (a poll); `etag`, the validator
        of the previous answer where the tracker gives one."""
        ...


class NotConfigured(TrackerError):
    """The environment lacks the tracker's credentials."""


def http_client(kind: TrackerKind, settings: Settings) -> httpx.Client:
    """An httpx client for `kind`'s API; NotConfigured when its credentials are not set."""
    access = access_for(kind, settings)
    if access is None:
        missing = ", ".join(missing_env(kind, settings))
        raise NotConfigured(f"{missing} not set in the environment")
    base = access.api_url if kind != TrackerKind.LINEAR else ""
    return httpx.Client(
        base_url=base,
        headers={**access.headers, "User-Agent": "Liaison"},
        timeout=settings.tracker_timeout_seconds,
        follow_redirects=False,
    )


def tracker_client(tracker: Tracker, settings: Settings, http: httpx.Client) -> TrackerClient:
    """The client for `tracker`'s target, calling through `http` (from `http_client`)."""
    if tracker.kind == TrackerKind.GITHUB:
        return GitHubTracker(http, tracker.target)
    if tracker.kind == TrackerKind.JIRA:
        site = str(settings.jira_base_url or "")
        return JiraTracker(http, tracker.target, tracker.jira_issue_type, site)
    return LinearTracker(http, tracker.target, settings.linear_api_url)
