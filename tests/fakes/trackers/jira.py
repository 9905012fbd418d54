"""The fake Jira Cloud REST v3: a project, its issues (created with an Atlassian Document
description, read, searched by JQL for a marker or for the keys updated lately), users searched
by e-mail and the account calling."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from tests.fakes.trackers.base import (
    JIRA_PROJECT,
    JIRA_SITE,
    Answer,
    HttpError,
    Incoming,
    Json,
    TrackerServer,
    when,
)


class JiraRoutes(TrackerServer):
    def __init__(self) -> None:
        super().__init__()
        self.jira_projects: dict[str, dict[str, Any]] = {
            JIRA_PROJECT: {"id": "10000", "key": JIRA_PROJECT, "name": "Engineering"}
        }
        self.jira_issues: list[dict[str, Any]] = []
        self.jira_users_by_email: dict[str, str] = {}  # e-mail -> accountId
        api = "/rest/api/3"
        self.route("jira.create_issue", "jira", "POST", api + "/issue", self._jira_create)
        self.route("jira.issue", "jira", "GET", api + r"/issue/(?P<key>[^/]+)", self._jira_issue)
        self.route("jira.search", "jira", "GET", api + "/search/jql", self._jira_search)
        self.route("jira.search", "jira", "POST", api + "/search/jql", self._jira_search)
        self.route(
            "jira.project", "jira", "GET", api + r"/project/(?P<key>[^/]+)", self._jira_project
        )
        self.route("jira.myself", "jira", "GET", api + "/myself", self._jira_myself)
        self.route("jira.user_search", "jira", "GET", api + "/user/search", self._jira_users)

    def _jira_create(self, incoming: Incoming) -> Answer:
        fields = (incoming.body or {}).get("fields") or {}
        project = (fields.get("project") or {}).get("key")
        errors: dict[str, str] = {}
        if project not in self.jira_projects:
            errors["project"] = "valid project is required"
        if not fields.get("summary"):
            errors["summary"] = "You must specify a summary of the issue."
        if not (fields.get("issuetype") or {}).get("name"):
            errors["issuetype"] = "valid issue type is required"
        description = fields.get("description")
        if description is not None and not _is_adf(description):
            errors["description"] = (
                "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
            )
        due = fields.get("duedate")
        if due is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(due)):
            errors["duedate"] = "Error parsing date string: " + str(due)
        if errors:
            raise HttpError(400, "", errors=errors)
        issue_id = str(10000 + self._next_id())
        key = f"{project}-{sum(1 for i in self.jira_issues if i['project'] == project) + 1}"
        now = self.clock().strftime("%Y-%m-%dT%H:%M:%S.000+0000")
        issue = {
            "id": issue_id,
            "key": key,
            "self": f"{JIRA_SITE}/rest/api/3/issue/{issue_id}",
            "project": project,
            "fields": {
                "summary": fields["summary"],
                "description": description,
                "issuetype": {"name": fields["issuetype"]["name"]},
                "project": self.jira_projects[project],
                "labels": list(fields.get("labels") or []),
                "duedate": due,
                "assignee": fields.get("assignee"),
                "status": {
                    "name": "To Do",
                    "statusCategory": {"id": 2, "key": "new", "name": "To Do"},
                },
                "created": now,
                "updated": now,
            },
        }
        self.jira_issues.append(issue)
        return Answer(201, {"id": issue_id, "key": key, "self": issue["self"]})

    def _jira_issue(self, incoming: Incoming) -> Answer:
        wanted = incoming.match["key"]
        for issue in self.jira_issues:
            if wanted in (issue["id"], issue["key"]):
                return Answer(200, _shown(issue))
        raise HttpError(404, "Issue does not exist or you do not have permission to see it.")

    def _jira_search(self, incoming: Incoming) -> Answer:
        """JQL as the app writes it: `project = X AND text ~ "..."` (the marker's search), or
        `key in (...) AND updated >= -Nm` (a poll: minutes before the tracker's clock)."""
        params = incoming.body if incoming.method == "POST" else incoming.query
        jql = str((params or {}).get("jql", ""))
        keys = re.search(r"key\s+in\s*\(([^)]*)\)", jql)
        if keys is not None:
            return self._jira_changed(jql, {k.strip().strip('"') for k in keys.group(1).split(",")})
        project = re.search(r'project\s*=\s*"?([A-Z][A-Z0-9_]*)"?', jql)
        text = re.search(r'text\s*~\s*"((?:[^"\\]|\\.)*)"', jql)
        wanted = text.group(1).replace('\\"', "").strip() if text else ""
        found = []
        for issue in self.jira_issues:
            if project and issue["project"] != project.group(1):
                continue
            body = issue["fields"]["summary"] + "\n" + _adf_text(issue["fields"]["description"])
            if wanted in body:
                found.append(_shown(issue))
        return Answer(200, {"issues": found, "isLast": True})

    def _jira_changed(self, jql: str, keys: set[str]) -> Answer:
        updated = re.search(r"updated\s*>=\s*-(\d+)m", jql)
        if updated is None:
            raise HttpError(400, "the poll always asks for a time")
        since = self.clock() - timedelta(minutes=int(updated.group(1)))
        found = [
            _shown(issue)
            for issue in self.jira_issues
            if issue["key"] in keys and when(issue["fields"]["updated"]) >= since
        ]
        return Answer(200, {"issues": found, "isLast": True})

    def jira_resolve(self, key: str) -> dict[str, Any]:
        """Move an issue to Done as someone would in Jira; the issue as it is now."""
        with self._cond:
            issue = next(i for i in self.jira_issues if i["key"] == key)
            issue["fields"].update(
                status={"name": "Done", "statusCategory": {"id": 3, "key": "done", "name": "Done"}},
                resolution={"name": "Done"},
                updated=self.clock().strftime("%Y-%m-%dT%H:%M:%S.000+0000"),
            )
            return _shown(issue)

    def _jira_project(self, incoming: Incoming) -> Answer:
        project = self.jira_projects.get(incoming.match["key"])
        if project is None:
            raise HttpError(404, f"No project could be found with key '{incoming.match['key']}'.")
        return Answer(200, {**project, "self": f"{JIRA_SITE}/rest/api/3/project/{project['id']}"})

    def _jira_myself(self, incoming: Incoming) -> Answer:
        return Answer(
            200,
            {
                "accountId": "5b10a2844c20165700ede21g",
                "emailAddress": self.jira_email,
                "displayName": "Liaison",
                "active": True,
            },
        )

    def _jira_users(self, incoming: Incoming) -> Answer:
        account = self.jira_users_by_email.get(incoming.query.get("query", ""))
        if account is None:
            return Answer(200, [])
        return Answer(200, [{"accountId": account, "accountType": "atlassian", "active": True}])


def _is_adf(value: Json) -> bool:
    return (
        isinstance(value, dict)
        and value.get("type") == "doc"
        and value.get("version") == 1
        and isinstance(value.get("content"), list)
    )


def _adf_text(node: Json) -> str:
    """The text of an Atlassian Document Format node, paragraphs on their own lines."""
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text", ""))
    inner = "".join(_adf_text(child) for child in node.get("content") or [])
    return inner + ("\n" if node.get("type") in ("paragraph", "heading", "listItem") else "")


def _shown(issue: dict[str, Any]) -> dict[str, Any]:
    """An issue as the API shows it (without the fake's own bookkeeping)."""
    return {k: v for k, v in issue.items() if k != "project"}
