"""Starting HTTP: hypercorn's options, and the server that starts and watches the worker
processes. Kept apart from the app (bot/serve.py) so that `liaison web`'s own process, which only
supervises, loads hypercorn and the settings and nothing of Slack, the database or the jobs: the
workers are started fresh and each imports the app by name."""

from __future__ import annotations

import logging
import signal
from typing import Any

from hypercorn.config import Config
from hypercorn.logging import Logger
from hypercorn.run import run

from bot.config import load_config
from bot.settings import Settings

# Seconds the requests under way get to finish once the server stops taking connections.
GRACEFUL_TIMEOUT = 10


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
    config.graceful_timeout = GRACEFUL_TIMEOUT
    config.backlog = 2048  # connections the kernel holds until they are accepted (hypercorn: 100)
    config.accesslog = logging.getLogger("hypercorn.access")
    config.logger_class = AccessLog
    config.errorlog = logging.getLogger("hypercorn.error")
    config.loglevel = settings.log_level.upper()
    return config


class AccessLog(Logger):
    """hypercorn's logging, with an access line that holds what an operator reads in one: who
    asked, the request line without its query (an OAuth code travels there), the status, the
    size and how long the answer took. hypercorn's own builds, for every request, a dictionary of
    every header and every environment variable (the tokens included) to pick its few fields
    from, which cost a few percent of what a request costs."""

    async def access(self, request: Any, response: Any, request_time: float) -> None:
        logger = self.access_logger
        if logger is None or not logger.isEnabledFor(logging.INFO):
            return
        client = request.get("client")
        status, size = "-", "-"
        if response is not None:
            status = str(response["status"])
            for name, value in response.get("headers", ()):
                if name.lower() == b"content-length":
                    size = value.decode("latin-1")
        logger.info(
            '%s "%s %s HTTP/%s" %s %s %.1f ms',
            f"{client[0]}:{client[1]}" if client and len(client) == 2 else "-",
            request.get("method", "GET"),
            request.get("path", ""),
            request.get("http_version", "1.1"),
            status,
            size,
            request_time * 1000,
        )


def prepare(settings: Settings) -> None:
    """Fail before anything starts serving: no Slack credentials, or a config file that does not
    validate (no file at all is a first run: workspaces are set up in Slack)."""
    settings.require_slack_credentials()
    if settings.liaison_config.exists():
        load_config(settings.liaison_config)


def serve_http(settings: Settings, *, workers: int, with_scheduler: bool) -> None:
    """Serve bot/serve.py's `worker_app` (stopping on SIGTERM: see there)."""
    path = f"bot.serve:worker_app(with_scheduler={with_scheduler}, child={workers > 1})"
    if workers > 1:
        # Inherited by the worker processes hypercorn starts, so that a SIGTERM sent to every
        # process while one is still starting leaves it to the parent too (which handles it once
        # they are started).
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    run(hypercorn_config(settings, workers=workers, application_path=path))
