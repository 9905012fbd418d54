"""Serving the app: gunicorn for HTTP (several workers for `liaison web`), or Socket Mode."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from gunicorn.app.base import BaseApplication

from bot.settings import Settings

log = logging.getLogger(__name__)


def build_wsgi(settings: Settings, *, with_scheduler: bool = False) -> Any:
    """The WSGI app for this process (built in each worker, after the fork)."""
    from bot.jobs.scheduler import build_scheduler
    from bot.runtime import build_runtime
    from bot.slack.app import create_bolt_app
    from bot.slack.membership import join_channels_at_start
    from bot.web import create_wsgi_app

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


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, settings: Settings, options: dict[str, Any], with_scheduler: bool) -> None:
        self._settings = settings
        self._options = options
        self._with_scheduler = with_scheduler
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return build_wsgi(self._settings, with_scheduler=self._with_scheduler)


def serve_http(settings: Settings, *, workers: int, with_scheduler: bool) -> None:
    options = {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": 8,
        "timeout": 30,
        # Longer than a load balancer's idle timeout (60 s on the common ones), so idle
        # connections are closed by the balancer: when the server closes one just as a request
        # arrives on it, that request fails (gunicorn's default is 2 s).
        "keepalive": 75,
        "accesslog": "-",
        "loglevel": settings.log_level.lower(),
    }
    _Gunicorn(settings, options, with_scheduler).run()


def serve_socket_mode(settings: Settings) -> None:
    """Socket Mode: Slack connects out over a WebSocket, so no public URL is needed."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler

    from bot.jobs.scheduler import build_scheduler
    from bot.runtime import build_runtime
    from bot.slack.app import create_bolt_app
    from bot.slack.membership import join_channels_at_start

    runtime = build_runtime(settings)
    join_channels_at_start(runtime)
    build_scheduler(runtime, blocking=False).start()
    log.info("connecting to Slack in Socket Mode")
    SocketModeHandler(create_bolt_app(runtime), settings.slack_app_token).start()
