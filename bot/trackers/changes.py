"""Reading what a tracker says about an issue, in a webhook or in the answer to a poll, into the
domain's `IssueSnapshot` (bot/domain/workflow/tracker_sync.py). Each reader takes the issue in the
shape the tracker's REST or GraphQL API returns it, which is also the shape its webhooks carry:

- GitHub: the `issues` event (`action` closed, reopened, assigned, edited, ...) with `issue`
  (`number`, `state`, `assignee.login`, `updated_at`) and `repository.full_name`; GitHub issues
  have no due date. Comments (`issue_comment`) and other events change nothing followed here.
- Jira: `jira:issue_updated` with `issue` (`id`, `key`, `fields.status.statusCategory.key`
  "done" or a `fields.resolution`, `fields.duedate`, `fields.assignee.accountId`,
  `fields.updated`), the `user` who changed it and the `changelog`.
- Linear: an `Issue` event (`action` "update") whose `data` is the issue (`id`, `identifier`,
  `state.type` completed or canceled, `dueDate`, `assigneeId`, `updatedAt`), with `updatedFrom`
  and the `actor`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

from bot.config import TrackerKind
from bot.domain.workflow.tracker_sync import NOT_TOLD, IssueSnapshot

# Linear's state types that mean the work is over.
LINEAR_CLOSED = ("completed", "canceled")


def webhook_snapshots(kind: TrackerKind, stored: Mapping[str, Any]) -> list[IssueSnapshot]:
    """What a stored webhook says about issues (nothing for events that change nothing
    followed: comments, creations, deletions, pings)."""
    payload = stored.get("payload")
    if not isinstance(payload, dict):
        return []
    if kind == TrackerKind.GITHUB:
        if stored.get("event") != "issues" or payload.get("action") == "opened":
            return []
        repo = _dict(payload.get("repository")).get("full_name")
        seen = github_issue(_dict(payload.get("issue")), repo if isinstance(repo, str) else None)
        sender = _dict(payload.get("sender")).get("login")
        return _with_actor(seen, sender, sender)
    if kind == TrackerKind.JIRA:
        if payload.get("webhookEvent") != "jira:issue_updated":
            return []
        seen = jira_issue(_dict(payload.get("issue")))
        who = _dict(payload.get("user"))
        return _with_actor(seen, who.get("accountId"), who.get("displayName"))
    if payload.get("type") != "Issue" or payload.get("action") != "update":
        return []
    seen = linear_issue(_dict(payload.get("data")))
    who = _dict(payload.get("actor"))
    return _with_actor(seen, who.get("id"), who.get("name"))


def github_issue(issue: Mapping[str, Any], repo: str | None) -> IssueSnapshot | None:
    number = issue.get("number")
    if isinstance(number, bool) or not isinstance(number, int):
        return None
    state = issue.get("state")
    login = _dict(issue.get("assignee")).get("login")
    return IssueSnapshot(
        kind=TrackerKind.GITHUB.value,
        external_id=str(number),
        target=repo,
        closed={"closed": True, "open": False}.get(state) if isinstance(state, str) else None,
        assignee=login if isinstance(login, str) else None,
        assignee_name=login if isinstance(login, str) else None,
        updated_at=_when(issue.get("updated_at")),
        text=_str(issue.get("body")),
    )


def jira_issue(issue: Mapping[str, Any]) -> IssueSnapshot | None:
    issue_id, key = issue.get("id"), issue.get("key")
    if not isinstance(issue_id, str | int) and not isinstance(key, str):
        return None
    fields = _dict(issue.get("fields"))
    category = _dict(_dict(fields.get("status")).get("statusCategory")).get("key")
    closed = None
    if "status" in fields or "resolution" in fields:
        closed = category == "done" or bool(fields.get("resolution"))
    assignee = _dict(fields.get("assignee"))
    account = assignee.get("accountId") or assignee.get("name")  # Data Center: `name`
    return IssueSnapshot(
        kind=TrackerKind.JIRA.value,
        external_id=str(issue_id) if isinstance(issue_id, str | int) else None,
        key=key if isinstance(key, str) else None,
        closed=closed,
        due_on=_day(fields.get("duedate")) if "duedate" in fields else NOT_TOLD,
        assignee=(account if isinstance(account, str) else None)
        if "assignee" in fields
        else NOT_TOLD,
        assignee_name=_str(assignee.get("displayName")),
        updated_at=_when(fields.get("updated")),
        text=_str(adf_text(fields.get("description"))),
    )


def linear_issue(issue: Mapping[str, Any]) -> IssueSnapshot | None:
    issue_id = issue.get("id")
    if not isinstance(issue_id, str):
        return None
    state_type = _dict(issue.get("state")).get("type")
    assignee = _dict(issue.get("assignee"))
    assignee_id = issue.get("assigneeId", assignee.get("id") if "assignee" in issue else NOT_TOLD)
    return IssueSnapshot(
        kind=TrackerKind.LINEAR.value,
        external_id=issue_id,
        key=_str(issue.get("identifier")),
        closed=state_type in LINEAR_CLOSED if isinstance(state_type, str) else None,
        due_on=_day(issue.get("dueDate")) if "dueDate" in issue else NOT_TOLD,
        assignee=assignee_id if isinstance(assignee_id, str) or assignee_id is None else NOT_TOLD,
        assignee_name=_str(assignee.get("name")),
        updated_at=_when(issue.get("updatedAt")),
        text=_str(issue.get("description")),
    )


def adf_text(node: Any) -> str:
    """The text of a Jira description: an Atlassian Document (REST v3; paragraphs on their own
    lines), or the plain text webhooks carry."""
    if isinstance(node, str):
        return node
    if not isinstance(node, dict):
        return ""
    if node.get("type") == "text":
        return str(node.get("text", ""))
    inner = "".join(adf_text(child) for child in node.get("content") or [])
    return inner + ("\n" if node.get("type") == "paragraph" else "")


def _with_actor(seen: IssueSnapshot | None, account: Any, name: Any) -> list[IssueSnapshot]:
    if seen is None:
        return []
    return [replace(seen, actor=_str(account), actor_name=_str(name))]


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _day(value: Any) -> date | None:
    if not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _when(value: Any) -> datetime | None:
    """A tracker's timestamp ("2026-11-30T12:00:00Z", Jira's "...000+0000") in UTC."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
