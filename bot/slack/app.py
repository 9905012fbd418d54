"""The Bolt app: one factory that wires every listener to the runtime."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

from bot.db.session import database_answers
from bot.runtime import Runtime
from bot.slack.listeners import actions, events, intake, modals
from bot.slack.payloads import payload_problem

log = logging.getLogger(__name__)


def create_bolt_app(runtime: Runtime, *, listener_executor: Executor | None = None) -> App:
    """A Bolt app whose listeners share `runtime`; nothing is global. Listeners finish their work
    on `listener_executor` after acknowledging (Bolt makes a thread pool when none is given)."""
    settings = runtime.settings
    extra = {"listener_executor": listener_executor} if listener_executor else {}
    app = App(
        **extra,
        name="liaison",
        client=runtime.client_for(""),
        signing_secret=settings.slack_signing_secret,
        # Slack retries unacknowledged events; listeners ack first and work after.
        process_before_response=False,
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

    @app.middleware
    def hold_events_while_the_database_is_away(
        body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        # An event is acknowledged before it is handled, so one taken while the database is
        # down would be lost. Answering 503 instead makes Slack deliver it again later.
        if body.get("type") == "event_callback" and not database_answers(runtime.engine):
            log.warning(
                "database unavailable: asking Slack to retry event %s", body.get("event_id")
            )
            return BoltResponse(status=503, body="database unavailable, please retry")
        return next()

    for listeners in (intake, events, actions, modals):
        listeners.register(app, runtime)
    return app
