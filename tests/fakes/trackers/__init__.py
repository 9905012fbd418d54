"""Fake GitHub, Jira Cloud and Linear APIs on loopback, one server for all three (base.py), each
vendor's routes in its own module (github.py, jira.py, linear.py).

Each answers with the shapes its vendor documents (GitHub REST, Jira Cloud REST v3, Linear
GraphQL), checks the credentials the app sends (GitHub's Bearer token, Jira's Basic auth,
Linear's bare API key), keeps the issues it was asked to create, and records every call.

Routes are a table (`FakeTrackers.route`): a vendor, an HTTP method, a path pattern and a
handler; Linear's one GraphQL path is routed by the top-level field the query asks for
(`linear.issueCreate`, `linear.issues`, `linear.team`...). To add a route, register it with
`route(...)` (or `graphql(...)` for Linear) in the vendor's `__init__` or on an instance.

What polling asks is answered too: GitHub's issue list of a repository (`since`, and an ETag
answered with 304 to `If-None-Match`), Jira's JQL narrowed by `key in (...)` and a relative
`updated >= -Nm`, Linear's `issues` filtered by `id.in` and `updatedAt.gte`. Times are stamped
and compared on the fake's clock, `now`, which a test sets to the app's.

Faults are injected per route name (`github.create_issue`, `jira.search`, `linear.issueCreate`):
`fail(route, status)` answers an error in the vendor's own shape (401, 403, 404, 422, 429 with
Retry-After, 5xx), `hang(route)` holds the answer until the client gives up (a timeout), and
`lose_answer(route)` does the work (the issue IS created) and drops the connection without
answering.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.fakes.trackers.base import (
    GITHUB_REPO,
    GITHUB_TOKEN,
    JIRA_API_TOKEN,
    JIRA_EMAIL,
    JIRA_PROJECT,
    JIRA_SITE,
    LINEAR_API_KEY,
    LINEAR_PATH,
    LINEAR_TEAM,
    LINEAR_TEAM_KEY,
    Answer,
    HttpError,
    Incoming,
    TrackerCall,
)
from tests.fakes.trackers.github import GitHubRoutes
from tests.fakes.trackers.jira import JiraRoutes
from tests.fakes.trackers.linear import LinearRoutes

__all__ = [
    "GITHUB_REPO",
    "GITHUB_TOKEN",
    "JIRA_API_TOKEN",
    "JIRA_EMAIL",
    "JIRA_PROJECT",
    "JIRA_SITE",
    "LINEAR_API_KEY",
    "LINEAR_PATH",
    "LINEAR_TEAM",
    "LINEAR_TEAM_KEY",
    "Answer",
    "FakeTrackers",
    "HttpError",
    "Incoming",
    "TrackerCall",
    "fake_trackers",
]


class FakeTrackers(GitHubRoutes, JiraRoutes, LinearRoutes):
    """The three trackers; see the package's docstring."""

    def __enter__(self) -> FakeTrackers:
        self.start()
        return self

    def issues(self, vendor: str) -> list[dict[str, Any]]:
        """Every issue created in `vendor`'s tracker, oldest first."""
        with self._cond:
            if vendor == "github":
                return [i for issues in self.github_issues.values() for i in issues]
            return list(self.jira_issues if vendor == "jira" else self.linear_issues)


@pytest.fixture
def fake_trackers() -> Iterator[FakeTrackers]:
    """The fake GitHub, Jira and Linear, started for one test."""
    with FakeTrackers() as fake:
        yield fake
