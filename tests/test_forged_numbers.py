"""Numbers in payloads are read strictly: a request id or a day count that is not plain ASCII
digits within range (superscripts, other scripts' digits, thousands of digits, 10**30, signs,
fractions) gets a private answer or a form error, never a 5xx, a traceback or a slow answer."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator

import httpx
import pytest

from bot.domain.lifecycle import Status
from bot.slack.blocks.card import ESTIMATE_OPTIONS
from tests.conftest import ENG_LEAD, ENGINEER, ENGINEER_2, INTAKE_CHANNEL, SALES_REP, Liaison
from tests.slack.helpers import (
    Card,
    click,
    click_answers,
    current,
    events_of,
    file_request,
    opened_view,
)

FORGED = {
    "superscript": "²",
    "arabic-indic": "٣",
    "fullwidth": "１",
    "5000 digits": "9" * 5000,
    "10**30": str(10**30),
    "2**31": str(2**31),
    "zero": "0",
    "negative": "-1",
    "float": "1.5",
    "signed": "+1",
    "spaced": " 1 ",
    "hex": "0x1",
    "exponent": "1e3",
    "empty": "",
}


@pytest.fixture
def quiet(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fails the test if anything is logged as an error or with a traceback."""
    caplog.clear()
    caplog.set_level(logging.INFO)
    yield
    records = caplog.get_records("setup") + caplog.get_records("call")
    loud = [r for r in records if r.levelno >= logging.ERROR or r.exc_info]
    assert loud == [], [r.getMessage() for r in loud]


def answered(send: httpx.Response | None, started: float) -> None:
    assert send is not None and send.status_code < 500, send and send.text
    assert time.monotonic() - started < 3


def answers_to(liaison: Liaison, user: str) -> list[str]:
    # Clicks are answered through their response_urls, which do not say who clicked: these
    # are everyone's answers so far.
    return click_answers(liaison)


def unchanged(db, card: Card) -> None:
    request = current(db, card)
    assert request.status is Status.NEW and request.claimer_id is None
    assert [e.kind for e in events_of(db, card)] == ["created"]


BUTTONS = ["card_claim", "card_deliver", "negotiation_escalate", "requester_cancel", "card_ask"]


@pytest.mark.usefixtures("quiet")
@pytest.mark.parametrize("action_id", BUTTONS)
def test_forged_button_values(liaison: Liaison, db, action_id: str) -> None:
    card = file_request(liaison, db)
    user = SALES_REP if action_id.startswith(("negotiation", "requester")) else ENGINEER
    before = len(answers_to(liaison, user))
    for value in FORGED.values():
        started = time.monotonic()
        answered(
            liaison.slack.block_action(user, action_id, value=value, channel_id=INTAKE_CHANNEL),
            started,
        )
    liaison.settle()
    unchanged(db, card)
    answers = answers_to(liaison, user)[before:]
    assert len(answers) == len(FORGED) and all("couldn't read" in a for a in answers)


@pytest.mark.usefixtures("quiet")
def test_forged_menu_values(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    for forged in FORGED.values():
        menu = [("card_estimate", f"{forged}:3"), ("nudge_snooze", f"{forged}:unclaimed:1")]
        if forged not in ESTIMATE_OPTIONS:  # "1.5" is a size the menu offers
            menu.append(("card_estimate", f"{card.request_id}:{forged}"))
        for action_id, value in menu:
            started = time.monotonic()
            response = liaison.slack.block_action(
                ENGINEER, action_id, selected_option_value=value, channel_id=INTAKE_CHANNEL
            )
            answered(response, started)
        started = time.monotonic()
        response = liaison.slack.block_action(
            ENG_LEAD,
            "card_reassign",
            selected_user=ENGINEER_2,
            block_id=f"card_actions:{forged}",
            channel_id=INTAKE_CHANNEL,
        )
        answered(response, started)
    liaison.settle()
    unchanged(db, card)
    offered = sum(forged in ESTIMATE_OPTIONS for forged in FORGED.values())
    # The engineer's three menus and the lead's reassignment, for each forged value.
    assert len(answers_to(liaison, ENGINEER)) == (3 * len(FORGED) - offered) + len(FORGED)


@pytest.mark.usefixtures("quiet")
def test_forged_request_ids_in_a_forms_private_metadata(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    click(liaison, card, ENGINEER, "card_decline", value=str(card.request_id))
    view = opened_view(liaison, "decline_request")
    metadata = [json.dumps({"request_id": value}) for value in FORGED.values()]
    metadata += [
        json.dumps({"request_id": value})
        for value in (10**30, -1, 0, 1.5, True, None, [card.request_id], {"id": 1}, 2**31)
    ]
    metadata.append('{"request_id": ' + "9" * 5000 + "}")
    for encoded in metadata:
        started = time.monotonic()
        response = liaison.slack.view_submission(
            {**view, "private_metadata": encoded}, ENGINEER, {"reason": "Not ours."}
        )
        answered(response, started)
        assert response.json() == {
            "response_action": "errors",
            "errors": {"reason": "This form has expired."},
        }, encoded[:80]
    liaison.settle()
    unchanged(db, card)


@pytest.mark.usefixtures("quiet")
@pytest.mark.parametrize("verb", ["status", "cancel"])
def test_forged_request_numbers_in_the_command(liaison: Liaison, db, verb: str) -> None:
    card = file_request(liaison, db)
    # Spaces around a typed number are what people type: "status  1 " is REQ-1.
    typed = [value for value in FORGED.values() if value.strip() != "1"]
    for forged in typed:
        for argument in (forged, f"REQ-{forged}"):
            started = time.monotonic()
            response = liaison.slack.command(SALES_REP, f"{verb} {argument}")
            answered(response, started)
            assert response.status_code == 200
            reply = str(response.json())
            assert "Which request?" in reply or "There is no request" in reply, reply[:200]
    liaison.settle()
    unchanged(db, card)


@pytest.mark.usefixtures("quiet")
@pytest.mark.parametrize(
    "after",
    ["²", "9" * 5000, str(10**30), "-1", "1.5"],
    ids=["superscript", "5000 digits", "10**30", "negative", "float"],
)
def test_a_forged_retry_after_from_the_web_api_is_read_strictly(
    liaison: Liaison, db, after: str
) -> None:
    # Slack's answers can come through a proxy (SLACK_API_URL): its numbers are read strictly too.
    liaison.fake.fail("chat.postMessage", status=429, retry_after=after, times=1)  # type: ignore[arg-type]
    liaison.slack.command(SALES_REP, "")
    view = liaison.fake.wait_for("views.open")[-1].response["view"]
    liaison.slack.view_submission(
        view, SALES_REP, {"title": "Export", "desired_date": "2026-12-18"}
    )
    liaison.settle()
    for _ in range(3):
        liaison.clock.advance(minutes=2)
        liaison.runtime.outbox.send_due()
    posted = [c for c in liaison.fake.calls_to("chat.postMessage") if c.response.get("ok")]
    assert [c.params["channel"] for c in posted][:1] == [INTAKE_CHANNEL]
