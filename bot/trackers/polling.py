"""Asking a tracker which of the linked issues changed since the last poll, for installations
without a public URL for webhooks. The answers are read into the same snapshots webhooks are
(bot/trackers/changes.py), and handled the same way.

- GitHub: `GET /repos/{owner}/{repo}/issues?state=all&since=...` (`since`: updated at or after),
  sent with the previous answer's ETag in `If-None-Match`: an unchanged list costs a 304, which
  GitHub does not count against the rate limit. Pull requests in the list are skipped.
- Jira: `POST /rest/api/3/search/jql` with `key in (...) AND updated >= -Nm` (a relative time,
  so the Jira account's own time zone does not matter).
- Linear: the `issues` query filtered on `id: {in: [...]}` and `updatedAt: {gte: ...}`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx

from bot.config import TrackerKind
from bot.domain.workflow.tracker_sync import IssueSnapshot
from bot.trackers.access import TrackerAccess
from bot.trackers.changes import github_issue, jira_issue, linear_issue

# Issues asked about in one call (Jira's and Linear's page sizes).
BATCH = 100
JIRA_FIELDS = ["status", "resolution", "duedate", "assignee", "updated"]
LINEAR_CHANGED = """
query Changed($filter: IssueFilter, $first: Int) {
  issues(filter: $filter, first: $first) {
    nodes { id identifier url updatedAt dueDate state { type } assignee { id name } }
  }
}
"""


class PollFailed(Exception):
    """The tracker did not answer the poll usefully (down, refused, not the shape expected)."""


@dataclass(frozen=True)
class Polled:
    """What a poll found: the issues that changed, and the validator of the answer (GitHub's
    ETag) to send next time; `unchanged` when the tracker said nothing changed (a 304)."""

    snapshots: list[IssueSnapshot]
    etag: str | None = None
    unchanged: bool = False
    # The latest change in the answer, linked issues or not: where the next poll starts, so a
    # page full of other issues' changes does not hold it back.
    latest: datetime | None = None


@dataclass(frozen=True)
class Linked:
    """A linked issue as stored: the tracker's id and key."""

    external_id: str | None
    key: str | None


def poll_changes(
    client: httpx.Client,
    access: TrackerAccess,
    *,
    target: str,
    linked: Sequence[Linked],
    since: datetime,
    now: datetime,
    etag: str | None = None,
) -> Polled:
    """The linked issues of `target` updated since `since` (raises PollFailed)."""
    try:
        if access.kind == TrackerKind.GITHUB:
            return _github(client, access, target, linked, since, etag)
        if access.kind == TrackerKind.JIRA:
            return _jira(client, access, linked, since, now)
        return _linear(client, access, linked, since)
    except httpx.HTTPError as error:
        raise PollFailed(f"{type(error).__name__}") from error
    except ValueError as error:  # not JSON
        raise PollFailed("the answer is not JSON") from error


def _github(
    client: httpx.Client,
    access: TrackerAccess,
    repo: str,
    linked: Sequence[Linked],
    since: datetime,
    etag: str | None,
) -> Polled:
    headers = dict(access.headers)
    if etag:
        headers["If-None-Match"] = etag
    params = {
        "state": "all",
        "since": _iso(since),
        "sort": "updated",
        "direction": "asc",
        "per_page": "100",
    }
    response = client.get(f"{access.api_url}/repos/{repo}/issues", params=params, headers=headers)
    if response.status_code == 304:
        return Polled([], etag=etag, unchanged=True)
    _ok(response)
    numbers = {item.external_id for item in linked}
    issues = response.json()
    if not isinstance(issues, list):
        raise PollFailed("GitHub's issue list is not a list")
    found, latest = [], None
    for issue in issues:
        seen = github_issue(issue, repo) if isinstance(issue, dict) else None
        if seen is None:
            continue
        if seen.updated_at is not None:
            latest = max(latest, seen.updated_at) if latest else seen.updated_at
        if "pull_request" not in issue and seen.external_id in numbers:
            found.append(seen)
    return Polled(found, etag=response.headers.get("ETag"), latest=latest)


def _jira(
    client: httpx.Client,
    access: TrackerAccess,
    linked: Sequence[Linked],
    since: datetime,
    now: datetime,
) -> Polled:
    keys = [item.key for item in linked if item.key]
    minutes = max(1, math.ceil((now - since).total_seconds() / 60) + 1)
    found = []
    for start in range(0, len(keys), BATCH):
        batch = ",".join(f'"{key}"' for key in keys[start : start + BATCH])
        body = {
            "jql": f"key in ({batch}) AND updated >= -{minutes}m ORDER BY updated ASC",
            "fields": JIRA_FIELDS,
            "maxResults": BATCH,
        }
        response = client.post(
            f"{access.api_url}/rest/api/3/search/jql", json=body, headers=access.headers
        )
        _ok(response)
        issues = _dict(response.json()).get("issues")
        for issue in issues if isinstance(issues, list) else []:
            seen = jira_issue(_dict(issue))
            if seen is not None:
                found.append(seen)
    return Polled(found, latest=_latest(found))


def _linear(
    client: httpx.Client, access: TrackerAccess, linked: Sequence[Linked], since: datetime
) -> Polled:
    ids = [item.external_id for item in linked if item.external_id]
    found = []
    for start in range(0, len(ids), BATCH):
        variables = {
            "filter": {"id": {"in": ids[start : start + BATCH]}, "updatedAt": {"gte": _iso(since)}},
            "first": BATCH,
        }
        response = client.post(
            access.api_url,
            json={"query": LINEAR_CHANGED, "variables": variables},
            headers=access.headers,
        )
        _ok(response)
        answer = _dict(response.json())
        if answer.get("errors"):
            raise PollFailed("Linear answered with errors")
        nodes = _dict(_dict(answer.get("data")).get("issues")).get("nodes")
        for node in nodes if isinstance(nodes, list) else []:
            seen = linear_issue(_dict(node))
            if seen is not None:
                found.append(seen)
    return Polled(found, latest=_latest(found))


def _latest(found: Sequence[IssueSnapshot]) -> datetime | None:
    return max((seen.updated_at for seen in found if seen.updated_at), default=None)


def _ok(response: httpx.Response) -> None:
    if response.status_code >= 400:
        raise PollFailed(f"HTTP {response.status_code}")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
