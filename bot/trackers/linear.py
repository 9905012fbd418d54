"""Linear over its GraphQL API (`LINEAR_API_URL`): `issueCreate` with a markdown description
and `dueDate`, the `liaison` label looked up (or made) in the team. Polling asks the `issues`
query filtered on `id: {in: [...]}` and `updatedAt: {gte: ...}`."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import httpx

from bot.trackers.changes import linear_issue
from bot.trackers.http import TrackerError, graphql_refusal, send
from bot.trackers.issue import CreatedIssue, IssueDraft
from bot.trackers.polling import BATCH, Linked, Polled, iso, polled

CREATE = """
mutation LiaisonCreateIssue($input: IssueCreateInput!) {
  issueCreate(input: $input) { success issue { id identifier url } }
}"""
FIND = """
query LiaisonFindIssue($filter: IssueFilter) {
  issues(filter: $filter, first: 20) {
    nodes {
      id identifier url description updatedAt dueDate state { type } assignee { id name }
    }
  }
}"""
TEAM = """
query LiaisonTeam($id: String!) { team(id: $id) { id key name } }"""
USERS = """
query LiaisonUser($filter: UserFilter) { users(filter: $filter) { nodes { id } } }"""
LABELS = """
query LiaisonLabel($filter: IssueLabelFilter) { issueLabels(filter: $filter) { nodes { id } } }"""
CHANGED = """
query LiaisonChanged($filter: IssueFilter, $first: Int) {
  issues(filter: $filter, first: $first) {
    nodes { id identifier url updatedAt dueDate state { type } assignee { id name } }
  }
}"""
CREATE_LABEL = """
mutation LiaisonCreateLabel($input: IssueLabelCreateInput!) {
  issueLabelCreate(input: $input) { success issueLabel { id } }
}"""


class LinearTracker:
    """Issues of one team (by its id)."""

    def __init__(self, http: httpx.Client, team: str, url: str) -> None:
        self._http = http
        self.team = team
        self._url = url

    def create(self, draft: IssueDraft) -> CreatedIssue:
        data: dict[str, Any] = {
            "teamId": self.team,
            "title": draft.title,
            "description": draft.markdown(),
        }
        if draft.due_on is not None:
            data["dueDate"] = draft.due_on.isoformat()
        if draft.assignee:
            data["assigneeId"] = draft.assignee
        labels = [self._label(name) for name in draft.labels]
        data["labelIds"] = [label for label in labels if label]
        made = self._query(CREATE, {"input": data})["issueCreate"]
        if not made or not made.get("success") or not made.get("issue"):
            raise TrackerError("Linear did not create the issue")
        return _issue(made["issue"])

    def find(self, draft: IssueDraft) -> CreatedIssue | None:
        filters = {"team": {"id": {"eq": self.team}}, "description": {"contains": draft.marker}}
        for node in self._query(FIND, {"filter": filters})["issues"]["nodes"]:
            if draft.is_mine(node.get("description")):
                return dataclasses.replace(_issue(node), seen=linear_issue(node))
        return None

    def account_for(self, email: str) -> str | None:
        nodes = self._query(USERS, {"filter": {"email": {"eq": email}}})["users"]["nodes"]
        return str(nodes[0]["id"]) if len(nodes) == 1 else None

    def check(self) -> None:
        try:
            team = self._query(TEAM, {"id": self.team}).get("team")
        except TrackerError as error:
            if "not found" in error.message.lower():
                raise TrackerError(f'team "{self.team}" not found ({error.message})') from error
            raise
        if not team:
            raise TrackerError(f'team "{self.team}" not found')

    def changed_since(
        self, linked: Sequence[Linked], since: datetime, now: datetime, etag: str | None = None
    ) -> Polled:
        """The linked issues updated since `since`."""
        ids = [item.external_id for item in linked if item.external_id]
        found = []
        for start in range(0, len(ids), BATCH):
            filters = {"id": {"in": ids[start : start + BATCH]}, "updatedAt": {"gte": iso(since)}}
            answer = self._query(CHANGED, {"filter": filters, "first": BATCH})
            for node in (answer.get("issues") or {}).get("nodes") or []:
                seen = linear_issue(node) if isinstance(node, dict) else None
                if seen is not None:
                    found.append(seen)
        return polled(found)

    def _label(self, name: str) -> str | None:
        filters = {"name": {"eq": name}, "team": {"id": {"eq": self.team}}}
        nodes = self._query(LABELS, {"filter": filters})["issueLabels"]["nodes"]
        if nodes:
            return str(nodes[0]["id"])
        made = self._query(CREATE_LABEL, {"input": {"name": name, "teamId": self.team}})
        label = (made.get("issueLabelCreate") or {}).get("issueLabel")
        return str(label["id"]) if label else None

    def _query(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        body = send(self._http, "POST", self._url, json={"query": query, "variables": variables})
        refused = graphql_refusal(body)
        if refused is not None:
            raise refused
        return dict(body.get("data") or {})


def _issue(node: dict[str, Any]) -> CreatedIssue:
    return CreatedIssue(str(node["id"]), str(node["identifier"]), str(node["url"]))
