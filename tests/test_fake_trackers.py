"""Tests of the fake GitHub, Jira and Linear: credentials checked, vendors' shapes, faults."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.fakes.trackers import (
    GITHUB_REPO,
    JIRA_PROJECT,
    LINEAR_TEAM,
    FakeTrackers,
)

GH = {"Authorization": "Bearer ghp_test-token", "Accept": "application/vnd.github+json"}
JIRA = {"Authorization": "Basic " + base64.b64encode(b"bot@acme.example:jira-test-token").decode()}
LINEAR = {"Authorization": "lin_api_test-key"}
ADF = {
    "type": "doc",
    "version": 1,
    "content": [{"type": "paragraph", "content": [{"type": "text", "text": "REQ-7 details"}]}],
}
CREATE = (
    "mutation ($input: IssueCreateInput!) "
    "{ issueCreate(input: $input) { success issue { id identifier url } } }"
)


def test_github_creates_searches_and_checks_the_token(fake_trackers: FakeTrackers) -> None:
    with httpx.Client(base_url=fake_trackers.github_url) as http:
        assert (
            http.get(f"/repos/{GITHUB_REPO}", headers={"Authorization": "Bearer bad"}).json()[
                "message"
            ]
            == "Bad credentials"
        )
        made = http.post(
            f"/repos/{GITHUB_REPO}/issues",
            headers=GH,
            json={"title": "Export", "body": "REQ-7", "labels": ["liaison"], "assignees": ["ana"]},
        )
        assert made.status_code == 201
        issue = made.json()
        assert issue["number"] == 1 and issue["html_url"].endswith("/acme/backend/issues/1")
        assert issue["labels"][0]["name"] == "liaison" and issue["assignees"][0]["login"] == "ana"
        found = http.get(
            "/search/issues", headers=GH, params={"q": f'"REQ-7" repo:{GITHUB_REPO} is:issue'}
        ).json()
        assert [i["number"] for i in found["items"]] == [1]
        assert http.get("/repos/acme/nope", headers=GH).status_code == 404
        assert http.get(f"/repos/{GITHUB_REPO}/issues/1", headers=GH).json()["node_id"]
    assert [c.route for c in fake_trackers.calls] == [
        "github.repo",
        "github.create_issue",
        "github.search",
        "github.repo",
        "github.issue",
    ]


def test_jira_wants_basic_auth_and_an_adf_description(fake_trackers: FakeTrackers) -> None:
    fields = {"project": {"key": JIRA_PROJECT}, "summary": "Export", "issuetype": {"name": "Task"}}
    with httpx.Client(base_url=fake_trackers.jira_url + "/rest/api/3") as http:
        assert http.get(f"/project/{JIRA_PROJECT}").status_code == 401
        plain = http.post("/issue", headers=JIRA, json={"fields": {**fields, "description": "x"}})
        assert plain.status_code == 400 and "description" in plain.json()["errors"]
        made = http.post(
            "/issue",
            headers=JIRA,
            json={"fields": {**fields, "description": ADF, "duedate": "2026-12-10"}},
        )
        assert made.status_code == 201 and made.json()["key"] == "ENG-1"
        found = http.post(
            "/search/jql", headers=JIRA, json={"jql": 'project = ENG AND text ~ "\\"REQ-7\\""'}
        )
        assert [i["key"] for i in found.json()["issues"]] == ["ENG-1"]
        assert http.get("/issue/ENG-1", headers=JIRA).json()["fields"]["duedate"] == "2026-12-10"
        assert http.get("/project/NOPE", headers=JIRA).json()["errorMessages"]


def test_linear_answers_graphql_by_field(fake_trackers: FakeTrackers) -> None:
    with httpx.Client() as http:
        url = fake_trackers.linear_url
        denied = http.post(url, json={"query": CREATE, "variables": {}})
        assert denied.status_code == 400
        assert denied.json()["errors"][0]["extensions"]["code"] == "AUTHENTICATION_ERROR"
        made = http.post(
            url,
            headers=LINEAR,
            json={
                "query": CREATE,
                "variables": {
                    "input": {"teamId": LINEAR_TEAM, "title": "Export", "description": "REQ-7"}
                },
            },
        ).json()["data"]["issueCreate"]
        assert made["success"] and made["issue"]["identifier"] == "ENG-1"
        found = http.post(
            url,
            headers=LINEAR,
            json={
                "query": "query ($filter: IssueFilter) { issues(filter: $filter) { nodes { id } } }",  # noqa: E501
                "variables": {"filter": {"description": {"contains": "REQ-7"}}},
            },
        ).json()
        assert len(found["data"]["issues"]["nodes"]) == 1
    assert fake_trackers.calls_to("linear.issues")


@pytest.mark.parametrize("status", [401, 403, 404, 422, 429, 502])
def test_faults_answer_in_the_vendors_shape(fake_trackers: FakeTrackers, status: int) -> None:
    fake_trackers.fail("github.create_issue", status, retry_after=7 if status == 429 else None)
    with httpx.Client(base_url=fake_trackers.github_url) as http:
        answer = http.post(f"/repos/{GITHUB_REPO}/issues", headers=GH, json={"title": "x"})
    assert answer.status_code == status
    assert fake_trackers.issues("github") == []
    if status == 429:
        assert answer.headers["Retry-After"] == "7"
    if status == 422:
        assert answer.json()["errors"][0]["code"] == "invalid"


def test_a_lost_answer_still_creates_and_a_hang_times_out(fake_trackers: FakeTrackers) -> None:
    fake_trackers.lose_answer("github.create_issue")
    fake_trackers.hang("github.search")
    with httpx.Client(base_url=fake_trackers.github_url, timeout=0.3) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            http.post(f"/repos/{GITHUB_REPO}/issues", headers=GH, json={"title": "x"})
        with pytest.raises(httpx.ReadTimeout):
            http.get("/search/issues", headers=GH, params={"q": "x"})
    assert len(fake_trackers.issues("github")) == 1
    assert [c.status for c in fake_trackers.calls] == [0, 0]
