"""`liaison check-config --online`: asks Slack whether the configuration and the token fit.

The token's scopes against the manifest, every configured channel (exists, public or private,
Liaison in it), every user id (exists, not deactivated) and user group; each problem is named
with its place in the file, as the offline check names its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.web import SlackResponse

from bot.config import LiaisonConfig
from bot.slack.membership import NOT_VISIBLE, configured_channels

INVITE = "type `/invite @Liaison` in it"


@dataclass
class OnlineReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # fine as it is, worth knowing


def check_online(client: WebClient, config: LiaisonConfig, scopes: list[str]) -> OnlineReport:
    """What Slack says about the token and about everything `config` names; `scopes` are the
    manifest's bot scopes."""
    report = OnlineReport()
    try:
        identity = client.auth_test()
    except SlackApiError as error:
        report.problems.append(f"the bot token: Slack answered {_error(error)}")
        return report
    report.notes.append(f"token of @{identity.get('user')} in {identity.get('team')}")
    granted = set(_granted_scopes(identity))
    missing = [scope for scope in scopes if scope not in granted]
    if missing:
        report.problems.append(
            f"the bot token lacks scopes listed in manifest.yml: {', '.join(missing)} "
            "(add them under OAuth & Permissions, or update the app from manifest.yml, "
            "then reinstall it)"
        )
    _check_channels(client, config, report)
    _check_users(client, config, report)
    _check_usergroups(client, config, report)
    return report


def _granted_scopes(response: SlackResponse) -> list[str]:
    """Slack names the token's scopes in the `x-oauth-scopes` header of every answer."""
    for name, value in (response.headers or {}).items():
        if name.lower() == "x-oauth-scopes":
            text = value[0] if isinstance(value, list) else value
            return [scope.strip() for scope in str(text).split(",") if scope.strip()]
    return []


def _check_channels(client: WebClient, config: LiaisonConfig, report: OnlineReport) -> None:
    for use in configured_channels(config):
        where = f"{use.place}: channel {use.channel}"
        try:
            channel = client.conversations_info(channel=use.channel)["channel"]
        except SlackApiError as error:
            if error.response.get("error") == NOT_VISIBLE:
                report.problems.append(
                    f"{where} not found: it does not exist, or it is private and Liaison is not "
                    f"in it (then {INVITE})"
                )
            else:
                report.problems.append(f"{where}: Slack answered {_error(error)}")
            continue
        kind = "private" if channel.get("is_private") else "public"
        if channel.get("is_archived"):
            report.problems.append(f"{where} (#{channel.get('name')}) is archived")
        elif channel.get("is_member"):
            report.notes.append(f"{where} (#{channel.get('name')}, {kind}): Liaison is in it")
        elif channel.get("is_private"):
            report.problems.append(f"{where} is private and Liaison is not in it: {INVITE}")
        else:
            report.notes.append(
                f"{where} (#{channel.get('name')}, public): Liaison joins it when it starts"
            )


def _named_users(config: LiaisonConfig) -> Iterator[tuple[str, str]]:
    """(place, user id) for every user the file names."""
    for index, department in enumerate(config.departments):
        place = f'[[departments]] #{index + 1} (key "{department.key}")'
        for kind in ("members", "leads"):
            for position, user_id in enumerate(getattr(department, kind)):
                yield f"{place} → {kind} #{position + 1}", user_id
    for index, tracker in enumerate(config.trackers):
        for user_id in tracker.users:
            yield f'[[trackers]] #{index + 1} (department "{tracker.department}") → users', user_id


def _check_users(client: WebClient, config: LiaisonConfig, report: OnlineReport) -> None:
    answers: dict[str, str | None] = {}  # user id -> problem (None: fine); each asked once
    for place, user_id in _named_users(config):
        if user_id not in answers:
            answers[user_id] = _user_problem(client, user_id)
        if answers[user_id] is not None:
            report.problems.append(f"{place}: user {user_id} {answers[user_id]}")


def _user_problem(client: WebClient, user_id: str) -> str | None:
    try:
        user = client.users_info(user=user_id)["user"]
    except SlackApiError as error:
        if error.response.get("error") == "user_not_found":
            return "not found in this workspace"
        return f"could not be checked: Slack answered {_error(error)}"
    if user.get("deleted"):
        return "is deactivated"
    if user.get("is_bot"):
        return "is a bot"
    return None


def _check_usergroups(client: WebClient, config: LiaisonConfig, report: OnlineReport) -> None:
    named = [
        (f'[[departments]] #{index + 1} (key "{department.key}") → usergroup', department.usergroup)
        for index, department in enumerate(config.departments)
        if department.usergroup
    ]
    if not named:
        return
    try:
        groups = client.usergroups_list()["usergroups"] or []
    except SlackApiError as error:
        report.problems.append(f"user groups: Slack answered {_error(error)}")
        return
    enabled = {group["id"] for group in groups if not group.get("date_delete")}
    for place, usergroup in named:
        if usergroup not in enabled:
            report.problems.append(f"{place}: user group {usergroup} not found (or disabled)")


def _error(error: SlackApiError) -> str:
    code = error.response.get("error") or f"HTTP {error.response.status_code}"
    needed = error.response.get("needed")
    return f"{code} (needs {needed})" if needed else str(code)
