"""The work after an answer lets the answers in flight go first (bot/runtime.py)."""

from __future__ import annotations

import threading

from bot.runtime import Answering


def test_work_waits_while_a_request_is_being_answered() -> None:
    answering = Answering()
    assert answering.wait_until_idle(0) is True
    with answering.one(), answering.one():
        assert answering.wait_until_idle(0) is False
    assert answering.wait_until_idle(0) is True


def test_waiting_work_goes_on_once_the_last_answer_is_out() -> None:
    answering = Answering()
    outcome: list[bool] = []
    with answering.one():
        waiting = threading.Thread(target=lambda: outcome.append(answering.wait_until_idle(60)))
        waiting.start()
    waiting.join(timeout=60)
    assert outcome == [True]
