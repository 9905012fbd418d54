"""A bare Bolt app for comparison: the same command, view submission and reaction events as
Liaison, whose listeners only `ack()`, served by the same stack as `liaison web`.

    python -m bench.bare_app                # hypercorn, configured as bot/http_server.py's
    hypercorn bench.bare_app:application    # or any WSGI server

Environment: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL (the only Web API call is
Bolt's auth.test at start), PORT, WEB_CONCURRENCY. The app is built in each worker process, as
Liaison's is.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from hypercorn.run import run
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.asgi import BufferedWsgi
from bot.http_server import hypercorn_config
from bot.serve import buffered
from bot.settings import Settings
from bot.slack.ids import COMMAND, Intake

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


def create_bare_app(*, token: str, signing_secret: str, api_url: str) -> App:
    """A Bolt app with Liaison's entry points, each answering with a bare acknowledgement."""
    app = App(
        name="bare",
        client=WebClient(token=token, base_url=api_url, timeout=10),
        signing_secret=signing_secret,
        process_before_response=True,  # as Liaison: each listener runs in its request thread
        raise_error_for_unhandled_request=False,
    )

    @app.command(COMMAND)
    def on_command(ack: Ack) -> None:
        ack()

    @app.view(Intake.callback)
    def on_submission(ack: Ack) -> None:
        ack()

    @app.event("reaction_added")
    def on_reaction_added(ack: Ack) -> None:
        ack()

    @app.event("reaction_removed")
    def on_reaction_removed(ack: Ack) -> None:
        ack()

    return app


def app_from_environment() -> App:
    api_url = os.environ.get("SLACK_API_URL") or DEFAULT_SLACK_API_URL
    return create_bare_app(
        token=os.environ["SLACK_BOT_TOKEN"],
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        api_url=api_url if api_url.endswith("/") else api_url + "/",
    )


class _LazyWsgi:
    """A WSGI callable that builds the app on the first request, so each worker of a WSGI server
    makes its own (and nothing connects at import time)."""

    def __init__(self, build: Callable[[], App]) -> None:
        self._build = build
        self._handler: SlackRequestHandler | None = None
        self._lock = threading.Lock()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        if self._handler is None:
            with self._lock:
                if self._handler is None:
                    self._handler = SlackRequestHandler(self._build())
        return self._handler(environ, start_response)


application = _LazyWsgi(app_from_environment)


def worker_app() -> BufferedWsgi:
    """What each worker process serves: the bare app behind the event loop and limits Liaison's
    app has (bot/serve.py); Bolt's auth.test happens here."""
    from bot.logs import configure_logging

    settings = Settings()
    configure_logging(settings.log_level)
    return buffered(SlackRequestHandler(app_from_environment()), settings)


def main() -> None:
    settings = Settings()
    path = "bench.bare_app:worker_app()"
    run(hypercorn_config(settings, workers=settings.web_concurrency, application_path=path))


if __name__ == "__main__":
    main()
