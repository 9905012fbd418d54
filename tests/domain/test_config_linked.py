"""Trackers and request types in the config: each belongs to a fulfilling department, and every
problem is named with its place in the file."""

from __future__ import annotations

import pytest

from bot.config import CreateOn, FieldKind, TrackerKind, parse_config
from tests.domain.test_config import minimal_data, problems_of

BUG = {
    "department": "eng",
    "key": "bug",
    "name": "Bug report",
    "fields": [
        {"key": "steps", "label": "Steps to reproduce", "kind": "text", "required": True},
        {"key": "severity", "label": "Severity", "kind": "select", "options": ["Low", "High"]},
    ],
}


def test_trackers_and_types_load_with_their_defaults() -> None:
    config = parse_config(
        minimal_data(
            trackers=[{"department": "eng", "kind": "jira", "project": "ENG"}],
            request_types=[BUG, {**BUG, "key": "old", "retired": True}],
        )
    )
    tracker = config.tracker_for("eng")
    assert tracker is not None and tracker.kind == TrackerKind.JIRA
    assert (tracker.target, tracker.jira_issue_type, tracker.create_on) == (
        "ENG",
        "Task",
        CreateOn.COMMIT,
    )
    assert config.tracker_for("sales") is None
    assert [t.key for t in config.request_types_for("eng")] == ["bug"]
    assert [t.key for t in config.request_types_for("eng", retired=True)] == ["bug", "old"]
    old = config.request_type("eng", "old")
    assert old is not None and old.retired
    field = old.field("severity")
    assert field is not None and field.kind == FieldKind.SELECT


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"trackers": [{"department": "eng", "kind": "github"}]},
            '[[trackers]] #1: a github tracker needs "repo"',
        ),
        (
            {"trackers": [{"department": "eng", "kind": "linear", "team": "T", "repo": "a/b"}]},
            '[[trackers]] #1: "repo" is for a github tracker, not linear',
        ),
        (
            {"trackers": [{"department": "eng", "kind": "github", "repo": "nope"}]},
            '[[trackers]] #1 → repo: not "owner/name": "nope"',
        ),
        (
            {"trackers": [{"department": "sales", "kind": "linear", "team": "T"}]},
            '[[trackers]] #1 → department: "sales" does not fulfil requests',
        ),
        (
            {"trackers": [{"department": "ops", "kind": "linear", "team": "T"}]},
            '[[trackers]] #1 → department: unknown department "ops"',
        ),
        (
            {
                "trackers": [
                    {"department": "eng", "kind": "linear", "team": "T"},
                    {"department": "eng", "kind": "github", "repo": "a/b"},
                ]
            },
            '[[trackers]] #2 → department: "eng" already has a tracker (#1)',
        ),
        (
            {"request_types": [BUG, BUG]},
            '[[request_types]] #2 (key "bug") → key: "bug" is used by #1 too',
        ),
        (
            {"request_types": [{**BUG, "department": "sales"}]},
            '[[request_types]] #1 (key "bug") → department: "sales" does not fulfil requests',
        ),
        (
            {"request_types": [{**BUG, "fields": [{"key": "s", "label": "S", "kind": "select"}]}]},
            '[[request_types]] #1 (key "bug") → fields #1: a select field needs options',
        ),
        (
            {
                "request_types": [
                    {**BUG, "fields": [{"key": "s", "label": "S", "kind": "url", "options": ["a"]}]}
                ]
            },
            '[[request_types]] #1 (key "bug") → fields #1: a url field takes no options',
        ),
        (
            {
                "request_types": [
                    {
                        **BUG,
                        "fields": [
                            {
                                "key": "c",
                                "label": "C",
                                "kind": "checkbox",
                                "options": list("abcdefghijk"),
                            }
                        ],
                    }
                ]
            },
            '[[request_types]] #1 (key "bug") → fields #1: a checkbox field takes at most 10'
            " options (multi_select takes more)",
        ),
        (
            {"request_types": [{**BUG, "fields": [BUG["fields"][0], BUG["fields"][0]]}]},
            '[[request_types]] #1 (key "bug") → fields #2.key: "steps" is used by another field'
            " of this type",
        ),
        (
            {"request_types": [{**BUG, "key": "Bug Report"}]},
            '[[request_types]] #1 (key "Bug Report") → key: use lowercase letters, digits, - or _'
            ' (at most 32): "Bug Report"',
        ),
    ],
)
def test_linked_problems(changes: dict, expected: str) -> None:
    assert problems_of(minimal_data(**changes)) == [expected]
