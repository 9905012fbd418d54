"""Fake GitHub, Jira Cloud and Linear APIs on loopback, one server for all three.

Each answers with the shapes its vendor documents (GitHub REST, Jira Cloud REST v3, Linear
GraphQL), checks the credentials the app sends (GitHub's Bearer token, Jira's Basic auth,
Linear's bare API key), keeps the issues it was asked to create, and records every call.

Routes are a table (`FakeTrackers.route`): a vendor, an HTTP method, a path pattern and a
handler; Linear's one GraphQL path is routed by the top-level field the query asks for
(`linear.issueCreate`, `linear.issues`, `linear.team`...). To add a route, register it with
`route(...)` (or `graphql(...)` for Linear) in a subclass's `__init__` or on an instance.

Faults are injected per route name (`github.create_issue`, `jira.search`, `linear.issueCreate`):
`fail(route, status)` answers an error in the vendor's own shape (401, 403, 404, 422, 429 with
Retry-After, 5xx), `hang(route)` holds the answer until the client gives up (a timeout), and
`lose_answer(route)` does the work (the issue IS created) and drops the connection without
answering.
"""

from __future__ import annotations

import base64
import contextlib
import itertools
import json
import re
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

GITHUB_TOKEN = "ghp_test-token"
JIRA_EMAIL = "bot@acme.example"
JIRA_API_TOKEN = "jira-test-token"
LINEAR_API_KEY = "lin_api_test-key"

GITHUB_REPO = "acme/backend"
JIRA_PROJECT = "ENG"
LINEAR_TEAM = "9cfb482a-81e3-4154-b5b9-2c805e70a02d"
LINEAR_TEAM_KEY = "ENG"

JIRA_SITE = "https://acme.atlassian.net"
LINEAR_PATH = "/graphql"

Json = Any


@dataclass
class Incoming:
    """One request as the fake received it; handlers read it, the recorder keeps it."""

    vendor: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-cased names
    body: Json
    raw_body: bytes
    match: dict[str, str] = field(default_factory=dict)  # the path pattern's named groups


@dataclass
class Answer:
    status: int
    body: Json
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class TrackerCall:
    """One answered (or deliberately unanswered) call."""

    route: str
    request: Incoming
    status: int  # 0: no answer was sent (hang, lost answer)
    response: Json

    @property
    def body(self) -> Json:
        return self.request.body


@dataclass
class Fault:
    status: int  # 0: no error answer (hang or lost answer)
    message: str | None
    retry_after: int | None
    remaining: int
    hang: bool = False
    lose: bool = False


Handler = Callable[[Incoming], Answer]


@dataclass
class Route:
    name: str
    vendor: str
    method: str
    pattern: re.Pattern[str]
    handler: Handler


class HttpError(Exception):
    """Raised by a handler to answer with an error in its vendor's shape."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.extra = extra


class FakeTrackers:
    """The three trackers; see the module docstring."""

    def __init__(self) -> None:
        self.github_token = GITHUB_TOKEN
        self.jira_email = JIRA_EMAIL
        self.jira_api_token = JIRA_API_TOKEN
        self.linear_api_key = LINEAR_API_KEY
        # What exists on each side. Tests add to these (another repo, a user's e-mail).
        self.github_repos: set[str] = {GITHUB_REPO}
        self.github_issues: dict[str, list[dict[str, Any]]] = {GITHUB_REPO: []}
        self.github_users_by_email: dict[str, str] = {}  # e-mail -> login
        self.jira_projects: dict[str, dict[str, Any]] = {
            JIRA_PROJECT: {"id": "10000", "key": JIRA_PROJECT, "name": "Engineering"}
        }
        self.jira_issues: list[dict[str, Any]] = []
        self.jira_users_by_email: dict[str, str] = {}  # e-mail -> accountId
        self.linear_teams: dict[str, dict[str, Any]] = {
            LINEAR_TEAM: {"id": LINEAR_TEAM, "key": LINEAR_TEAM_KEY, "name": "Engineering"}
        }
        self.linear_issues: list[dict[str, Any]] = []
        self.linear_labels: list[dict[str, Any]] = []
        self.linear_users_by_email: dict[str, str] = {}  # e-mail -> user id
        self._ids = itertools.count(1)
        self._calls: list[TrackerCall] = []
        self._faults: dict[str, list[Fault]] = {}
        self._cond = threading.Condition(threading.RLock())
        self._release = threading.Event()  # set at stop: hung answers end
        self._routes: list[Route] = []
        self._graphql: dict[str, Handler] = {}
        self._server: _Server | None = None
        self._add_github_routes()
        self._add_jira_routes()
        self._add_linear_routes()

    # -- serving -----------------------------------------------------------------------------

    def start(self) -> FakeTrackers:
        self._release.clear()
        self._server = _Server(self)
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        ).start()
        return self

    def stop(self) -> None:
        self._release.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeTrackers:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        if self._server is None:
            raise RuntimeError("FakeTrackers is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def github_url(self) -> str:
        """GITHUB_API_URL (GitHub Enterprise Server serves the API under /api/v3)."""
        return self.root_url + "/github"

    @property
    def jira_url(self) -> str:
        """JIRA_BASE_URL: the site's root; the API is under /rest/api/3."""
        return self.root_url + "/jira"

    @property
    def linear_url(self) -> str:
        """LINEAR_API_URL: the one GraphQL endpoint."""
        return self.root_url + "/linear" + LINEAR_PATH

    def environment(self) -> dict[str, str]:
        """Settings (lower-case names, as `Settings(**...)` takes them) that point the app here."""
        return {
            "github_token": self.github_token,
            "github_api_url": self.github_url,
            "jira_base_url": self.jira_url,
            "jira_email": self.jira_email,
            "jira_api_token": self.jira_api_token,
            "linear_api_key": self.linear_api_key,
            "linear_api_url": self.linear_url,
        }

    # -- routes ------------------------------------------------------------------------------

    def route(self, name: str, vendor: str, method: str, pattern: str, handler: Handler) -> None:
        """Answer `method` requests to `pattern` (a regex over the path below the vendor's
        prefix, named groups passed as `Incoming.match`) with `handler`."""
        self._routes.append(Route(name, vendor, method, re.compile(pattern + r"\Z"), handler))

    def graphql(self, field_name: str, handler: Handler) -> None:
        """Answer Linear queries and mutations whose first top-level field is `field_name`
        (route name `linear.<field_name>`)."""
        self._graphql[field_name] = handler

    # -- what tests read ---------------------------------------------------------------------

    @property
    def calls(self) -> list[TrackerCall]:
        with self._cond:
            return list(self._calls)

    def calls_to(self, route: str) -> list[TrackerCall]:
        return [c for c in self.calls if c.route == route]

    def wait_for(self, route: str, count: int = 1, timeout: float = 5.0) -> list[TrackerCall]:
        """Block until `count` calls to `route` were recorded; return them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(found := self.calls_to(route)) < count:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError(
                        f"expected {count} call(s) to {route}, got {len(found)}; "
                        f"routes seen: {[c.route for c in self._calls]}"
                    )
                self._cond.wait(remaining)
        return found

    def assert_no_call(self, route: str) -> None:
        found = self.calls_to(route)
        assert not found, f"expected no call to {route}, got {[c.body for c in found]}"

    def issues(self, vendor: str) -> list[dict[str, Any]]:
        """Every issue created in `vendor`'s tracker, oldest first."""
        with self._cond:
            if vendor == "github":
                return [i for issues in self.github_issues.values() for i in issues]
            return list(self.jira_issues if vendor == "jira" else self.linear_issues)

    # -- faults --------------------------------------------------------------------------------

    def fail(
        self,
        route: str,
        status: int,
        *,
        message: str | None = None,
        retry_after: int | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next `times` calls to `route` with `status` in the vendor's error shape
        (nothing is done). 429 sends Retry-After (default 1)."""
        if status == 429 and retry_after is None:
            retry_after = 1
        self._add_fault(route, Fault(status, message, retry_after, times))

    def hang(self, route: str, *, times: int = 1) -> None:
        """Never answer the next `times` calls to `route` (until the fake stops): the client
        times out. Nothing is done."""
        self._add_fault(route, Fault(0, None, None, times, hang=True))

    def lose_answer(self, route: str, *, times: int = 1) -> None:
        """Carry out the next `times` calls to `route` (the issue is created) and drop the
        connection before answering: the client cannot know it worked."""
        self._add_fault(route, Fault(0, None, None, times, lose=True))

    def _add_fault(self, route: str, fault: Fault) -> None:
        with self._cond:
            self._faults.setdefault(route, []).append(fault)

    def _take_fault(self, route: str) -> Fault | None:
        with self._cond:
            queue = self._faults.get(route)
            if not queue:
                return None
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.pop(0)
            return fault

    # -- dispatch (server threads) ---------------------------------------------------------------

    def _dispatch(self, incoming: Incoming) -> tuple[str, Answer | None]:
        """The route's name and its answer; None: send nothing and drop the connection."""
        route, handler = self._find(incoming)
        if route is None or handler is None:
            answer = _error(incoming.vendor, 404, "Not Found")
            self._record(route or "unrouted", incoming, answer)
            return route or "unrouted", answer
        auth = self._authenticate(incoming)
        fault = self._take_fault(route) if auth is None else None
        if auth is not None:
            answer: Answer | None = auth
        elif fault is not None and fault.hang:
            self._record(route, incoming, None)
            self._release.wait(30)
            return route, None
        elif fault is not None and fault.status:
            answer = _fault_answer(incoming.vendor, fault)
        else:
            answer = self._handle(handler, incoming)
        if fault is not None and fault.lose:
            self._record(route, incoming, None)
            return route, None
        self._record(route, incoming, answer)
        return route, answer

    def _find(self, incoming: Incoming) -> tuple[str | None, Handler | None]:
        if incoming.vendor == "linear" and incoming.path == LINEAR_PATH:
            field_name = _top_field(incoming.body)
            return f"linear.{field_name}", self._graphql.get(field_name or "")
        for route in self._routes:
            if route.vendor != incoming.vendor or route.method != incoming.method:
                continue
            found = route.pattern.match(incoming.path)
            if found:
                incoming.match = {k: v for k, v in found.groupdict().items() if v is not None}
                return route.name, route.handler
        return None, None

    def _handle(self, handler: Handler, incoming: Incoming) -> Answer:
        try:
            with self._cond:
                return handler(incoming)
        except HttpError as error:
            return _error(incoming.vendor, error.status, error.message, **error.extra)

    def _record(self, route: str, incoming: Incoming, answer: Answer | None) -> None:
        call = TrackerCall(route, incoming, answer.status if answer else 0, answer and answer.body)
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()

    def _authenticate(self, incoming: Incoming) -> Answer | None:
        given = incoming.headers.get("authorization", "")
        if incoming.vendor == "github":
            ok = given in (f"Bearer {self.github_token}", f"token {self.github_token}")
            return None if ok else _error("github", 401, "Bad credentials")
        if incoming.vendor == "jira":
            basic = f"{self.jira_email}:{self.jira_api_token}".encode()
            if given == "Basic " + base64.b64encode(basic).decode():
                return None
            # Jira Cloud answers a bad API token with 401 and a plain sentence.
            return Answer(
                401,
                "Client must be authenticated to access this resource.",
                {"Content-Type": "text/plain"},
            )
        if given == self.linear_api_key:
            return None
        return _graphql_error(
            "Authentication required, not authenticated",
            "AUTHENTICATION_ERROR",
            "authentication error",
        )

    def _next_id(self) -> int:
        return next(self._ids)

    # -- GitHub REST ---------------------------------------------------------------------------

    def _add_github_routes(self) -> None:
        repo = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
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
        now = _now()
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

    # -- Jira Cloud REST v3 ---------------------------------------------------------------------

    def _add_jira_routes(self) -> None:
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
        now = _now()
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
                return Answer(200, {k: v for k, v in issue.items() if k != "project"})
        raise HttpError(404, "Issue does not exist or you do not have permission to see it.")

    def _jira_search(self, incoming: Incoming) -> Answer:
        params = incoming.body if incoming.method == "POST" else incoming.query
        jql = str((params or {}).get("jql", ""))
        project = re.search(r'project\s*=\s*"?([A-Z][A-Z0-9_]*)"?', jql)
        text = re.search(r'text\s*~\s*"((?:[^"\\]|\\.)*)"', jql)
        wanted = text.group(1).replace('\\"', "").strip() if text else ""
        found = []
        for issue in self.jira_issues:
            if project and issue["project"] != project.group(1):
                continue
            body = issue["fields"]["summary"] + "\n" + _adf_text(issue["fields"]["description"])
            if wanted in body:
                found.append({k: v for k, v in issue.items() if k != "project"})
        return Answer(200, {"issues": found, "isLast": True})

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

    # -- Linear GraphQL -------------------------------------------------------------------------

    def _add_linear_routes(self) -> None:
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
        now = _now()
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
        filters = _variables(incoming).get("filter") or {}
        team_id = ((filters.get("team") or {}).get("id") or {}).get("eq")
        contains = (filters.get("description") or {}).get("contains") or ""
        nodes = [
            issue
            for issue in self.linear_issues
            if (team_id is None or issue["team"]["id"] == team_id)
            and contains in (issue["description"] or "")
        ]
        page = {"hasNextPage": False, "endCursor": None}
        return Answer(200, {"data": {"issues": {"nodes": nodes, "pageInfo": page}}})

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


# -- shapes ------------------------------------------------------------------------------------


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _slug(title: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:60] or "issue"


def _variables(incoming: Incoming) -> dict[str, Any]:
    body = incoming.body if isinstance(incoming.body, dict) else {}
    variables = body.get("variables")
    return variables if isinstance(variables, dict) else {}


def _top_field(body: Json) -> str | None:
    """The first field a GraphQL document selects: `issueCreate` in
    `mutation Create($input: IssueCreateInput!) { issueCreate(input: $input) { ... } }`."""
    query = body.get("query") if isinstance(body, dict) else None
    if not isinstance(query, str) or "{" not in query:
        return None
    found = re.match(r"\s*([A-Za-z_]\w*)", query[query.index("{") + 1 :])
    return found.group(1) if found else None


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


def _error(vendor: str, status: int, message: str, **extra: Any) -> Answer:
    """An error answer as each vendor words it."""
    if vendor == "github":
        body: Json = {
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": str(status),
            **extra,
        }
        return Answer(status, body)
    if vendor == "jira":
        messages = [message] if message else []
        return Answer(status, {"errorMessages": messages, "errors": extra.get("errors", {})})
    code = {401: "AUTHENTICATION_ERROR", 403: "FORBIDDEN", 429: "RATELIMITED"}.get(status)
    return _graphql_error(message, code or "INTERNAL_ERROR", "graphql error", status=status)


def _graphql_error(message: str, code: str, kind: str, *, status: int = 200) -> Answer:
    # Linear answers GraphQL errors in `errors`; an authentication failure comes with HTTP 400.
    if code == "AUTHENTICATION_ERROR" and status == 200:
        status = 400
    error = {
        "message": message,
        "extensions": {"type": kind, "code": code, "userPresentableMessage": message},
    }
    return Answer(status, {"data": None, "errors": [error]})


_FAULT_MESSAGES = {
    401: "Bad credentials",
    403: "Resource not accessible by integration",
    404: "Not Found",
    422: "Validation Failed",
    429: "API rate limit exceeded",
}


def _fault_answer(vendor: str, fault: Fault) -> Answer:
    message = fault.message or _FAULT_MESSAGES.get(fault.status, "Internal Server Error")
    headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
    if fault.status >= 500:
        # What a load balancer in front of any of them says: not JSON.
        page = f"<html><body><h1>{fault.status} {message}</h1></body></html>"
        return Answer(fault.status, page, {"Content-Type": "text/html", **headers})
    extra: dict[str, Any] = {}
    if fault.status == 422 and vendor == "github":
        extra["errors"] = [{"resource": "Issue", "code": "invalid", "field": "assignees"}]
        extra["documentation_url"] = "https://docs.github.com/rest/issues/issues#create-an-issue"
    answer = _error(vendor, fault.status, message, **extra)
    answer.headers.update(headers)
    if vendor == "linear":
        answer.status = fault.status
    return answer


# -- HTTP --------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeTrackers) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.fake = fake

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (a timeout test) closes the socket before we answer.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


_VENDORS = ("github", "jira", "linear")


class _Handler(BaseHTTPRequestHandler):
    server_version = "FakeTrackers/1.0"
    protocol_version = "HTTP/1.1"

    def _serve(self) -> None:
        assert isinstance(self.server, _Server)
        url = urlsplit(self.path)
        vendor, _, rest = url.path.lstrip("/").partition("/")
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        incoming = Incoming(
            vendor,
            self.command,
            "/" + rest,
            dict(parse_qsl(url.query, keep_blank_values=True)),
            {k.lower(): v for k, v in self.headers.items()},
            body,
            raw,
        )
        if vendor not in _VENDORS:
            self._send(Answer(404, {"message": "Not Found"}))
            return
        _, answer = self.server.fake._dispatch(incoming)
        if answer is None:
            # Drop the connection without a word: the client sees it closed mid-request.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self._send(answer)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def _send(self, answer: Answer) -> None:
        headers = dict(answer.headers)
        if isinstance(answer.body, str):
            payload = answer.body.encode()
            headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        else:
            payload = json.dumps(answer.body).encode()
            headers.setdefault("Content-Type", "application/json; charset=utf-8")
        self.send_response(answer.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet


@pytest.fixture
def fake_trackers() -> Iterator[FakeTrackers]:
    """The fake GitHub, Jira and Linear, started for one test."""
    with FakeTrackers() as fake:
        yield fake
