"""Which Slack workspace a payload comes from, the gate that keeps other workspaces out, and the
workspaces this process serves.

With one bot token (SLACK_BOT_TOKEN), Liaison serves the workspace `auth.test` names: Bolt asks
once and attaches the answer to every request as its authorization. In multi-workspace mode it
serves every workspace with an installation: Bolt authorizes each request with the payload's
workspace's bot token (bot/slack/installations.py) and answers a workspace without one itself
(with NOT_SERVED). Either way, a signed payload whose team is not the one its token belongs to
(another workspace, a partner in a shared channel) is answered here without reading or writing
anything: events are acknowledged and dropped, people get a polite no. Past the gate every lookup
is scoped to the payload's team, so a request id, number or card of one workspace is never found
from another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from slack_bolt import BoltContext, BoltRequest, BoltResponse
from slack_bolt.request.internals import extract_team_id
from slack_sdk import WebClient
from sqlalchemy.exc import SQLAlchemyError

from bot.runtime import Runtime
from bot.slack.blocks.notes import notice_modal
from bot.slack.blocks.replies import reply
from bot.slack.installations import NotInstalled
from bot.slack.payloads import payload_kind

log = logging.getLogger(__name__)

NOT_SERVED = (
    "Liaison isn't set up for this Slack workspace, so it can't do anything here. "
    "Ask an admin of the workspace where your team uses Liaison."
)


def served_clients(runtime: Runtime) -> list[tuple[str, WebClient]]:
    """Each workspace served now, with its client: the bot token's one workspace (Slack is
    asked which), or every workspace with an installation. Raises what the client raises when
    Slack cannot be asked."""
    if runtime.installations is None:
        client = runtime.client_for("")
        return [(str(client.auth_test()["team_id"]), client)]
    served = []
    for team_id in runtime.installations.teams():
        try:
            served.append((team_id, runtime.client_for(team_id)))
        except NotInstalled:
            continue  # uninstalled since it was listed
    return served


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
        return not_served(runtime, req)

    return middleware


def refuse_uninstalled_teams(runtime: Runtime) -> Middleware:
    """In multi-workspace mode, a Bolt middleware run before authorization: a payload from a
    workspace without an installation is answered here, as one from a team not served (Bolt
    would log an error for it). The events saying a workspace left pass (they may come after
    its token is gone), and so does Slack's URL check."""
    installations = runtime.installations
    assert installations is not None

    def middleware(req: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse | None:
        body = req.body
        if not body or body.get("type") in ("url_verification", "ssl_check") or _leaving(body):
            return next()
        team = req.context.team_id
        if team and installations.bot_token(team) is not None:
            return next()
        return not_served(runtime, req)

    return middleware


def _leaving(body: Mapping[str, Any]) -> bool:
    event = body.get("event")
    return (
        body.get("type") == "event_callback"
        and isinstance(event, dict)
        and (event.get("type") in ("app_uninstalled", "tokens_revoked"))
    )


def not_served(runtime: Runtime, req: BoltRequest) -> BoltResponse:
    """The answer to a payload from a workspace Liaison does not serve: nothing is read or
    written; people are told politely, events acknowledged and dropped."""
    body = req.body
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
