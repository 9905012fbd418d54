"""The Bolt app that answers Slack, and the routes of stored events to their listeners: one
factory for each, which wire every listener to the runtime."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, ThreadPoolExecutor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse
from slack_bolt.authorization.authorize import InstallationStoreAuthorize
from sqlalchemy.exc import SQLAlchemyError

from bot.logs import quiet_slack_libraries
from bot.runtime import Runtime
from bot.slack.connections import KeptClients
from bot.slack.inbox import EventListener, SourceListener
from bot.slack.listener_pool import LISTENER_THREADS, AnsweringApp
from bot.slack.listeners import (
    actions,
    estimates,
    events,
    home,
    installs,
    intake,
    modals,
    not_ready,
    overrides,
    promise,
    requester_dm,
    search,
    settings_sections,
    settings_types,
    setup,
    tracker_settings,
    trackers,
    trends,
    usergroups,
)
from bot.slack.listeners import settings as settings_listeners
from bot.slack.listeners.home import listeners as home_listeners
from bot.slack.middleware import Direct
from bot.slack.oauth import oauth_settings
from bot.slack.payloads import payload_problem
from bot.slack.teams import NOT_SERVED, refuse_other_teams, refuse_uninstalled_teams

log = logging.getLogger(__name__)


def create_bolt_app(
    runtime: Runtime,
    *,
    listener_executor: Executor | None = None,
) -> App:
    """A Bolt app whose listeners share `runtime`; nothing is global. Listeners answer in their
    request's thread, and what follows an answer runs on `listener_executor` (`after_answer`,
    bot/slack/listener_pool.py; a pool of its own when none is given). Events are stored in the
    inbox and acknowledged here; their listeners are called by the inbox (`event_listeners`),
    never by Bolt."""
    settings = runtime.settings
    pool = listener_executor or ThreadPoolExecutor(
        max_workers=LISTENER_THREADS, thread_name_prefix="listener"
    )
    extra: dict[str, Any] = {}
    installations = runtime.installations
    if installations is None:
        # One bot token: Bolt asks Slack once which workspace it belongs to (teams.py).
        extra["client"] = runtime.client_for("")
    else:
        # Each request is authorized with its workspace's installation (its bot token, looked
        # up each time; auth.test is asked once per token). A workspace without one is told
        # Liaison is not installed there, before any listener runs.
        extra |= {
            "client": runtime.bare_client,  # no token; oauth.v2.access goes to SLACK_API_URL
            "oauth_settings": oauth_settings(settings, installations),
            "authorize": InstallationStoreAuthorize(
                installation_store=installations.reader,
                bot_only=True,
                cache_enabled=True,
                logger=log,
            ),
            "installation_store_bot_only": True,
            "user_facing_authorize_error_message": NOT_SERVED,
            "before_authorize": Direct(refuse_uninstalled_teams(runtime)),
        }
    app = AnsweringApp(
        **extra,
        after_answers=pool,
        name="liaison",
        logger=quiet_slack_libraries(),  # at DEBUG, Bolt would log whole bodies
        signing_secret=settings.slack_signing_secret,
        raise_error_for_unhandled_request=False,
    )

    def refuse_malformed_socket_mode_payloads(
        req: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        # Over HTTP, bot/web.py checks every payload's shape before Bolt sees it; payloads that
        # arrive over Socket Mode's WebSocket get the same check here.
        if req.mode == "socket_mode":
            problem = payload_problem(req.body)
            if problem is not None:
                log.warning("refused a Socket Mode payload: %s", problem.reason)
                return BoltResponse(status=problem.status, body=problem.reason)
        return next()

    kept_clients = KeptClients()

    def keep_connections_to_slack(
        req: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        # Once authorized (the client has the workspace's token): the listeners' calls (opening
        # a modal, say) go over a connection kept open, not a new one each time.
        req.context["client"] = kept_clients.like(req.context.client)
        return next()

    def store_events_before_answering(
        req: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body
        if body.get("type") != "event_callback":
            return next()
        event_id = body.get("event_id")
        if not isinstance(event_id, str) or not event_id:
            return BoltResponse(status=400, body="Bad Request: event_id is missing")
        try:
            runtime.store_event(body)
        except SQLAlchemyError:
            # Answering 503 makes Slack deliver the event again later; an answer now would
            # lose it.
            log.warning("database unavailable: asking Slack to retry event %s", event_id)
            return BoltResponse(status=503, body="database unavailable, please retry")
        return BoltResponse(status=200, body="")

    for middleware in (
        refuse_malformed_socket_mode_payloads,
        # Before anything reads or stores a payload: only the workspace this token serves gets
        # in.
        refuse_other_teams(runtime),
        keep_connections_to_slack,
        store_events_before_answering,
    ):
        app.use(Direct(middleware))

    listening = (
        intake,
        promise,
        actions,
        estimates,
        modals,
        not_ready,
        overrides,
        requester_dm,
        search,
        home,
        setup,
        trends,
    )
    for listeners in (
        *listening,
        settings_listeners,
        settings_sections,
        settings_types,
        tracker_settings,
    ):
        listeners.register(app, runtime)
    return app


def event_listeners(runtime: Runtime) -> Mapping[str, EventListener]:
    """The listener for each type of event Liaison reads, called by the inbox once the event is
    stored and answered. Bolt has already checked the request (signature, workspace, shape, and
    that the bot did not cause the event itself) before the event was stored."""
    return {
        **events.listeners(runtime),
        **usergroups.listeners(runtime),
        **home_listeners(runtime),
        **installs.listeners(runtime),
    }


def source_listeners(runtime: Runtime) -> Mapping[str, SourceListener]:
    """The listener for each source of stored events other than Slack: the trackers' webhooks,
    and the intake forms to file."""
    return {**trackers.listeners(runtime), **intake.form_listeners(runtime)}
