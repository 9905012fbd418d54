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

from hypercorn.config import Config
from hypercorn.run import run
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
    """What each worker process serves (hypercorn calls this by name, see `serve_http`)."""
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    return buffered(build_wsgi(settings, with_scheduler=with_scheduler), settings)


def hypercorn_config(settings: Settings, *, workers: int, application_path: str) -> Config:
    """The server's options; `workers` 1 serves from this process."""
    config = Config()
    config.application_path = application_path
    config.bind = [f"0.0.0.0:{settings.port}"]
    config.workers = workers if workers > 1 else 0  # 0: no child process
    # Longer than a load balancer's idle timeout (60 s on the common ones), so idle connections
    # are closed by the balancer: when the server closes one just as a request arrives on it,
    # that request fails. It is also the time a client has to send a request's head, counted
    # from when the connection opened or the previous answer went out, however it trickles.
    config.keep_alive_timeout = settings.http_keep_alive_seconds
    config.graceful_timeout = 10  # seconds requests under way get to finish on shutdown
    config.backlog = 2048  # connections the kernel holds until they are accepted (hypercorn: 100)
    config.accesslog = logging.getLogger("hypercorn.access")
    config.errorlog = logging.getLogger("hypercorn.error")
    config.loglevel = settings.log_level.upper()
    return config


def serve_http(settings: Settings, *, workers: int, with_scheduler: bool) -> None:
    path = f"bot.serve:worker_app(with_scheduler={with_scheduler})"
    run(hypercorn_config(settings, workers=workers, application_path=path))


def serve_socket_mode(settings: Settings) -> None:
    """Socket Mode: Slack connects out over a WebSocket, so no public URL is needed."""

    runtime = build_runtime(settings)
    join_channels_at_start(runtime)
    build_scheduler(runtime, blocking=False).start()
    log.info("connecting to Slack in Socket Mode")
    SocketModeHandler(create_bolt_app(runtime), settings.slack_app_token).start()
