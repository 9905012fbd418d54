"""Bolt's listener threads, and the listeners that run in the request's own thread instead.

Bolt hands each command, click and form to a listener thread and polls every 10 ms until the
listener acknowledges, so that a listener can go on after its answer (opening a modal, say)
without the answer waiting. A listener whose answer is the last thing it does gains nothing
from that: given `ANSWER_HERE` as its listener middleware, it runs in the thread that answers,
and its answer leaves as soon as it returns, without a thread switch or a poll. What such a
listener does after its answer (opening a modal, say) it hands to the pool with `after_answer`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from slack_bolt import BoltRequest, BoltResponse

from bot.slack.middleware import Direct

log = logging.getLogger(__name__)

_next_here = threading.local()


def _mark_next_here(request: BoltRequest, next: Callable[[], BoltResponse]) -> BoltResponse:
    """Marks the listener Bolt is about to hand over (right after its middleware, in the same
    thread) to run here instead."""
    _next_here.marked = True
    return next()


# For listeners that acknowledge last, and call nothing slow (no Web API) before.
ANSWER_HERE = Direct(_mark_next_here)


class ListenerPool(ThreadPoolExecutor):
    """The pool Bolt runs listeners on (`listener_executor`), except a listener given
    `ANSWER_HERE`, which runs in the calling thread."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        if not getattr(_next_here, "marked", False):
            return super().submit(fn, *args, **kwargs)
        _next_here.marked = False
        _next_here.pool = self
        done: Future[Any] = Future()
        try:
            done.set_result(fn(*args, **kwargs))
        except Exception as error:  # Bolt's own wrapper has handled it already
            done.set_exception(error)
        finally:
            _next_here.pool = None
        return done


def after_answer(work: Callable[[], object], what: str) -> None:
    """From a listener given `ANSWER_HERE`, once it has acknowledged: run `work` on the listener
    pool, so the answer leaves without waiting for it. (Where the listener already runs on a
    pool of Bolt's own, as in Socket Mode, `work` runs here, after the answer, as it would have.)"""
    pool: ListenerPool | None = getattr(_next_here, "pool", None)
    if pool is None:
        work()
        return

    def run() -> None:
        try:
            work()
        except Exception:  # nobody waits for it: said here, as Bolt says a listener's failure
            log.exception("%s failed after the answer", what)

    pool.submit(run)
