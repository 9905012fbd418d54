"""Liaison's membership in the channels it posts in and listens to.

Slack sends reactions and thread replies only from conversations the bot is a member of, even
when it may post elsewhere. So Liaison joins every public intake and digest channel itself: at
start, and when a post finds it outside one. A private channel needs an invitation: the leads of
its departments are told once (by DM) how to invite Liaison, what is to be posted there waits in
the outbox, and `/healthz` lists the channel until Liaison is in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.config import LiaisonConfig
from bot.db.session import reading, transaction
from bot.db.upsert import insert_ignoring_conflicts
from bot.domain import outbox
from bot.domain.models import ChannelAccess, Workspace
from bot.domain.requests import ensure_workspace
from bot.runtime import Runtime
from bot.slack.installations import NotInstalled
from bot.slack.teams import served_clients

log = logging.getLogger(__name__)

# How often a message waiting for Liaison to be invited into its channel is tried again.
INVITE_WAIT = timedelta(minutes=5)
# Slack's answer to joining or reading a private channel the bot was not invited to (it cannot
# see it, so it cannot tell it from a channel that does not exist).
NOT_VISIBLE = "channel_not_found"


@dataclass(frozen=True)
class ConfiguredChannel:
    """A channel the configuration names, where, and whose leads answer for it."""

    channel: str
    place: str  # as check-config names it: [[departments]] #2 (key "eng") → intake_channel
    purpose: str  # for people: the intake channel of Engineering
    leads: tuple[str, ...]


def configured_channels(config: LiaisonConfig) -> list[ConfiguredChannel]:
    """Every intake and digest channel in the configuration, in the file's order."""
    found: list[ConfiguredChannel] = []
    for index, department in enumerate(config.departments):
        if department.intake_channel:
            found.append(
                ConfiguredChannel(
                    channel=department.intake_channel,
                    place=f'[[departments]] #{index + 1} (key "{department.key}") → intake_channel',
                    purpose=f"the intake channel of {department.name}",
                    leads=department.leads,
                )
            )
    for index, digest in enumerate(config.digests):
        departments = [d for d in config.departments if d.key in digest.departments]
        found.append(
            ConfiguredChannel(
                channel=digest.channel,
                place=f"[[digests]] #{index + 1} → channel",
                purpose="a weekly digest channel",
                leads=tuple(dict.fromkeys(lead for d in departments for lead in d.leads)),
            )
        )
    return found


def uses_of(config: LiaisonConfig, channel: str) -> list[ConfiguredChannel]:
    return [use for use in configured_channels(config) if use.channel == channel]


# -- Slack: getting in -------------------------------------------------------------------------


def join(client: WebClient, channel: str) -> str | None:
    """Make sure the bot is in `channel`, joining it if it is public. None when it is in;
    otherwise why not (Slack's error: `channel_not_found` for a private channel it was not
    invited to, or one that does not exist)."""
    try:
        info = client.conversations_info(channel=channel)["channel"]
        if info.get("is_member") or info.get("is_im"):
            return None
        if info.get("is_private"):
            return "not_invited"
        client.conversations_join(channel=channel)
        log.info("joined %s", channel)
        return None
    except SlackApiError as error:
        return str(error.response.get("error") or f"HTTP {error.response.status_code}")


def join_configured_channels(client: WebClient, config: LiaisonConfig) -> dict[str, str | None]:
    """Try to get into every configured channel (at start): channel -> None when Liaison is in,
    else why not. A channel Slack could not be asked about (network) is left out."""
    outcome: dict[str, str | None] = {}
    for use in configured_channels(config):
        if use.channel in outcome:
            continue
        try:
            outcome[use.channel] = join(client, use.channel)
        except (OSError, TimeoutError) as error:
            log.warning("could not check %s at start: %s", use.channel, error)
    return outcome


# -- the database: what is unusable, and who was told ----------------------------------------


def note_access(
    session: Session,
    *,
    workspace_id: int,
    config: LiaisonConfig,
    outcome: dict[str, str | None],
    now: datetime,
) -> None:
    """Record which channels Liaison is in; for each it cannot get into, tell its leads once."""
    for channel, problem in outcome.items():
        if problem is None:
            note_usable(session, workspace_id=workspace_id, channel=channel)
        else:
            note_unusable(
                session,
                workspace_id=workspace_id,
                channel=channel,
                problem=problem,
                config=config,
                now=now,
            )


def note_unusable(
    session: Session,
    *,
    workspace_id: int,
    channel: str,
    problem: str,
    config: LiaisonConfig,
    now: datetime,
) -> None:
    log.warning("channel %s is not usable (%s): /invite @Liaison in it", channel, problem)
    key = {"workspace_id": workspace_id, "channel": channel}
    insert_ignoring_conflicts(
        session, ChannelAccess, {**key, "problem": problem, "checked_at": now}, list(key)
    )
    session.execute(
        update(ChannelAccess)
        .where(ChannelAccess.workspace_id == workspace_id, ChannelAccess.channel == channel)
        .values(problem=problem, checked_at=now)
    )
    # The conditional write decides, across processes and restarts, who tells the leads.
    told = session.execute(
        update(ChannelAccess)
        .where(
            ChannelAccess.workspace_id == workspace_id,
            ChannelAccess.channel == channel,
            ChannelAccess.leads_told_at.is_(None),
        )
        .values(leads_told_at=now)
        .returning(ChannelAccess.channel)
    ).first()
    if told is None:
        return
    uses = uses_of(config, channel)
    leads = dict.fromkeys(lead for use in uses for lead in use.leads)
    for lead in leads:
        outbox.enqueue_message(
            session,
            workspace_id=workspace_id,
            template=outbox.CHANNEL_UNUSABLE,
            channel=lead,
            payload={
                "channel": channel,
                "problem": problem,
                "purposes": [use.purpose for use in uses],
                "places": [use.place for use in uses],
            },
            now=now,
        )


def note_usable(session: Session, *, workspace_id: int, channel: str) -> None:
    """Liaison is in `channel` (again): a later loss of access is told anew."""
    session.execute(
        update(ChannelAccess)
        .where(
            ChannelAccess.workspace_id == workspace_id,
            ChannelAccess.channel == channel,
            ChannelAccess.problem.is_not(None),
        )
        .values(problem=None, leads_told_at=None)
    )


def unusable_channels(session: Session) -> list[str]:
    """Configured channels Liaison cannot post in or hear from, for /healthz."""
    return list(
        session.scalars(
            select(ChannelAccess.channel)
            .where(ChannelAccess.problem.is_not(None))
            .order_by(ChannelAccess.channel)
        )
    )


# -- at start --------------------------------------------------------------------------------


def join_channels_at_start(runtime: Runtime) -> dict[str, str | None]:
    """In each workspace served (the bot token's, or each one installed): apply the config file
    (when one manages that workspace's settings), join the channels its settings name, record
    which are unusable and queue the leads' notices (sent by the next outbox pass). Slack is
    asked first; the transactions come after. What happened to each channel (of the last
    workspace)."""
    try:
        served = served_clients(runtime)
    except (SlackApiError, OSError, TimeoutError) as error:
        log.warning("could not reach Slack to join the configured channels: %s", error)
        return {}
    outcome: dict[str, str | None] = {}
    for team_id, client in served:
        runtime.workspace_settings.apply_file(team_id)
        config = runtime.config_for(team_id)
        try:
            outcome = join_configured_channels(client, config)
        except (SlackApiError, OSError, TimeoutError) as error:
            log.warning("could not join the configured channels in %s: %s", team_id, error)
            continue
        with transaction(runtime.sessions) as session:
            now = runtime.clock()
            workspace = ensure_workspace(session, team_id=team_id, now=now)
            note_access(session, workspace_id=workspace.id, config=config, outcome=outcome, now=now)
    return outcome


def recheck_unusable_channels(runtime: Runtime) -> list[str]:
    """Try again to get into the channels Liaison is not in (someone may have invited it since);
    the channels it is in now."""
    with reading(runtime.sessions) as session:
        rows = session.execute(
            select(ChannelAccess.workspace_id, ChannelAccess.channel, Workspace.team_id)
            .join(Workspace, Workspace.id == ChannelAccess.workspace_id)
            .where(ChannelAccess.problem.is_not(None))
        ).all()
    if not rows:
        return []
    usable = []
    for row in rows:
        try:
            if join(runtime.client_for(row.team_id), row.channel) is None:
                usable.append(row)
        except NotInstalled:
            continue  # the workspace uninstalled Liaison: nothing to join there
        except (OSError, TimeoutError) as error:
            log.warning("could not check %s: %s", row.channel, error)
    with transaction(runtime.sessions) as session:
        for row in usable:
            note_usable(session, workspace_id=row.workspace_id, channel=row.channel)
    return [row.channel for row in usable]
