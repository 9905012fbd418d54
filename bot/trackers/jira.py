"""Jira Cloud over REST v3 (`JIRA_BASE_URL`, the site's root): the description in Atlassian
Document Format, the committed date as `duedate`.

Polling asks `POST /rest/api/3/search/jql` for `key in (...) AND updated >= -Nm` (a relative
time, so the Jira account's own time zone does not matter)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx

from bot.trackers.changes import adf_text, jira_issue
from bot.trackers.http import require, send
from bot.trackers.issue import CreatedIssue, IssueDraft
from bot.trackers.polling import BATCH, Linked, Polled, polled

API = "/rest/api/3"
# What a poll reads of each issue.
POLLED_FIELDS = ["status", "resolution", "duedate", "assignee", "updated"]


class JiraTracker:
    """Issues of one project, of one issue type."""

    def __init__(self, http: httpx.Client, project: str, issue_type: str, site: str) -> None:
        self._http = http
        self.project = project
        self.issue_type = issue_type
        self._site = site.rstrip("/")  # issues' web addresses: <site>/browse/<key>

    def create(self, draft: IssueDraft) -> CreatedIssue:
        fields: dict[str, Any] = {
            "project": {"key": self.project},
            "summary": draft.title,
            "issuetype": {"name": self.issue_type},
            "description": draft.adf(),
            "labels": list(draft.labels),
        }
        if draft.due_on is not None:
            fields["duedate"] = draft.due_on.isoformat()
        if draft.assignee:
            fields["assignee"] = {"accountId": draft.assignee}
        made = send(self._http, "POST", f"{API}/issue", json={"fields": fields})
        return self._issue(made["id"], made["key"])

    def find(self, draft: IssueDraft) -> CreatedIssue | None:
        """An issue of the project already carrying the draft's marker."""
        jql = f'project = "{self.project}" AND text ~ "\\"{draft.marker}\\""'
        found = send(
            self._http,
            "POST",
            f"{API}/search/jql",
            json={
                "jql": jql,
                "fields": ["summary", "description", *POLLED_FIELDS],
                "maxResults": 20,
            },
        )
        for issue in found.get("issues") or []:
            fields = issue.get("fields") or {}
            if draft.is_mine(adf_text(fields.get("description"))):
                made = self._issue(issue["id"], issue["key"])
                return dataclasses.replace(made, seen=jira_issue(issue))
        return None

    def account_for(self, email: str) -> str | None:
        found = send(self._http, "GET", f"{API}/user/search", params={"query": email})
        accounts = [a for a in found or [] if a.get("accountType", "atlassian") == "atlassian"]
        return str(accounts[0]["accountId"]) if len(accounts) == 1 else None

    def check(self) -> None:
        require(
            self._http,
            f"{API}/project/{self.project}",
            f'project "{self.project}" not found, or the Jira account cannot see it',
        )

    def changed_since(
        self, linked: Sequence[Linked], since: datetime, now: datetime, etag: str | None = None
    ) -> Polled:
        """The linked issues updated since `since` (asked as minutes before `now`)."""
        keys = [item.key for item in linked if item.key]
        minutes = max(1, math.ceil((now - since).total_seconds() / 60) + 1)
        found = []
        for start in range(0, len(keys), BATCH):
            batch = ",".join(f'"{key}"' for key in keys[start : start + BATCH])
            body = {
                "jql": f"key in ({batch}) AND updated >= -{minutes}m ORDER BY updated ASC",
                "fields": POLLED_FIELDS,
                "maxResults": BATCH,
            }
            answer = send(self._http, "POST", f"{API}/search/jql", json=body)
            for issue in answer.get("issues") or []:
                seen = jira_issue(issue) if isinstance(issue, dict) else None
                if seen is not None:
                    found.append(seen)
        return polled(found)

    def _issue(self, issue_id: Any, key: Any) -> CreatedIssue:
        return CreatedIssue(str(issue_id), str(key), f"{self._site}/browse/{key}")
