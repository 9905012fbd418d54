"""Listeners answer in the request's own thread; what follows an answer runs on the pool, so the
answer never waits for it."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from bot.slack.listener_pool import after_answer
from bot.slack.listeners import actions, intake
from tests.conftest import ENGINEER, SALES_REP, Liaison
from tests.slack.helpers import current, file_request

# How long the work after an answer waits for that answer before it gives up (a test that fails
# does so after this, not never).
PATIENCE = 5.0


def test_work_after_an_answer_runs_here_outside_a_request() -> None:
    ran: list[str] = []
    after_answer(lambda: ran.append(threading.current_thread().name), "a test")
    assert ran == [threading.current_thread().name]


def test_the_intake_form_is_answered_in_the_request_thread_and_its_modal_opened_after(
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


def test_a_click_is_answered_before_the_change_it_asks_for(
    liaison: Liaison, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = file_request(liaison, db)
    answered = threading.Event()
    waited: list[bool] = []
    apply = actions.apply

    def applying_once_answered(*args: Any, **kwargs: Any) -> Any:
        waited.append(answered.wait(PATIENCE))
        return apply(*args, **kwargs)

    monkeypatch.setattr(actions, "apply", applying_once_answered)
    message = liaison.fake.message(card.channel, card.ts)
    response = liaison.slack.block_action(
        ENGINEER, "card_claim", channel_id=card.channel, message=message, value=str(card.request_id)
    )
    answered.set()
    assert response.status_code == 200
    liaison.settle()
    assert waited == [True]
    assert current(db, card).claimer_id == ENGINEER


def test_the_answer_to_request_does_not_wait_for_the_modal_to_open(
    liaison: Liaison, monkeypatch: pytest.MonkeyPatch
) -> None:
    answered = threading.Event()
    waited: list[bool] = []
    open_modal = intake.open_modal

    def opening_once_answered(*args: Any) -> Any:
        waited.append(answered.wait(PATIENCE))
        return open_modal(*args)

    monkeypatch.setattr(intake, "open_modal", opening_once_answered)
    response = liaison.slack.command(SALES_REP, "")
    answered.set()
    assert (response.status_code, response.text) == (200, "")
    liaison.settle()
    [opened] = liaison.fake.calls_to("views.open")
    assert opened.response["ok"] and waited == [True]
