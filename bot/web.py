"""The WSGI application: Slack's endpoints through Bolt, and a health check."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler

from bot.db.session import database_answers
from bot.runtime import Runtime

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def create_wsgi_app(runtime: Runtime, bolt_app: App) -> WSGIApp:
    """`POST /slack/events` (and the OAuth pages when enabled) go to Bolt; `GET /healthz` answers
    200 when the database does and 503 when it does not."""
    slack = SlackRequestHandler(bolt_app, path="/slack/events")

    def application(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if environ.get("PATH_INFO") == "/healthz":
            healthy = database_answers(runtime.engine)
            body = json.dumps(
                {"status": "ok" if healthy else "unavailable", "database": healthy}
            ).encode()
            start_response(
                "200 OK" if healthy else "503 Service Unavailable",
                [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
            )
            return [body]
        return slack(environ, start_response)

    return application
