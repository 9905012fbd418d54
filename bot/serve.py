"""Serving the app: what each HTTP worker process serves (hypercorn, started by bot/http_server.py,
runs several for `liaison web`), Socket Mode, and `liaison worker`.

HTTP is served by an event loop (hypercorn's asyncio worker) in front of the WSGI app: a client
that sends its request slowly, or never finishes it, holds a connection and nothing else, and is
dropped when its head or body takes too long (see bot/asgi.py). Worker processes are started
fresh (not forked) and each builds its app from the environment, as the command that started them
read it.

Stopping (SIGTERM, or Ctrl-C): hypercorn stops taking connections and gives the requests under
way `GRACEFUL_TIMEOUT` seconds (bot/http_server.py); then each process stops its scheduler (jobs
under way finish), lets the sends and stored events under way finish within `STOP_GRACE`
seconds, and gives back the leases it still holds, so another process carries on at once.
`liaison worker` and Socket Mode do the same once the signal arrives. With several web workers,
the parent process tells them when to stop: a SIGTERM sent to every process at once (systemd,
container platforms) leaves them to finish their requests.
"""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from slack_bolt.adapter.socket_mode import SocketModeHandler

from bot.asgi import BufferedWsgi
from bot.jobs.scheduler import build_scheduler
from bot.logs import configure_logging
from bot.runtime import Runtime
from bot.settings import Settings
from bot.slack.app import create_bolt_app
from bot.slack.listener_pool import LISTENER_THREADS
from bot.slack.membership import join_channels_at_start
from bot.web import MAX_BODY, MAX_DISCARD, create_wsgi_app
from bot.wiring import build_runtime

log = logging.getLogger(__name__)

# Threads running requests in each process (the event loop reads requests; a thread runs each
# once it has fully arrived). Threads of one process take turns at one interpreter lock across
# every database round trip: under load, 4 answered as many requests as 8 with a third less
# p99 and about 0.7 ms less CPU each (bench/README.md, 2026-11-30, night). The database pool is
# sized for them, the listeners and the work after the answers (bot/db/session.py).
REQUEST_THREADS = 4
# Seconds the sends to Slack under way (each call times out after SLACK_TIMEOUT_SECONDS) then
# get, before their leases are given back.
STOP_GRACE = 10.0


def build_wsgi(
    settings: Settings, *, with_scheduler: bool = False
) -> tuple[Any, Callable[[], None]]:
    """The WSGI app for this process (built in each worker), and what stops the work it does in
    the background."""

    runtime = build_runtime(settings)
    join_channels_at_start(runtime)
    # What follows the listeners' answers (`after_answer`), stopped with the process.
    listeners = ThreadPoolExecutor(max_workers=LISTENER_THREADS, thread_name_prefix="listener")
    application = create_wsgi_app(runtime, create_bolt_app(runtime, listener_executor=listeners))
    scheduler = None
    if with_scheduler:
        scheduler = build_scheduler(runtime)
        scheduler.start()
        log.info("scheduler started in the web process")
    return application, partial(stop_background, runtime, scheduler, listeners)


def stop_background(
    runtime: Runtime,
    scheduler: BackgroundScheduler | None,
    listeners: ThreadPoolExecutor | None = None,
) -> None:
    """Stop what a process does besides answering: the scheduler (jobs under way finish), what
    follows the listeners' answers, then the sends and stored events (see `Runtime.stop`)."""
    if scheduler is not None and scheduler.running:
        scheduler.shutdown(wait=False)
    if listeners is not None:
        listeners.shutdown(wait=True)  # short; they may queue sends
    runtime.stop(grace=STOP_GRACE)
    runtime.engine.dispose()
    log.info("stopped")


def settle_heap() -> None:
    """Take what a process built to serve (modules, the app, the engine, the caches' holders)
    out of the garbage collector's sight, once it is built. A full collection walks every object
    the collector tracks, and holds every thread of the process meanwhile: with those objects
    in, each pass under load held a web process's answers for 100-150 ms; without, 15-45 ms
    (bench/README.md, 2026-11-30, the heap settled). They live as long as the process, so
    nothing is kept that would have been freed."""
    gc.collect()
    gc.freeze()


def wait_for_termination() -> None:
    """Block until SIGTERM or SIGINT arrives."""
    received: list[int] = []
    arrived = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        received.append(signum)
        arrived.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, on_signal)
    while not arrived.wait(1.0):
        pass
    log.info("%s received: stopping", signal.Signals(received[0]).name)


def buffered(
    wsgi: Any, settings: Settings, *, on_shutdown: Callable[[], None] | None = None
) -> BufferedWsgi:
    """`wsgi` served from an event loop, with this deployment's limits."""

    return BufferedWsgi(
        wsgi,
        max_body=MAX_BODY,
        discard_up_to=MAX_DISCARD,
        body_timeout=settings.http_body_timeout_seconds,
        threads=REQUEST_THREADS,
        on_shutdown=on_shutdown,
    )


def worker_app(*, with_scheduler: bool, child: bool = False) -> BufferedWsgi:
    """What each worker process serves (hypercorn calls it by name, see bot/http_server.py); a
    `child` of hypercorn's parent process leaves SIGTERM to the parent, which tells it to stop."""
    if child:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    settings = Settings()
    configure_logging(settings.log_level, settings.log_format)
    application, stop = build_wsgi(settings, with_scheduler=with_scheduler)
    settle_heap()
    return buffered(application, settings, on_shutdown=stop)


def serve_socket_mode(settings: Settings) -> None:
    """Socket Mode: Slack connects out over a WebSocket, so no public URL is needed."""

    runtime = build_runtime(settings)
    join_channels_at_start(runtime)
    scheduler = build_scheduler(runtime)
    scheduler.start()
    log.info("connecting to Slack in Socket Mode")
    handler = SocketModeHandler(create_bolt_app(runtime), settings.slack_app_token)
    settle_heap()
    handler.connect()
    wait_for_termination()
    handler.close()
    stop_background(runtime, scheduler)


def serve_worker(settings: Settings) -> None:
    """`liaison worker`: the scheduler only, until SIGTERM."""
    runtime = build_runtime(settings)
    # The config file's settings, applied as a web process does: the jobs read them.
    join_channels_at_start(runtime)
    scheduler = build_scheduler(runtime)
    scheduler.start()
    log.info("scheduler started")
    wait_for_termination()
    stop_background(runtime, scheduler)
