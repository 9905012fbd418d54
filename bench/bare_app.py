"""A bare Bolt app for comparison: the same command, view submission and reaction events as
Liaison, whose listeners only `ack()`, served by the same stack as `liaison web`.

    python -m bench.bare_app                # gunicorn, options as in bot/serve.serve_http
    gunicorn bench.bare_app:application     # or any WSGI server

Environment: SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL (the only Web API call is
Bolt's auth.test at start), PORT, WEB_CONCURRENCY. The app is built in each worker on its first
request, after the fork, as Liaison's is.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

from gunicorn.app.base import BaseApplication
from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot.slack.ids import COMMAND, Intake

DEFAULT_SLACK_API_URL = "https://slack.com/api/"


def create_bare_app(*, token: str, signing_secret: str, api_url: str) -> App:
    """A Bolt app with Liaison's entry points, each answering with a bare acknowledgement."""
    app = App(
        name="bare",
        client=WebClient(token=token, base_url=api_url, timeout=10),
        signing_secret=signing_secret,
        process_before_response=False,  # as Liaison: ack in a listener thread, work after
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
    """A WSGI callable that builds the app on the first request, so each gunicorn worker makes
    its own (and nothing connects at import time)."""

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


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        # Built in the worker (no preload), like bot/serve.py; auth.test happens here.
        return SlackRequestHandler(app_from_environment())


def gunicorn_options(*, port: int, workers: int) -> dict[str, Any]:
    """The options bot/serve.serve_http gives gunicorn (kept in step by hand)."""
    return {
        "bind": f"0.0.0.0:{port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 8,
        "timeout": 30,
        "keepalive": 75,  # as bot/serve.py
        "accesslog": "-",
        "loglevel": os.environ.get("LOG_LEVEL", "info").lower(),
    }


def main() -> None:
    port = int(os.environ.get("PORT", "3000"))
    workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
    _Gunicorn(gunicorn_options(port=port, workers=workers)).run()


if __name__ == "__main__":
    main()
