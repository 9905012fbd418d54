"""The fake Linear GraphQL API: one endpoint, routed by the top-level field a query asks for
(`issueCreate`, `issues`, `team`, `users`, `issueLabels`...)."""

from __future__ import annotations

import re
from typing import Any

from tests.fakes.trackers.base import (
    LINEAR_TEAM,
    LINEAR_TEAM_KEY,
    Answer,
    Incoming,
    TrackerServer,
    _graphql_error,
    _variables,
    when,
)


class LinearRoutes(TrackerServer):
    def __init__(self) -> None:
        super().__init__()
        self.linear_teams: dict[str, dict[str, Any]] = {
            LINEAR_TEAM: {"id": LINEAR_TEAM, "key": LINEAR_TEAM_KEY, "name": "Engineering"}
        }
        self.linear_issues: list[dict[str, Any]] = []
        self.linear_labels: list[dict[str, Any]] = []
        self.linear_users_by_email: dict[str, str] = {}  # e-mail -> user id
        self.graphql("issueCreate", self._linear_create)
        self.graphql("issues", self._linear_issues)
        self.graphql("issue", self._linear_issue)
        self.graphql("team", self._linear_team)
        self.graphql("viewer", self._linear_viewer)
        self.graphql("users", self._linear_users)
        self.graphql("issueLabels", self._linear_labels)
        self.graphql("issueLabelCreate", self._linear_label_create)

    def _linear_create(self, incoming: Incoming) -> Answer:
        data = _variables(incoming).get("input") or {}
        team = self.linear_teams.get(data.get("teamId", ""))
        if team is None:
            return _graphql_error("Entity not found: Team", "INVALID_INPUT", "invalid input")
        if not data.get("title"):
            return _graphql_error("title must be a string", "INVALID_INPUT", "invalid input")
        number = sum(1 for i in self.linear_issues if i["team"]["id"] == team["id"]) + 1
        identifier = f"{team['key']}-{number}"
        now = self.stamp()
        issue = {
            "id": f"a1b2c3d4-0000-4000-8000-{self._next_id():012d}",
            "identifier": identifier,
            "number": number,
            "url": f"https://linear.app/acme/issue/{identifier}/{_slug(data['title'])}",
            "title": data["title"],
            "description": data.get("description"),
            "dueDate": data.get("dueDate"),
            "assignee": {"id": data["assigneeId"]} if data.get("assigneeId") else None,
            "labelIds": list(data.get("labelIds") or []),
            "team": {"id": team["id"], "key": team["key"]},
            "state": {"name": "Todo", "type": "unstarted"},
            "createdAt": now,
            "updatedAt": now,
        }
        self.linear_issues.append(issue)
        return Answer(200, {"data": {"issueCreate": {"success": True, "issue": issue}}})

    def _linear_issues(self, incoming: Incoming) -> Answer:
        """Issues filtered as the app asks: by team and description (the marker's search), or
        by `id.in` and `updatedAt.gte` (a poll)."""
        filters = _variables(incoming).get("filter") or {}
        team_id = ((filters.get("team") or {}).get("id") or {}).get("eq")
        contains = (filters.get("description") or {}).get("contains") or ""
        ids = (filters.get("id") or {}).get("in")
        since = when((filters.get("updatedAt") or {}).get("gte"))
        nodes = [
            issue
            for issue in self.linear_issues
            if (team_id is None or issue["team"]["id"] == team_id)
            and contains in (issue["description"] or "")
            and (ids is None or issue["id"] in ids)
            and (since is None or when(issue["updatedAt"]) >= since)
        ]
        page = {"hasNextPage": False, "endCursor": None}
        return Answer(200, {"data": {"issues": {"nodes": nodes, "pageInfo": page}}})

    def linear_complete(self, identifier: str) -> dict[str, Any]:
        """Move an issue to a completed state as someone would in Linear; the issue now."""
        with self._cond:
            issue = next(i for i in self.linear_issues if i["identifier"] == identifier)
            issue.update(state={"name": "Done", "type": "completed"}, updatedAt=self.stamp())
            return issue

    def _linear_issue(self, incoming: Incoming) -> Answer:
        wanted = _variables(incoming).get("id")
        for issue in self.linear_issues:
            if wanted in (issue["id"], issue["identifier"]):
                return Answer(200, {"data": {"issue": issue}})
        return _graphql_error("Entity not found: Issue", "INVALID_INPUT", "invalid input")

    def _linear_team(self, incoming: Incoming) -> Answer:
        team = self.linear_teams.get(_variables(incoming).get("id", ""))
        if team is None:
            return _graphql_error("Entity not found: Team", "INVALID_INPUT", "invalid input")
        return Answer(200, {"data": {"team": team}})

    def _linear_viewer(self, incoming: Incoming) -> Answer:
        viewer = {"id": "f2c1a5e0-0000-4000-8000-000000000001", "name": "Liaison"}
        return Answer(200, {"data": {"viewer": viewer}})

    def _linear_users(self, incoming: Incoming) -> Answer:
        filters = _variables(incoming).get("filter") or {}
        email = (filters.get("email") or {}).get("eq")
        user = self.linear_users_by_email.get(email or "")
        nodes = [{"id": user, "email": email}] if user else []
        return Answer(200, {"data": {"users": {"nodes": nodes}}})

    def _linear_labels(self, incoming: Incoming) -> Answer:
        filters = _variables(incoming).get("filter") or {}
        name = (filters.get("name") or {}).get("eq")
        nodes = [label for label in self.linear_labels if name in (None, label["name"])]
        return Answer(200, {"data": {"issueLabels": {"nodes": nodes}}})

    def _linear_label_create(self, incoming: Incoming) -> Answer:
        data = _variables(incoming).get("input") or {}
        label = {"id": f"1abe1000-0000-4000-8000-{self._next_id():012d}", "name": data["name"]}
        self.linear_labels.append(label)
        return Answer(200, {"data": {"issueLabelCreate": {"success": True, "issueLabel": label}}})


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "issue"
