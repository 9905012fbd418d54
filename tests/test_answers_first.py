"""The work after an answer lets the answers in flight go first (bot/runtime.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any

from bot.runtime import Answering
from tests.conftest import ENGINEER, Liaison
from tests.slack.helpers import current, file_request


def test_work_waits_while_a_request_is_being_answered() -> None:
    answering = Answering(quiet=0)
    assert answering.wait_until_quiet(0) is True
    with answering.one(), answering.one():
        assert answering.wait_until_quiet(0) is False
    assert answering.wait_until_quiet(0) is True


def test_work_waits_for_a_quiet_moment_after_the_last_answer() -> None:
    """Between two requests of a burst there is no time to spare: the work waits until nobody
    was answered for the quiet period."""
    answering = Answering(quiet=3600)
    assert answering.wait_until_quiet(0) is True  # a process that has answered nobody yet
    with answering.one():
        pass
    assert answering.wait_until_quiet(0) is False


def test_waiting_work_goes_on_once_the_last_answer_is_out() -> None:
    answering = Answering(quiet=0)
    outcome: list[bool] = []
    with answering.one():
        waiting = threading.Thread(target=lambda: outcome.append(answering.wait_until_quiet(60)))
        waiting.start()
    waiting.join(timeout=60)
    assert outcome == [True]


class Held(Executor):
    """A background pool that keeps what it is handed until the test runs it."""

    def __init__(self) -> None:
        self.tasks: list[Callable[[], object]] = []

    def submit(self, fn: Callable[..., object], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.tasks.append(lambda: fn(*args, **kwargs))
        return Future()


def test_the_messages_an_event_queues_follow_it_on_the_same_thread(liaison: Liaison, db) -> None:
    """Handling a stored event queues the card's update: it is sent right after, by the same
    background task, not handed to the pool to wait its turn again."""
    card = file_request(liaison, db)
    held = Held()
    liaison.runtime.background = held
    updates = len(liaison.fake.calls_to("chat.update"))
    assert (
        liaison.slack.reaction(ENGINEER, "raising_hand", card.channel, card.ts).status_code == 200
    )
    liaison.settle()
    assert len(held.tasks) == 1  # handling the stored event
    held.tasks.pop()()
    assert held.tasks == []  # the sending followed on the same thread
    assert len(liaison.fake.calls_to("chat.update")) == updates + 1
    assert current(db, card).claimer_id == ENGINEER


def test_a_stopping_process_keeps_no_work_waiting() -> None:
    answering = Answering(quiet=3600)
    with answering.one():
        answering.stop_waiting()
        assert answering.wait_until_quiet(60) is True
