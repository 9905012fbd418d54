"""The fake trackers (tests/fakes/trackers.py) with what polling asks: GitHub's issue list of a
repository (`since`, and ETag / If-None-Match answered with 304), Jira's JQL search narrowed by
`key in (...)` and a relative `updated >= -Nm`, and Linear's `issues` filtered by `id.in` and
`updatedAt.gte`. Timestamps compare against `now`, which a test sets (the app's clock)."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.fakes.trackers import Answer, FakeTrackers, HttpError, Incoming, _variables


class PollingTrackers(FakeTrackers):
    def __init__(self) -> None:
        super().__init__()
        self.now = datetime.now(UTC)
        repo = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
        self.route("github.list_issues", "github", "GET", repo + "/issues", self._github_list)

    def _github_list(self, incoming: Incoming) -> Answer:
        name = self._github_repo_name(incoming)
        since = _when(incoming.query.get("since"))
        issues = [
            issue
            for issue in self.github_issues.get(name, [])
            if since is None or _when(issue["updated_at"]) >= since
        ]
        issues.sort(key=lambda issue: issue["updated_at"])
        body = json.dumps([incoming.query, issues], sort_keys=True).encode()
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        if incoming.headers.get("if-none-match") == etag:
            return Answer(304, "", {"ETag": etag})
        return Answer(200, issues, {"ETag": etag})

    def _jira_search(self, incoming: Incoming) -> Answer:
        params = incoming.body if incoming.method == "POST" else incoming.query
        jql = str((params or {}).get("jql", ""))
        keys = re.search(r"key\s+in\s*\(([^)]*)\)", jql)
        if keys is None:
            return super()._jira_search(incoming)
        wanted = {k.strip().strip('"') for k in keys.group(1).split(",")}
        updated = re.search(r"updated\s*>=\s*-(\d+)m", jql)
        if updated is None:
            raise HttpError(400, "the poll always asks for a time")
        since = self.now - timedelta(minutes=int(updated.group(1)))
        found = [
            {k: v for k, v in issue.items() if k != "project"}
            for issue in self.jira_issues
            if issue["key"] in wanted and _when(issue["fields"]["updated"]) >= since
        ]
        return Answer(200, {"issues": found, "isLast": True})

    def _linear_issues(self, incoming: Incoming) -> Answer:
        filters = _variables(incoming).get("filter") or {}
        ids = (filters.get("id") or {}).get("in")
        if ids is None:
            return super()._linear_issues(incoming)
        since = _when((filters.get("updatedAt") or {}).get("gte"))
        nodes = [
            issue
            for issue in self.linear_issues
            if issue["id"] in ids and (since is None or _when(issue["updatedAt"]) >= since)
        ]
        page = {"hasNextPage": False, "endCursor": None}
        return Answer(200, {"data": {"issues": {"nodes": nodes, "pageInfo": page}}})


def _when(value: Any) -> datetime:
    moment = datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
