"""GitHub Issues over the REST API (`GITHUB_API_URL`: api.github.com, or a GitHub Enterprise
Server's `/api/v3`)."""

from __future__ import annotations

from typing import Any

import httpx

from bot.trackers.http import TrackerError, send
from bot.trackers.issue import CreatedIssue, IssueDraft


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
                return self._issue(item)
        return None

    def account_for(self, email: str) -> str | None:
        """The login whose public e-mail is `email`, if GitHub says."""
        found = send(self._http, "GET", "/search/users", params={"q": f"{email} in:email"})
        items = found.get("items") or []
        return str(items[0]["login"]) if len(items) == 1 else None

    def check(self) -> None:
        """Raise TrackerError unless the token works and can see the repository."""
        try:
            send(self._http, "GET", f"/repos/{self.repo}")
        except TrackerError as error:
            if error.status == 404:
                raise TrackerError(
                    f'repository "{self.repo}" not found, or GITHUB_TOKEN cannot see it',
                    status=404,
                ) from error
            raise

    def _issue(self, body: Any) -> CreatedIssue:
        number = body["number"]
        return CreatedIssue(
            external_id=str(number),
            key=f"{self.repo}#{number}",
            url=str(body["html_url"]),
            extra={"node_id": body.get("node_id")},
        )
