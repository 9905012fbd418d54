"""The Bolt app: one factory that wires every listener to the runtime."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from sqlalchemy.exc import SQLAlchemyError

from bot.logs import quiet_slack_libraries
from bot.runtime import Runtime
from bot.slack.inbox import FROM_INBOX, HANDLER_ERROR
from bot.slack.listeners import actions, estimates, events, intake, modals, requester_dm, usergroups
from bot.slack.payloads import payload_problem
from bot.slack.teams import refuse_other_teams

log = logging.getLogger(__name__)


def create_bolt_app(
    runtime: Runtime,
    *,
    listener_executor: Executor | None = None,
    process_before_response: bool = False,
) -> App:
    """A Bolt app whose listeners share `runtime`; nothing is global. Listeners finish their work
    on `listener_executor` after acknowledging (Bolt makes a thread pool when none is given);
    with `process_before_response`, before `dispatch` returns (how stored events are handled).
    Events reach the listeners only from the inbox (bot/slack/inbox.py): the app that answers
    Slack stores them and acknowledges."""
    settings = runtime.settings
    extra = {"listener_executor": listener_executor} if listener_executor else {}
    app = App(
        **extra,
        name="liaison",
        logger=quiet_slack_libraries(),  # at DEBUG, Bolt would log whole bodies
        client=runtime.client_for(""),
        signing_secret=settings.slack_signing_secret,
        process_before_response=process_before_response,
        raise_error_for_unhandled_request=False,
    )

    @app.middleware
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

    # Before anything reads or stores a payload: only the workspace this token serves gets in.
    app.middleware(refuse_other_teams(runtime))

    @app.middleware
    def store_events_before_answering(
        req: BoltRequest, next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        body = req.body
        if body.get("type") != "event_callback" or req.context.get(FROM_INBOX):
            return next()
        event_id = body.get("event_id")
        if not isinstance(event_id, str) or not event_id:
            return BoltResponse(status=400, body="Bad Request: event_id is missing")
        try:
            stored = runtime.inbox.store(body)
        except SQLAlchemyError:
            # Answering 503 makes Slack deliver the event again later; an answer now would
            # lose it.
            log.warning("database unavailable: asking Slack to retry event %s", event_id)
            return BoltResponse(status=503, body="database unavailable, please retry")
        if stored:
            runtime.handle_event_soon(event_id)
        else:
            log.info("event %s is already stored", event_id)
        return BoltResponse(status=200, body="")

    for listeners in (intake, events, actions, estimates, modals, requester_dm, usergroups):
        listeners.register(app, runtime)
    if process_before_response:

        @app.error
        def keep_the_error(error: Exception, context: BoltContext) -> None:
            # Bolt answers 500 and logs it; the inbox keeps it on the event's row as well.
            context[HANDLER_ERROR] = repr(error)

    else:
        # Build the app that handles stored events now: like this one, it asks Slack who the
        # bot is when it is made, which belongs to start-up rather than to the first event.
        runtime.inbox.prepare()
    return app
