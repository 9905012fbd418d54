"""Serving the app: hypercorn for HTTP (several worker processes for `liaison web`), or Socket Mode.

HTTP is served by an event loop (hypercorn's asyncio worker) in front of the WSGI app: a client
that sends its request slowly, or never finishes it, holds a connection and nothing else, and is
dropped when its head or body takes too long (see bot/asgi.py). Worker processes are started
fresh (not forked) and each builds its app from the environment, as the command that started them
read it.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.asgi import BufferedWsgi
from bot.jobs.scheduler import build_scheduler
from bot.logs import configure_logging
from bot.settings import Settings
from bot.slack.app import create_bolt_app
from bot.slack.membership import join_channels_at_start
from bot.web import MAX_BODY, MAX_DISCARD, create_wsgi_app
from bot.wiring import build_runtime

log = logging.getLogger(__name__)

# Threads running requests in each process: the same number every web worker had before, which
# the database pool is sized for (bot/db/session.py).
REQUEST_THREADS = 8


def build_wsgi(settings: Settings, *, with_scheduler: bool = False) -> Any:
    """The WSGI app for this process (built in each worker)."""

    runtime = build_runtime(settings)
    join_channels_at_start(runtime)
    # Listeners finish their (short, database-only) work here after acknowledging; Bolt's own
    # default pool is small enough to make acknowledgements queue under load.
    listeners = ThreadPoolExecutor(max_workers=16, thread_name_prefix="listener")
    application = create_wsgi_app(runtime, create_bolt_app(runtime, listener_executor=listeners))
    if with_scheduler:
        build_scheduler(runtime, blocking=False).start()
        log.info("scheduler started in the web process")
    return application


def buffered(wsgi: Any, settings: Settings) -> BufferedWsgi:
    """`wsgi` served from an event loop, with this deployment's limits."""

    return BufferedWsgi(
        wsgi,
        max_body=MAX_BODY,
        discard_up_to=MAX_DISCARD,
        body_timeout=settings.http_body_timeout_seconds,
        threads=REQUEST_THREADS,
    )


def worker_app(*, with_scheduler: bool) -> BufferedWsgi:
    """What each worker process serves (hypercorn calls it by name, see bot/http_server.py)."""
    settings = Settings()
    configure_logging(settings.log_level)
    return buffered(build_wsgi(settings, with_scheduler=with_scheduler), settings)


def serve_socket_mode(settings: Settings) -> None:
    """Socket Mode: Slack connects out over a WebSocket, so no public URL is needed."""

    runtime = build_runtime(settings)
    join_channels_at_start(runtime)
    build_scheduler(runtime, blocking=False).start()
    log.info("connecting to Slack in Socket Mode")
    SocketModeHandler(create_bolt_app(runtime), settings.slack_app_token).start()
