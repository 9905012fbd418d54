"""Every click and form submission acts once per intent: clicking a button again changes
nothing the first click did not, and a signed request replayed (Slack accepts one for five
minutes) is recognised and does nothing."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from bot.domain.lifecycle import Status
from tests.conftest import ENG_LEAD, ENGINEER, ENGINEER_2, SALES_LEAD, SALES_REP, Liaison
from tests.slack.helpers import (
    Card,
    click,
    click_in_dm,
    current,
    dm_with,
    dms_to,
    events_of,
    file_request,
    opened_view,
    private_answers,
    react,
)

TOO_SOON = "2026-12-02"  # three days of work from Tue 1 Dec 16:00 Berlin miss it


def at_risk(liaison: Liaison, db) -> Card:
    card = file_request(liaison, db, desired_date=TOO_SOON)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")
    assert current(db, card).status is Status.AT_RISK
    return card


def committed(liaison: Liaison, db) -> Card:
    card = file_request(liaison, db, desired_date="2026-12-18")
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")
    assert current(db, card).status is Status.COMMITTED
    return card


def delivered(liaison: Liaison, db) -> Card:
    card = committed(liaison, db)
    react(liaison, card, ENGINEER, "white_check_mark")
    return card


def claimed(liaison: Liaison, db) -> Card:
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    return card


def escalation_dms(liaison: Liaison, lead: str) -> list[str]:
    return [t for t in dms_to(liaison, lead) if "escalated" in t]


def dm_updates(liaison: Liaison, user: str) -> list[str]:
    """What the requester's DM prompts were rewritten to (a decision taken from the DM)."""
    return [
        str(c.params.get("blocks"))
        for c in liaison.fake.calls_to("chat.update")
        if str(c.params.get("channel", "")).startswith("D") and user in str(c.params["channel"])
    ]


def test_escalate_clicked_five_times_escalates_once(liaison: Liaison, db) -> None:
    card = at_risk(liaison, db)
    # Each click is a new one (a new trigger) on the prompt as the requester saw it.
    message = dm_with(liaison, SALES_REP, "negotiation_escalate")

    for _ in range(5):
        response = liaison.slack.block_action(
            SALES_REP, "negotiation_escalate", channel_id="D" + SALES_REP, message=message
        )
        assert response.status_code == 200
        liaison.settle()

    assert len(events_of(db, card, "escalated")) == 1
    for lead in (SALES_LEAD, ENG_LEAD):
        assert len(escalation_dms(liaison, lead)) == 1, dms_to(liaison, lead)
    updates = dm_updates(liaison, SALES_REP)
    assert "Escalated REQ-1" in updates[0]
    assert len(updates) == 5 and all("already escalated" in u for u in updates[1:])
    # A DM has no room for ephemeral messages: nothing is said that way.
    assert liaison.fake.calls_to("chat.postEphemeral", user=SALES_REP) == []


def test_five_simultaneous_escalate_clicks_escalate_once(liaison: Liaison, db) -> None:
    card = at_risk(liaison, db)
    message = dm_with(liaison, SALES_REP, "negotiation_escalate")

    def press(_: int) -> int:
        return liaison.slack.block_action(
            SALES_REP, "negotiation_escalate", channel_id="D" + SALES_REP, message=message
        ).status_code

    with ThreadPoolExecutor(max_workers=5) as pool:
        assert list(pool.map(press, range(5))) == [200] * 5
    liaison.settle()

    assert len(events_of(db, card, "escalated")) == 1
    for lead in (SALES_LEAD, ENG_LEAD):
        assert len(escalation_dms(liaison, lead)) == 1, dms_to(liaison, lead)


def test_a_new_at_risk_episode_may_be_escalated_again(liaison: Liaison, db) -> None:
    card = at_risk(liaison, db)
    click_in_dm(liaison, SALES_REP, "negotiation_escalate")
    react(liaison, card, ENGINEER, "one")  # fits: committed, the negotiation is over
    react(liaison, card, ENGINEER, "five")  # at risk again: a new negotiation
    assert current(db, card).status is Status.AT_RISK

    click_in_dm(liaison, SALES_REP, "negotiation_escalate")

    assert len(events_of(db, card, "escalated")) == 2


# (what sets the request up, what is clicked, the event it records, who is told and how)
Repeat = tuple[Callable[[Liaison, Any], Card], Callable[[Liaison, Card], None], str, str, str]
REPEATS: dict[str, Repeat] = {
    "escalate": (
        at_risk,
        lambda liaison, card: click_in_dm(liaison, SALES_REP, "negotiation_escalate"),
        "escalated",
        ENG_LEAD,
        "escalated",
    ),
    "feedback": (
        delivered,
        lambda liaison, card: click_in_dm(liaison, SALES_REP, "feedback_helpful"),
        "feedback",
        ENGINEER,
        "met the need",
    ),
    "accept": (
        at_risk,
        lambda liaison, card: click_in_dm(liaison, SALES_REP, "negotiation_accept"),
        "accepted",
        ENGINEER,
        "accepted the projected date",
    ),
    "deliver": (
        committed,
        lambda liaison, card: click(
            liaison, card, ENGINEER, "card_deliver", value=str(card.request_id)
        ),
        "delivered",
        SALES_REP,
        "delivered your request",
    ),
    "cancel": (
        claimed,
        lambda liaison, card: click_in_dm(liaison, SALES_REP, "requester_cancel"),
        "cancelled",
        ENGINEER,
        "cancelled",
    ),
}


@pytest.mark.parametrize("name", list(REPEATS), ids=list(REPEATS))
def test_a_button_clicked_again_acts_once(liaison: Liaison, db, name: str) -> None:
    setup, press, kind, told, words = REPEATS[name]
    card = setup(liaison, db)

    for _ in range(3):
        press(liaison, card)

    assert len(events_of(db, card, kind)) == 1
    assert len([t for t in dms_to(liaison, told) if words in t]) == 1, dms_to(liaison, told)


def test_cut_scope_sent_twice_with_nothing_new_edits_once(liaison: Liaison, db) -> None:
    card = at_risk(liaison, db)
    react(liaison, card, ENGINEER_2, "five")

    message = dm_with(liaison, SALES_REP, "negotiation_cut_scope")
    for count in (1, 2):
        liaison.slack.block_action(
            SALES_REP, "negotiation_cut_scope", channel_id="D" + SALES_REP, message=message
        )
        liaison.settle()
        view = opened_view(liaison, "request_edit", count=count)
        response = liaison.slack.view_submission(view, SALES_REP, {"title": "Invoices only"})
        assert response.status_code == 200 and response.text == "", response.text
        liaison.settle()

    assert len(events_of(db, card, "edited")) == 1
    for estimator in (ENGINEER, ENGINEER_2):
        assert len([t for t in dms_to(liaison, estimator) if "estimate it again" in t]) == 1


# -- replays ---------------------------------------------------------------------------------


class Recorder:
    """Keeps every signed request the simulated Slack sends, to send it again byte for byte."""

    def __init__(self, liaison: Liaison, monkeypatch: pytest.MonkeyPatch) -> None:
        self.sent: list[tuple[str, bytes, dict[str, str]]] = []
        self._post = liaison.slack._http.post

        def post(path: str, *, content: bytes, headers: dict[str, str]) -> httpx.Response:
            self.sent.append((path, content, headers))
            return self._post(path, content=content, headers=headers)

        monkeypatch.setattr(liaison.slack._http, "post", post)

    def replay(self, times: int, *, index: int = -1) -> list[int]:
        """Send the `index`-th recorded request again `times` times; the status codes."""
        path, content, headers = self.sent[index]
        return [
            self._post(path, content=content, headers=headers).status_code for _ in range(times)
        ]


def test_a_replayed_escalate_escalates_once(
    liaison: Liaison, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = at_risk(liaison, db)
    recorder = Recorder(liaison, monkeypatch)

    click_in_dm(liaison, SALES_REP, "negotiation_escalate")
    assert recorder.replay(4) == [200] * 4
    liaison.settle()

    assert len(events_of(db, card, "escalated")) == 1
    for lead in (SALES_LEAD, ENG_LEAD):
        assert len(escalation_dms(liaison, lead)) == 1, dms_to(liaison, lead)
    # The click rewrote its prompt once; the replays said nothing.
    assert len(dm_updates(liaison, SALES_REP)) == 1
    assert private_answers(liaison) == []


def test_one_click_replayed_five_times_at_once_escalates_once(
    liaison: Liaison, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = at_risk(liaison, db)
    recorder = Recorder(liaison, monkeypatch)
    click_in_dm(liaison, SALES_REP, "negotiation_escalate")
    # Replays stopped by the click's key say nothing; stopped by the state, each would answer.
    with ThreadPoolExecutor(max_workers=5) as pool:
        statuses = list(pool.map(lambda _: recorder.replay(1)[0], range(5)))
    assert statuses == [200] * 5
    liaison.settle()

    assert len(events_of(db, card, "escalated")) == 1
    assert len(dm_updates(liaison, SALES_REP)) == 1
    assert private_answers(liaison) == []


def test_a_replayed_question_asks_once(
    liaison: Liaison, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    card = claimed(liaison, db)
    click(liaison, card, ENGINEER, "card_ask", value=str(card.request_id))
    view = opened_view(liaison, "ask_requester")
    recorder = Recorder(liaison, monkeypatch)

    response = liaison.slack.view_submission(view, ENGINEER, {"question": "Which format?"})
    assert response.status_code == 200 and response.text == ""
    liaison.settle()
    assert recorder.replay(3) == [200] * 3
    liaison.settle()

    assert len(events_of(db, card, "needs_info")) == 1
    asked = [t for t in dms_to(liaison, SALES_REP) if "Which format?" in t]
    assert len(asked) == 1


def test_a_replayed_estimate_pick_is_recognised_without_a_second_answer(
    liaison: Liaison, db, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Picking a menu item is a click like any other: its replay does nothing, says nothing.
    card = claimed(liaison, db)
    recorder = Recorder(liaison, monkeypatch)
    click(
        liaison,
        card,
        ENGINEER,
        "card_estimate",
        selected_option_value=f"{card.request_id}:3",
    )
    picked = len(recorder.sent) - 1
    react(liaison, card, ENGINEER, "five")  # a later, real change of mind
    assert recorder.replay(2, index=picked) == [200, 200]
    liaison.settle()

    assert current(db, card).estimate_days == 5
