"""Which Slack workspace a payload comes from, and the gate that keeps other workspaces out.

A bot token serves the workspace `auth.test` names: Bolt asks once at start and attaches the
answer to every request as its authorization. A signed payload from any other team (another
workspace the app is installed in, a partner in a shared channel) is answered without reading or
writing anything: events are acknowledged and dropped, people get a polite no. Past the gate every
lookup is scoped to the payload's team, so a request id, number or card of one workspace is never
found from another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.request.internals import extract_team_id
from sqlalchemy.exc import SQLAlchemyError

from bot.runtime import Runtime
from bot.slack.blocks.notes import notice_modal
from bot.slack.blocks.replies import reply
from bot.slack.payloads import payload_kind

log = logging.getLogger(__name__)

NOT_SERVED = (
    "Liaison isn't set up for this Slack workspace, so it can't do anything here. "
    "Ask an admin of the workspace where your team uses Liaison."
)


def team_of(body: Mapping[str, Any]) -> str:
    """The team a payload is for, read as Bolt reads it (and as the gate checked it)."""
    return extract_team_id(dict(body)) or ""


def serves(context: BoltContext, body: Mapping[str, Any]) -> bool:
    """Whether the payload is for the team the token that answers it belongs to. Bolt reads the
    team from a modal's or the installation's fields first; the team the payload names at its
    top level must be that same one."""
    authorized = context.authorize_result
    if authorized is None or not authorized.team_id:
        return False
    named = {context.team_id}
    team = body.get("team")
    if isinstance(team, dict):
        named.add(team.get("id"))
    elif "team_id" in body:
        named.add(body.get("team_id"))
    return named == {authorized.team_id}


Middleware = Callable[[BoltRequest, Callable[[], BoltResponse]], BoltResponse | None]


def refuse_other_teams(runtime: Runtime) -> Middleware:
    """A Bolt middleware answering payloads from teams this installation does not serve."""

    def middleware(req: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        body = req.body
        # A malformed request reaches Bolt with an empty body and is refused after this.
        if not body:
            return next()
        if serves(req.context, body):
            if team := team_of(body):
                _settle_settings(runtime, team)
            return next()
        log.info("ignored a %s from a workspace Liaison does not serve", payload_kind(body))
        if "command" in body:
            return BoltResponse(status=200, body=reply(NOT_SERVED))
        if body.get("type") == "view_submission":
            return BoltResponse(
                status=200, body={"response_action": "update", "view": notice_modal(NOT_SERVED)}
            )
        respond = req.context.respond
        if body.get("type") == "block_actions" and respond is not None:
            # Slack signed the payload, so its response_url is Slack's own.
            runtime.background.submit(_answer_quietly, respond)
        return BoltResponse(status=200, body="")

    return middleware


def _settle_settings(runtime: Runtime, team_id: str) -> None:
    """The first time this process serves the workspace, make sure the config file (if one
    manages its settings) is applied: at start Slack may not have said which workspace it is."""
    try:
        runtime.workspace_settings.apply_file_once(team_id)
    except SQLAlchemyError:
        log.exception("could not apply the config file to %s; trying again later", team_id)


def _answer_quietly(respond: Callable[..., Any]) -> None:
    try:
        respond(text=NOT_SERVED, response_type="ephemeral", replace_original=False)
    except Exception as error:  # best effort: an answer to a click nobody is waiting on
        log.info("could not answer a click from another workspace: %r", error)
