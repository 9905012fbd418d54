"""Listeners that answer last run in the request's own thread; the others on Bolt's pool, so
their answer never waits for what they do after it."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from bot.slack.listener_pool import ANSWER_HERE, ListenerPool
from bot.slack.listeners import intake
from tests.conftest import SALES_REP, Liaison


def test_a_marked_listener_runs_here_and_the_next_one_on_the_pool() -> None:
    pool = ListenerPool(max_workers=1, thread_name_prefix="pool")
    try:
        ANSWER_HERE.process(req=None, resp=None, next=lambda: None)  # type: ignore[arg-type]
        here = pool.submit(lambda: threading.current_thread().name)
        assert here.done() and here.result() == threading.current_thread().name
        assert pool.submit(lambda: threading.current_thread().name).result().startswith("pool")

        def failing() -> None:
            raise RuntimeError("the listener failed")

        ANSWER_HERE.process(req=None, resp=None, next=lambda: None)  # type: ignore[arg-type]
        with pytest.raises(RuntimeError):
            pool.submit(failing).result(timeout=0)
    finally:
        pool.shutdown()


def test_the_intake_form_is_answered_in_the_request_thread_and_a_command_is_not(
    liaison: Liaison, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    decide = intake._requesting_department

    def deciding_in_a_thread(*args: Any) -> Any:
        threads.append(threading.current_thread().name)
        return decide(*args)

    monkeypatch.setattr(intake, "_requesting_department", deciding_in_a_thread)
    liaison.slack.command(SALES_REP, "")
    view = liaison.fake.wait_for("views.open", count=1)[-1].response["view"]
    response = liaison.slack.view_submission(view, SALES_REP, {"title": "Export"})
    assert (response.status_code, response.text) == (200, "")
    command, form = threads
    assert command.startswith("listener")  # it opens the modal after its answer
    assert not form.startswith("listener")


def test_the_answer_to_request_does_not_wait_for_the_modal_to_open(liaison: Liaison) -> None:
    liaison.fake.slow_down("views.open", 1.5)
    started = time.monotonic()
    response = liaison.slack.command(SALES_REP, "")
    answered_in = time.monotonic() - started
    assert (response.status_code, response.text) == (200, "")
    assert answered_in < 1.0, answered_in  # views.open takes 1.5 s
    liaison.settle()
    [opened] = liaison.fake.calls_to("views.open")
    assert opened.response["ok"]
