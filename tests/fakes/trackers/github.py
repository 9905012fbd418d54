"""The fake GitHub REST API: a repository, its issues (created, read, listed since a time with
an ETag, searched) and users searched by e-mail."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from tests.fakes.trackers.base import (
    GITHUB_REPO,
    Answer,
    HttpError,
    Incoming,
    TrackerServer,
    when,
)


class GitHubRoutes(TrackerServer):
    def __init__(self) -> None:
        super().__init__()
        # What exists. Tests add to these (another repo, a user's e-mail).
        self.github_repos: set[str] = {GITHUB_REPO}
        self.github_issues: dict[str, list[dict[str, Any]]] = {GITHUB_REPO: []}
        self.github_users_by_email: dict[str, str] = {}  # e-mail -> login
        repo = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
        self.route("github.list_issues", "github", "GET", repo + "/issues", self._github_list)
        self.route("github.repo", "github", "GET", repo, self._github_repo)
        self.route("github.create_issue", "github", "POST", repo + "/issues", self._github_create)
        self.route(
            "github.issue", "github", "GET", repo + r"/issues/(?P<number>\d+)", self._github_issue
        )
        self.route("github.search", "github", "GET", "/search/issues", self._github_search)
        self.route("github.search_users", "github", "GET", "/search/users", self._github_users)

    def _github_repo_name(self, incoming: Incoming) -> str:
        name = f"{incoming.match['owner']}/{incoming.match['repo']}"
        if name not in self.github_repos:
            raise HttpError(404, "Not Found")
        return name

    def _github_repo(self, incoming: Incoming) -> Answer:
        name = self._github_repo_name(incoming)
        owner = name.split("/")[0]
        return Answer(
            200,
            {
                "id": 1296269,
                "node_id": "MDEwOlJlcG9zaXRvcnkxMjk2MjY5",
                "name": name.split("/")[1],
                "full_name": name,
                "owner": {"login": owner, "type": "Organization"},
                "private": True,
                "html_url": f"https://github.com/{name}",
                "has_issues": True,
                "permissions": {"admin": False, "push": True, "pull": True},
            },
        )

    def _github_create(self, incoming: Incoming) -> Answer:
        name = self._github_repo_name(incoming)
        body = incoming.body if isinstance(incoming.body, dict) else {}
        if not body.get("title"):
            raise HttpError(
                422,
                "Validation Failed",
                errors=[{"resource": "Issue", "code": "missing_field", "field": "title"}],
            )
        issues = self.github_issues.setdefault(name, [])
        number = len(issues) + 1
        issue_id = 1000 + self._next_id()
        now = self.stamp()
        issue = {
            "id": issue_id,
            "node_id": f"I_kwDO{issue_id:08d}",
            "url": f"{self.github_url}/repos/{name}/issues/{number}",
            "repository_url": f"{self.github_url}/repos/{name}",
            "html_url": f"https://github.com/{name}/issues/{number}",
            "number": number,
            "state": "open",
            "state_reason": None,
            "title": body["title"],
            "body": body.get("body"),
            "user": {"login": "liaison-bot", "id": 1, "type": "Bot"},
            "labels": [
                {"id": 200 + i, "name": label, "color": "ededed", "default": False}
                for i, label in enumerate(body.get("labels") or [])
            ],
            "assignee": None,
            "assignees": [
                {"login": login, "type": "User"} for login in body.get("assignees") or []
            ],
            "milestone": None,
            "locked": False,
            "comments": 0,
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
            "author_association": "NONE",
        }
        if issue["assignees"]:
            issue["assignee"] = issue["assignees"][0]
        issues.append(issue)
        return Answer(201, issue, {"Location": issue["url"]})

    def _github_issue(self, incoming: Incoming) -> Answer:
        name = self._github_repo_name(incoming)
        number = int(incoming.match["number"])
        for issue in self.github_issues.get(name, []):
            if issue["number"] == number:
                return Answer(200, issue)
        raise HttpError(404, "Not Found")

    def _github_search(self, incoming: Incoming) -> Answer:
        # The qualifiers the app uses: repo:, is:issue, label:, in:body, and quoted or bare terms.
        q = incoming.query.get("q", "")
        repo = re.search(r"\brepo:(\S+)", q)
        labels = re.findall(r"\blabel:(\S+)", q)
        terms = [t.strip('"') for t in re.findall(r'"[^"]*"|\S+', q) if ":" not in t]
        found = []
        for name, issues in self.github_issues.items():
            if repo and repo.group(1) != name:
                continue
            for issue in issues:
                names = {label["name"] for label in issue["labels"]}
                text = f"{issue['title']}\n{issue['body'] or ''}"
                if all(label in names for label in labels) and all(t in text for t in terms):
                    found.append(issue)
        return Answer(200, {"total_count": len(found), "incomplete_results": False, "items": found})

    def _github_users(self, incoming: Incoming) -> Answer:
        q = incoming.query.get("q", "")
        email = q.split(" ")[0]
        login = self.github_users_by_email.get(email)
        items = [{"login": login, "id": 5000, "type": "User"}] if login else []
        return Answer(200, {"total_count": len(items), "incomplete_results": False, "items": items})

    def _github_list(self, incoming: Incoming) -> Answer:
        """A repository's issues (pull requests too), `since` an update time, answered with an
        ETag: the same question with `If-None-Match` of the same answer gets a 304."""
        name = self._github_repo_name(incoming)
        since = when(incoming.query.get("since"))
        issues = [
            issue
            for issue in self.github_issues.get(name, [])
            if since is None or when(issue["updated_at"]) >= since
        ]
        issues.sort(key=lambda issue: issue["updated_at"])
        body = json.dumps([incoming.query, issues], sort_keys=True).encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if incoming.headers.get("if-none-match") == etag:
            return Answer(304, "", {"ETag": etag})
        return Answer(200, issues, {"ETag": etag})

    def github_close(self, number: int, repo: str = GITHUB_REPO) -> dict[str, Any]:
        """Close an issue as someone would on GitHub; the issue as it is now."""
        with self._cond:
            issue = next(i for i in self.github_issues[repo] if i["number"] == number)
            issue.update(state="closed", state_reason="completed", updated_at=self.stamp())
            issue["closed_at"] = issue["updated_at"]
            return issue
