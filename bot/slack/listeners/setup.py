"""Setting Liaison up from the Home tab, for a workspace with no departments yet: its admins and
owners see three steps (the asking team, the doing team and its intake channel, the digest
channel), each a modal saved through the settings store; everyone else sees who can do it. A
click or a submission from anyone else changes nothing."""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select

from bot.db.session import reading, transaction
from bot.domain import outbox
from bot.domain.models import HomeVisit, Workspace
from bot.domain.requests import ensure_workspace
from bot.domain.workspace_settings import SLACK, CurrentSettings, section_of
from bot.jobs.usergroups import refresh_usergroup
from bot.runtime import Runtime
from bot.slack import membership
from bot.slack.blocks.setup import asking_department, doing_department
from bot.slack.blocks.setup_modals import (
    department_modal,
    digest_modal,
    read_department,
    read_digest,
    step_errors,
)
from bot.slack.ids import Setup
from bot.slack.listener_pool import after_answer
from bot.slack.listeners.intake import open_modal
from bot.slack.teams import team_of

log = logging.getLogger(__name__)

# The setup Home a person gets (the payload of their Home publish, bot/domain/outbox.py).
ADMIN = "admin"  # the steps
MEMBER = "member"  # who can set Liaison up

ONLY_ADMINS = "Only a workspace admin or owner can set Liaison up."
PRIVATE_CHANNEL = (
    "Liaison can't join this channel by itself: invite @Liaison to it first "
    "(/invite @Liaison in the channel), then save again."
)
SLACK_UNREACHABLE = "Couldn't check this channel with Slack just now; please save again."
# What a step's modal sets in its department's table (the rest of the table is kept).
_MODAL_KEYS = {
    Setup.asking: {"name", "members", "usergroup", "leads"},
    Setup.doing: {
        "name",
        "members",
        "usergroup",
        "leads",
        "intake_channel",
        "timezone",
        "business_hours",
        "workdays",
    },
}
_ROLES = {Setup.asking: "requester", Setup.doing: "fulfiller"}
_CALLBACKS = re.compile(f"^{Setup.callback}({Setup.asking}|{Setup.doing}|{Setup.digest})$")


def home_setup(runtime: Runtime, team_id: str, user_id: str) -> str | None:
    """The setup Home `user_id` gets (ADMIN or MEMBER), or None for the usual Home: admins and
    owners see the steps until they finish them, everyone else sees who can set Liaison up until
    people can file. May ask Slack: call it with no transaction open."""
    current = runtime.workspace_settings.current(team_id)
    if current.config.is_set_up and (current.source != SLACK or _finished(runtime, team_id)):
        return None
    if runtime.permissions.is_admin(team_id, user_id):
        return ADMIN
    return None if current.config.is_set_up else MEMBER


def _zone_name(runtime: Runtime, team_id: str, user_id: str) -> str | None:
    """The person's own time zone in Slack (a default for the zones the setup asks for)."""
    zone = runtime.time_zones.zone(team_id, user_id)
    return zone.key if zone is not None else None


def _finished(runtime: Runtime, team_id: str) -> bool:
    with reading(runtime.sessions) as session:
        finished = session.scalar(
            select(Workspace.setup_finished_at).where(Workspace.team_id == team_id)
        )
    return finished is not None


def register(app: App, runtime: Runtime) -> None:
    def admin(body: dict[str, Any]) -> tuple[str, str] | None:
        """(user, team) of a payload from a workspace admin or owner; None (and a log line)
        for anyone else."""
        user, team = (body.get("user") or {}).get("id"), team_of(body)
        if not isinstance(user, str) or not team:
            return None
        if not runtime.permissions.is_admin(team, user):
            log.info("refused a setup action from %s: not a workspace admin or owner", user)
            return None
        return user, team

    @app.action(Setup.open)
    def on_open_step(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Open the clicked step's modal, showing what the step saved before."""
        ack()
        after_answer(lambda: open_step(body, client), "opening a setup step")

    def open_step(body: dict[str, Any], client: WebClient) -> None:
        who = admin(body)
        step = ((body.get("actions") or [{}])[0]).get("value")
        if who is None or step not in (Setup.asking, Setup.doing, Setup.digest):
            return
        user, team = who
        config = runtime.config_for(team)
        zone = _zone_name(runtime, team, user) or config.organization.timezone
        if step == Setup.digest:
            if not config.is_set_up:
                return  # the digest names both teams: it comes after them
            modal = digest_modal(config.digests[0] if config.digests else None, timezone=zone)
        else:
            department = (asking_department if step == Setup.asking else doing_department)(config)
            modal = department_modal(
                step, department, usergroups=_usergroups(client), timezone=zone
            )
        open_modal(client, body["trigger_id"], modal)

    def on_finish(ack: Ack, body: dict[str, Any]) -> None:
        """Finish the setup (with or without a digest): the admin's Home becomes the usual one."""
        ack()
        after_answer(lambda: finish(body), "finishing the setup")

    def finish(body: dict[str, Any]) -> None:
        who = admin(body)
        if who is None:
            return
        user, team = who
        if not runtime.config_for(team).is_set_up:
            return
        now = runtime.clock()
        with transaction(runtime.sessions) as session:
            workspace = ensure_workspace(session, team_id=team, now=now)
            if workspace.setup_finished_at is None:
                workspace.setup_finished_at = now
            outbox.publish_home(session, workspace_id=workspace.id, user_id=user, now=now)
        runtime.outbox.send_homes()

    app.action(Setup.skip)(on_finish)
    app.action(Setup.finish)(on_finish)

    @app.view(_CALLBACKS)
    def on_save_step(
        ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient
    ) -> None:
        """Save the step (errors on the modal's fields), then publish the admin's Home again."""
        step = str(view.get("callback_id"))[len(Setup.callback) :]
        first_field = Setup.channel if step == Setup.digest else Setup.name
        who = admin(body)
        if who is None:
            ack(response_action="errors", errors={first_field: ONLY_ADMINS})
            return
        user, team = who
        current = runtime.workspace_settings.current(team)
        if step == Setup.digest:
            table = read_digest(view)
            channel, channel_field = table.get("channel"), Setup.channel
        else:
            table = read_department(view, step)
            channel, channel_field = table.get("intake_channel"), Setup.intake_channel
        if channel:
            problem = _channel_problem(client, channel)
            if problem is not None:
                ack(response_action="errors", errors={channel_field: problem})
                return
        section, value, index = _changed_section(current, step, table)
        problems = runtime.workspace_settings.change(team, section, value, by=user)
        if problems:
            ack(response_action="errors", errors=step_errors(step, problems, index))
            return
        ack()
        after_answer(lambda: saved(current, team, user, table, channel), "a saved setup step")

    def saved(
        current: CurrentSettings, team: str, user: str, table: dict[str, Any], channel: Any
    ) -> None:
        """After a step's answer: the default time zone, the Homes to publish again, and the
        user group named read now."""
        _default_organization_zone(runtime, current, team, user)
        became_set_up = not current.config.is_set_up and runtime.config_for(team).is_set_up
        now = runtime.clock()
        with transaction(runtime.sessions) as session:
            workspace = ensure_workspace(session, team_id=team, now=now)
            if channel:
                membership.note_usable(session, workspace_id=workspace.id, channel=channel)
            outbox.publish_home(
                session, workspace_id=workspace.id, user_id=user, now=now, setup=ADMIN
            )
            if became_set_up:  # whoever was told "not set up yet" sees their usual Home now
                visitors = session.scalars(
                    select(HomeVisit.user_id).where(
                        HomeVisit.workspace_id == workspace.id, HomeVisit.user_id != user
                    )
                )
                outbox.refresh_homes(
                    session, workspace_id=workspace.id, people=list(visitors), now=now
                )
        runtime.outbox.send_homes()
        if table.get("usergroup"):  # its members can file (or claim) now, not at the next read
            refresh_usergroup(runtime, team, str(table["usergroup"]))


def _changed_section(
    current: CurrentSettings, step: str, table: dict[str, Any]
) -> tuple[str, list[dict[str, Any]], int]:
    """(section, its new value, the index of the step's table in it) once the step's table is
    saved over what the step saved before."""
    config = current.config
    if step == Setup.digest:
        digests = section_of(current.document, "digests")
        keys = [d.key for d in (asking_department(config), doing_department(config)) if d]
        old = digests[0] if digests else {"departments": keys}
        kept = {k: v for k, v in old.items() if k not in ("channel", "weekday", "time", "timezone")}
        return "digests", [{**kept, **table}, *digests[1:]], 0
    departments = section_of(current.document, "departments")
    existing = (asking_department if step == Setup.asking else doing_department)(config)
    index = next(
        (i for i, d in enumerate(departments) if existing and d.get("key") == existing.key), None
    )
    if index is None:
        taken = {str(d.get("key")) for d in departments}
        key = _free_key(str(table.get("name") or ""), taken, step)
        departments.append({"key": key, "name": "", "role": _ROLES[step]})
        index = len(departments) - 1
    old = departments[index]
    departments[index] = {
        **{k: v for k, v in old.items() if k not in _MODAL_KEYS[step]},
        **table,
    }
    return "departments", departments, index


def _default_organization_zone(
    runtime: Runtime, current: CurrentSettings, team_id: str, user_id: str
) -> None:
    """With no organization time zone set yet, the admin's own: "today" for a desired date,
    and the asking team's business days, are then theirs rather than UTC's."""
    organization = section_of(current.document, "organization")
    zone = _zone_name(runtime, team_id, user_id)
    if "timezone" in organization or zone is None:
        return
    changed = {**organization, "timezone": zone}
    problems = runtime.workspace_settings.change(team_id, "organization", changed, by=user_id)
    if problems:  # a zone Slack knows but this machine's tz database does not
        log.info("kept the organization's time zone: %s", "; ".join(map(str, problems)))


def _free_key(name: str, taken: set[str], fallback: str) -> str:
    """A department key made from its name ("Customer Success" → "customer-success"), unused."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or fallback
    key, number = base, 2
    while key in taken:
        key, number = f"{base}-{number}", number + 1
    return key


def _channel_problem(client: WebClient, channel: str) -> str | None:
    """Why Liaison cannot use `channel` (it joins a public one now), or None when it is in."""
    try:
        problem = membership.join(client, channel)
    except (OSError, TimeoutError):
        return SLACK_UNREACHABLE
    if problem is None:
        return None
    if problem in ("not_invited", membership.NOT_VISIBLE):
        return PRIVATE_CHANNEL
    return f"Liaison can't join this channel (Slack says {problem})."


def _usergroups(client: WebClient) -> list[tuple[str, str]]:
    """The workspace's user groups as (id, name), to pick one as members; none when Slack
    cannot say."""
    try:
        groups = client.usergroups_list().get("usergroups") or []
    except (SlackApiError, OSError) as error:
        log.info("could not list the user groups: %s", error)
        return []
    return [
        (group["id"], str(group.get("name") or group.get("handle") or group["id"]))
        for group in groups
        if isinstance(group, dict) and isinstance(group.get("id"), str)
    ]
