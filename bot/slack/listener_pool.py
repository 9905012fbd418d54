"""Listeners answer in their request's own thread; what follows an answer runs on a pool.

Bolt runs each listener in the thread that received its request (`AnsweringApp`, built with
Bolt's `process_before_response`), and the listener's answer (its `ack`) leaves once it returns: no
hand-off to a listener thread, no 10 ms polls for the acknowledgement. So a listener acknowledges
last, and hands what follows its answer (opening a modal, a private answer, a click's change and
whatever Slack calls it makes) to `after_answer`, which runs it on the pool the app was built
with: the answer never waits for it. Work that can wait for a quiet moment goes to the runtime's
background instead (`Runtime.send_soon`, `Runtime.work_soon`).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from slack_bolt import App, BoltRequest, BoltResponse

log = logging.getLogger(__name__)

# Threads running what follows the answers, in each process (opening modals, private answers,
# the changes clicks ask for: short, and mostly waiting for Slack or the database).
LISTENER_THREADS = 8

_answering = threading.local()


class AnsweringApp(App):
    """Bolt's app, running each listener in its request's thread (it answers when the listener
    returns), and giving the listeners of each request `after_answers` for `after_answer`."""

    def __init__(self, *, after_answers: Executor, **kwargs: Any) -> None:
        super().__init__(**kwargs, listener_executor=after_answers, process_before_response=True)
        self._after_answers = after_answers

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        _answering.pool = self._after_answers
        try:
            return super().dispatch(req)
        finally:
            _answering.pool = None


def after_answer(work: Callable[[], object], what: str) -> None:
    """From a listener that has acknowledged: run `work` on the app's pool, so the answer leaves
    without waiting for it. (Called outside a listener, `work` runs here.)"""
    pool: Executor | None = getattr(_answering, "pool", None)
    if pool is None:
        work()
        return

    def run() -> None:
        try:
            work()
        except Exception:  # nobody waits for it: said here, as Bolt says a listener's failure
            log.exception("%s failed after the answer", what)

    pool.submit(run)
