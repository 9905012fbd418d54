"""GitHub Issues over the REST API (`GITHUB_API_URL`: api.github.com, or a GitHub Enterprise
Server's `/api/v3`).

Polling asks `GET /repos/{owner}/{repo}/issues?state=all&since=...` (`since`: updated at or
after) with the previous answer's ETag in `If-None-Match`: an unchanged list costs a 304, which
GitHub does not count against the rate limit. Pull requests in the list are skipped."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx

from bot.trackers.changes import github_issue
from bot.trackers.http import TrackerError, exchange, require, send
from bot.trackers.issue import CreatedIssue, IssueDraft
from bot.trackers.polling import Linked, Polled, iso


class GitHubTracker:
    """Issues in one repository ("owner/name")."""

    def __init__(self, http: httpx.Client, repo: str) -> None:
        self._http = http
        self.repo = repo

    def create(self, draft: IssueDraft) -> CreatedIssue:
        # GitHub issues have no due date: the committed date is in the body.
        payload: dict[str, Any] = {
            "title": draft.title,
            "body": draft.markdown(),
            "labels": list(draft.labels),
        }
        if draft.assignee:
            payload["assignees"] = [draft.assignee]
        return self._issue(send(self._http, "POST", f"/repos/{self.repo}/issues", json=payload))

    def find(self, draft: IssueDraft) -> CreatedIssue | None:
        """An issue of the repository already carrying the draft's marker."""
        query = f'"{draft.marker}" repo:{self.repo} is:issue in:body'
        found = send(self._http, "GET", "/search/issues", params={"q": query, "per_page": 20})
        for item in found.get("items") or []:
            if draft.is_mine(item.get("body")):
                return dataclasses.replace(self._issue(item), seen=github_issue(item, self.repo))
        return None

    def account_for(self, email: str) -> str | None:
        """The login whose public e-mail is `email`, if GitHub says."""
        found = send(self._http, "GET", "/search/users", params={"q": f"{email} in:email"})
        items = found.get("items") or []
        return str(items[0]["login"]) if len(items) == 1 else None

    def check(self) -> None:
        """Raise TrackerError unless the token works and can see the repository."""
        require(
            self._http,
            f"/repos/{self.repo}",
            f'repository "{self.repo}" not found, or GITHUB_TOKEN cannot see it',
        )

    def changed_since(
        self, linked: Sequence[Linked], since: datetime, now: datetime, etag: str | None = None
    ) -> Polled:
        """The linked issues updated since `since`; `etag` makes an unchanged list a 304."""
        params = {
            "state": "all",
            "since": iso(since),
            "sort": "updated",
            "direction": "asc",
            "per_page": "100",
        }
        headers = {"If-None-Match": etag} if etag else {}
        reply = exchange(
            self._http, "GET", f"/repos/{self.repo}/issues", params=params, headers=headers
        )
        if reply.status == 304:
            return Polled([], etag=etag, unchanged=True)
        if not isinstance(reply.body, list):
            raise TrackerError("GitHub's issue list is not a list")
        numbers = {item.external_id for item in linked}
        found, latest = [], None
        for issue in reply.body:
            seen = github_issue(issue, self.repo) if isinstance(issue, dict) else None
            if seen is None:
                continue
            if seen.updated_at is not None:
                latest = max(latest, seen.updated_at) if latest else seen.updated_at
            if "pull_request" not in issue and seen.external_id in numbers:
                found.append(seen)
        return Polled(found, etag=reply.headers.get("ETag"), latest=latest)

    def _issue(self, body: Any) -> CreatedIssue:
        number = body["number"]
        return CreatedIssue(
            external_id=str(number),
            key=f"{self.repo}#{number}",
            url=str(body["html_url"]),
            extra={"node_id": body.get("node_id")},
        )
