"""The tracker modal of the Settings section: which tracker a fulfilling department's committed
requests become issues in (GitHub, Jira or Linear), where, when, and who is who there. Its reader
turns a submission into one `[[trackers]]` table (the config file's shape), keeping only the
target keys of the kind picked, so a missing or malformed target is refused on its own field."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from bot.config import CreateOn, Tracker, TrackerKind
from bot.config.models import Department
from bot.slack import text
from bot.slack.blocks.common import Block, option, plain
from bot.slack.blocks.forms import field, read_option, read_options, read_text, text_input
from bot.slack.ids import SettingsIds

KIND = "tracker_kind"
REPO = "tracker_repo"
PROJECT = "tracker_project"
ISSUE_TYPE = "tracker_issue_type"
TEAM = "tracker_team"
CREATE_ON = "tracker_create_on"
USERS = "tracker_users"
REMOVE = "tracker_remove"
# The file's name of each field -> its block (a problem about the department or the tracker as
# a whole is shown on the kind).
FIELDS = {
    "kind": KIND,
    "repo": REPO,
    "project": PROJECT,
    "issue_type": ISSUE_TYPE,
    "team": TEAM,
    "create_on": CREATE_ON,
    "users": USERS,
}
# The target keys of each kind: the first is required.
TARGETS = {
    TrackerKind.GITHUB: ("repo",),
    TrackerKind.JIRA: ("project", "issue_type"),
    TrackerKind.LINEAR: ("team",),
}
KIND_NAMES = {TrackerKind.GITHUB: "GitHub", TrackerKind.JIRA: "Jira", TrackerKind.LINEAR: "Linear"}
CREATE_ON_NAMES = {
    CreateOn.COMMIT: "When the request is committed",
    CreateOn.CLAIM: "When someone claims it",
    CreateOn.MANUAL: 'When someone clicks "Create issue" on the card',
}
MAX_USERS_TEXT = 3000
# "U123 = login", "<@U123> = login" or "<@U123|name> = login", one per line.
_USER_LINE = re.compile(r"^\s*<?@?([A-Z0-9]+)(?:\|[^>]*)?>?\s*[=:]\s*(\S.*?)\s*$")


def tracker_summary(tracker: Tracker | None) -> str:
    """The department's tracker in a line of mrkdwn."""
    if tracker is None:
        return "Tracker: none"
    target = text.mrkdwn(tracker.target, 200)
    if tracker.kind == TrackerKind.JIRA:
        target += f" ({text.mrkdwn(tracker.jira_issue_type, 100)})"
    when = {CreateOn.COMMIT: "on commit", CreateOn.CLAIM: "on claim", CreateOn.MANUAL: "by hand"}
    return f"Tracker: {KIND_NAMES[tracker.kind]} `{target}` · issues {when[tracker.create_on]}"


def tracker_modal(department: Department, tracker: Tracker | None) -> dict[str, Any]:
    """The modal for `department`'s tracker (None: it has none yet)."""
    kind = tracker.kind if tracker else TrackerKind.GITHUB
    create_on = tracker.create_on if tracker else CreateOn.COMMIT
    kinds: dict[str, Any] = {
        "type": "static_select",
        "options": [option(KIND_NAMES[k], k.value) for k in TrackerKind],
        "initial_option": option(KIND_NAMES[kind], kind.value),
    }
    when: dict[str, Any] = {
        "type": "static_select",
        "options": [option(CREATE_ON_NAMES[c], c.value) for c in CreateOn],
        "initial_option": option(CREATE_ON_NAMES[create_on], create_on.value),
    }
    mapped = tracker.users if tracker else {}
    users = "\n".join(f"{slack_user} = {account}" for slack_user, account in mapped.items())
    blocks: list[Block] = [
        field(KIND, "Tracker", kinds),
        field(
            REPO,
            "GitHub repository",
            text_input(tracker.repo if tracker else None, placeholder="owner/name", max_length=200),
            optional=True,
            hint="For GitHub: the repository issues are created in.",
        ),
        field(
            PROJECT,
            "Jira project key",
            text_input(tracker.project if tracker else None, placeholder="ENG", max_length=200),
            optional=True,
        ),
        field(
            ISSUE_TYPE,
            "Jira issue type",
            text_input(tracker.issue_type if tracker else None, placeholder="Task", max_length=100),
            optional=True,
        ),
        field(
            TEAM,
            "Linear team id",
            text_input(tracker.team if tracker else None, max_length=200),
            optional=True,
        ),
        field(CREATE_ON, "Create the issue", when),
        field(
            USERS,
            "People in the tracker",
            text_input(users, multiline=True, max_length=MAX_USERS_TEXT),
            optional=True,
            hint="One per line: a Slack member ID = their GitHub login, Jira account id or "
            "Linear user id (U012AB3CD = octocat). Others are matched by e-mail.",
        ),
    ]
    if tracker is not None:
        remove = {"type": "checkboxes", "options": [option("Unlink this tracker", "remove")]}
        blocks.append(field(REMOVE, "Remove", remove, optional=True))
    title = text.plain(f"Tracker: {department.name}", 24)
    return {
        "type": "modal",
        "callback_id": SettingsIds.tracker_callback,
        "title": plain(title),
        "submit": plain("Save"),
        "close": plain("Cancel"),
        "private_metadata": json.dumps({"department": department.key}),
        "blocks": blocks,
    }


def read_tracker(view: Mapping[str, Any], department: str) -> dict[str, Any] | None:
    """The `[[trackers]]` table a submission describes, or None when it unlinks the tracker.
    The picked kind's required target is kept even when empty, so the check refuses it there."""
    if "remove" in read_options(view, REMOVE):
        return None
    picked = read_option(view, KIND) or TrackerKind.GITHUB.value
    kind = TrackerKind(picked) if picked in TrackerKind.__members__.values() else None
    table: dict[str, Any] = {"department": department, "kind": picked}
    blocks = {"repo": REPO, "project": PROJECT, "issue_type": ISSUE_TYPE, "team": TEAM}
    for number, key in enumerate(TARGETS.get(kind, ()) if kind else ()):
        value = read_text(view, blocks[key])
        if value or number == 0:
            table[key] = value
    table["create_on"] = read_option(view, CREATE_ON) or CreateOn.COMMIT.value
    users = read_users_map(read_text(view, USERS))
    if users:
        table["users"] = users
    return table


def read_users_map(typed: str) -> dict[str, str]:
    """The Slack user -> tracker account map typed one pair a line. A line that is not a pair
    is kept under its own text, so the check names it on the field."""
    users: dict[str, str] = {}
    for line in typed.splitlines():
        if not line.strip():
            continue
        found = _USER_LINE.match(line)
        if found:
            users[found.group(1)] = found.group(2)
        else:
            users[line.strip()[:100]] = ""
    return users
