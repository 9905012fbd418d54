"""Every decision a requester takes, taken from the bot's DM alone: the requester here is in
none of the team's channels, so nothing may rely on them seeing the card or its thread."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from bot.domain.lifecycle import Status
from bot.jobs.nudges import send_nudges
from tests.conftest import (
    ENG_LEAD,
    ENGINEER,
    ENGINEER_2,
    SALES_LEAD,
    SALES_REP,
    STRANGER,
    Liaison,
)
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
    reply_in_thread,
    thread_texts,
)

# Wed 2 Dec: three days of work started Tue 1 Dec at 16:00 in Berlin end Fri 4 Dec.
TOO_SOON = "2026-12-02"


def buttons_of(message: dict[str, Any]) -> list[str]:
    return [
        element["action_id"]
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
    ]


def asked(liaison: Liaison, db, question: str = "Which invoice fields, exactly?") -> Card:
    """A request claimed by ENGINEER, who then asked the requester `question` by the button."""
    card = file_request(liaison, db)
    react(liaison, card, ENGINEER, "raising_hand")
    click(liaison, card, ENGINEER, "card_ask", value=str(card.request_id))
    view = opened_view(liaison, "ask_requester")
    liaison.slack.view_submission(view, ENGINEER, {"question": question})
    liaison.settle()
    assert current(db, card).status is Status.NEEDS_INFO
    return card


def open_answer(liaison: Liaison, user: str = SALES_REP) -> tuple[str, int]:
    """Click Answer in the requester's DM as `user`; (the click's trigger_id, views.open count)."""
    trigger_id = liaison.slack.new_trigger_id()
    click_in_dm(liaison, SALES_REP, "requester_answer", user=user, trigger_id=trigger_id)
    return trigger_id, len(liaison.fake.calls_to("views.open", trigger_id=trigger_id))


def answer_from_the_dm(liaison: Liaison, answer: str) -> Any:
    trigger_id, opened = open_answer(liaison)
    assert opened == 1
    view = liaison.fake.calls_to("views.open", trigger_id=trigger_id)[0].response["view"]
    response = liaison.slack.view_submission(view, SALES_REP, {"answer": answer})
    liaison.settle()
    return response


def assert_never_sent_to_a_channel(liaison: Liaison) -> None:
    """The requester was never answered where only a channel member could see it, nor told to
    go to the card's thread."""
    assert liaison.fake.calls_to("chat.postEphemeral", user=SALES_REP) == []
    for text in dms_to(liaison, SALES_REP):
        assert "reply in" not in text.lower() and "answer in" not in text.lower(), text


def test_the_question_dm_offers_an_answer_button(liaison: Liaison, db) -> None:
    card = asked(liaison, db)

    dm = dm_with(liaison, SALES_REP, "requester_answer")
    assert buttons_of(dm) == ["requester_answer"]
    assert "Which invoice fields, exactly?" in dm["text"]
    assert str(card.request_id) in str(dm["blocks"])
    assert_never_sent_to_a_channel(liaison)


def test_answering_from_the_dm_resumes_the_request_like_a_thread_reply(
    liaison: Liaison, db
) -> None:
    card = asked(liaison, db)

    trigger_id, opened = open_answer(liaison)
    assert opened == 1
    view = liaison.fake.calls_to("views.open", trigger_id=trigger_id)[0].response["view"]
    assert "Which invoice fields, exactly?" in str(view["blocks"])
    response = liaison.slack.view_submission(view, SALES_REP, {"answer": "Number, date, total."})
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()

    request = current(db, card)
    assert request.status is Status.CLAIMED
    assert request.info_asked_by is None and request.resume_status is None
    answered = events_of(db, card, "info_provided")
    assert [(e.actor, e.from_status, e.to_status, e.surface) for e in answered] == [
        (SALES_REP, "needs_info", "claimed", "modal")
    ]
    assert answered[0].data == {"answer": "Number, date, total."}
    # In the card's thread, attributed to the requester, posted by the bot.
    assert f"*Answer from <@{SALES_REP}>:*\n> Number, date, total." in thread_texts(liaison, card)
    told = [t for t in dms_to(liaison, ENGINEER) if "answered your question" in t]
    assert len(told) == 1 and "Number, date, total." in told[0]
    card_update = liaison.fake.calls_to("chat.update", ts=card.ts)[-1]
    assert "Claimed" in str(card_update.params["blocks"])
    # The question in the DM now shows the outcome instead of its button.
    dm = dm_with(liaison, SALES_REP, "requester_answer")
    assert buttons_of(dm) == []
    assert "Which invoice fields, exactly?" in str(dm["blocks"])
    assert "Your answer is in the thread of REQ-1" in str(dm["blocks"])
    assert_never_sent_to_a_channel(liaison)


def test_an_answer_from_the_dm_returns_an_estimated_request_to_its_commitment(
    liaison: Liaison, db
) -> None:
    card = file_request(liaison, db, desired_date="2026-12-18")
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")
    react(liaison, card, ENGINEER_2, "question")

    answer_from_the_dm(liaison, "PDF too, please.")
    modal = liaison.fake.calls_to("views.open")[-1].params["view"]
    assert f"<@{ENGINEER_2}> needs more information about REQ-1." in str(modal["blocks"])

    request = current(db, card)
    assert request.status is Status.COMMITTED
    assert request.committed_date == date(2026, 12, 18)
    assert any("answered your question" in t for t in dms_to(liaison, ENGINEER_2))


def test_an_empty_answer_is_a_field_error(liaison: Liaison, db) -> None:
    card = asked(liaison, db)

    response = answer_from_the_dm(liaison, "  ")

    body = response.json()
    assert body["response_action"] == "errors" and "answer" in body["errors"]
    assert current(db, card).status is Status.NEEDS_INFO


def test_a_long_hostile_answer_is_shown_safely_and_kept_whole(liaison: Liaison, db) -> None:
    card = asked(liaison, db)
    hostile = "@channel <!channel> <!here> <@UENG2> *bold* " + "x" * 10_000

    response = answer_from_the_dm(liaison, hostile)
    assert response.status_code == 200 and response.text == "", response.text

    assert current(db, card).status is Status.CLAIMED
    assert events_of(db, card, "info_provided")[0].data["answer"] == hostile
    posted = [
        c.params
        for c in liaison.fake.calls_to("chat.postMessage", thread_ts=card.ts)
        if "Answer from" in c.params.get("text", "")
    ]
    assert len(posted) == 1
    for shown in (posted[0], *[c.params for c in liaison.fake.calls_to("chat.update")]):
        everything = str(shown.get("text")) + str(shown.get("blocks"))
        for ping in ("<!channel>", "<!here>", "<@UENG2>", "@channel"):
            assert ping not in everything
    assert len(posted[0]["text"]) <= 4000
    for block in posted[0]["blocks"]:
        assert len(block["text"]["text"]) <= 3000
    told = next(t for t in dms_to(liaison, ENGINEER) if "answered your question" in t)
    assert "<!channel>" not in told and "@channel" not in told


def test_a_stale_answer_button_is_answered_privately(liaison: Liaison, db) -> None:
    card = asked(liaison, db)
    reply_in_thread(liaison, card, SALES_REP, "Answered in the thread already.")

    _, opened = open_answer(liaison)

    assert opened == 0
    assert private_answers(liaison) == ["REQ-1 is no longer waiting for an answer: it is claimed."]
    assert len(events_of(db, card, "info_provided")) == 1
    # An answer written in the thread is not copied into it again.
    assert not any("Answer from" in t for t in thread_texts(liaison, card))


def test_an_answer_that_arrives_after_the_question_was_answered_is_refused_in_the_modal(
    liaison: Liaison, db
) -> None:
    card = asked(liaison, db)
    trigger_id, _ = open_answer(liaison)
    view = liaison.fake.calls_to("views.open", trigger_id=trigger_id)[0].response["view"]
    reply_in_thread(liaison, card, SALES_REP, "Answered in the thread meanwhile.")

    response = liaison.slack.view_submission(view, SALES_REP, {"answer": "And from the DM."})

    body = response.json()
    assert body["response_action"] == "errors"
    assert "no longer waiting for an answer" in body["errors"]["answer"]
    assert not any("And from the DM." in t for t in thread_texts(liaison, card))


def test_a_stranger_clicking_the_requesters_answer_button_is_refused_privately(
    liaison: Liaison, db
) -> None:
    card = asked(liaison, db)
    events_before = len(events_of(db, card))

    _, opened = open_answer(liaison, user=STRANGER)

    assert opened == 0
    assert private_answers(liaison) == [
        f"Only <@{SALES_REP}>, who filed REQ-1, can answer questions about it."
    ]
    assert liaison.fake.calls_to("chat.postEphemeral") == []
    assert current(db, card).status is Status.NEEDS_INFO
    assert len(events_of(db, card)) == events_before
    assert buttons_of(dm_with(liaison, SALES_REP, "requester_answer")) == ["requester_answer"]


# -- the at-risk decision ------------------------------------------------------------------


def at_risk(liaison: Liaison, db) -> Card:
    card = file_request(liaison, db, desired_date=TOO_SOON, client="Acme Corp")
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")
    assert current(db, card).status is Status.AT_RISK
    return card


def test_accepting_from_the_dm_replaces_its_buttons_with_the_outcome(liaison: Liaison, db) -> None:
    card = at_risk(liaison, db)

    click_in_dm(liaison, SALES_REP, "negotiation_accept")

    request = current(db, card)
    assert request.status is Status.COMMITTED and request.committed_date == date(2026, 12, 4)
    assert any("accepted the projected date" in t for t in dms_to(liaison, ENGINEER))
    assert any("accepted the projected date" in t for t in thread_texts(liaison, card))
    dm = dm_with(liaison, SALES_REP, "negotiation_accept")
    assert buttons_of(dm) == []
    assert "is at risk" in str(dm["blocks"])
    assert "Agreed: REQ-1 is committed for Fri 4 Dec." in str(dm["blocks"])
    assert private_answers(liaison) == []
    assert_never_sent_to_a_channel(liaison)


def test_escalating_from_the_dm_leaves_accept_and_cut_scope(liaison: Liaison, db) -> None:
    card = at_risk(liaison, db)

    click_in_dm(liaison, SALES_REP, "negotiation_escalate")

    assert [e.actor for e in events_of(db, card, "escalated")] == [SALES_REP]
    for lead in (SALES_LEAD, ENG_LEAD):
        assert any("escalated" in t for t in dms_to(liaison, lead))
    dm = dm_with(liaison, SALES_REP, "negotiation_accept")
    assert buttons_of(dm) == ["negotiation_accept", "negotiation_cut_scope"]
    assert "Escalated REQ-1 to the leads" in str(dm["blocks"])

    # The leads agree on the projected date: the requester accepts it from the same DM.
    click_in_dm(liaison, SALES_REP, "negotiation_accept")

    assert current(db, card).status is Status.COMMITTED
    assert buttons_of(dm_with(liaison, SALES_REP, "negotiation_accept")) == []
    assert_never_sent_to_a_channel(liaison)


def test_cutting_scope_from_the_dm_edits_the_request_and_settles_the_dm(
    liaison: Liaison, db
) -> None:
    card = at_risk(liaison, db)

    click_in_dm(liaison, SALES_REP, "negotiation_cut_scope")
    view = opened_view(liaison, "request_edit")
    response = liaison.slack.view_submission(view, SALES_REP, {"title": "Export invoices only"})
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()

    request = current(db, card)
    assert request.title == "Export invoices only"
    assert request.status is Status.CLAIMED and request.estimate_days is None
    assert any("estimate it again" in t for t in dms_to(liaison, ENGINEER))
    dm = dm_with(liaison, SALES_REP, "negotiation_cut_scope")
    assert buttons_of(dm) == []
    assert "is at risk" in str(dm["blocks"]) and "REQ-1 is updated" in str(dm["blocks"])
    assert_never_sent_to_a_channel(liaison)


def test_a_stranger_clicking_accept_in_the_requesters_dm_is_refused_privately(
    liaison: Liaison, db
) -> None:
    card = at_risk(liaison, db)

    click_in_dm(liaison, SALES_REP, "negotiation_accept", user=STRANGER)

    assert private_answers(liaison) == [
        f"Only <@{SALES_REP}>, who filed REQ-1, can accept a new date for it."
    ]
    assert liaison.fake.calls_to("chat.postEphemeral") == []
    assert current(db, card).status is Status.AT_RISK
    assert events_of(db, card, "accepted") == []
    assert "negotiation_accept" in buttons_of(dm_with(liaison, SALES_REP, "negotiation_accept"))


def test_a_stale_negotiation_button_is_answered_privately(liaison: Liaison, db) -> None:
    card = at_risk(liaison, db)
    # A smaller estimate fits the desired date: nothing is left to decide, though the DM still
    # shows the negotiation.
    react(liaison, card, ENGINEER, "one")
    assert current(db, card).status is Status.COMMITTED

    click_in_dm(liaison, SALES_REP, "negotiation_escalate")

    assert private_answers(liaison) == ["REQ-1 has no open negotiation."]
    assert events_of(db, card, "escalated") == []
    assert dms_to(liaison, SALES_LEAD) == []


# -- delivery feedback ----------------------------------------------------------------------


def delivered(liaison: Liaison, db) -> Card:
    card = file_request(liaison, db, desired_date="2026-12-18")
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")
    react(liaison, card, ENGINEER, "white_check_mark")
    assert current(db, card).status is Status.DELIVERED
    return card


def test_feedback_from_the_dm_is_recorded_and_replaces_the_question(liaison: Liaison, db) -> None:
    card = delivered(liaison, db)

    click_in_dm(liaison, SALES_REP, "feedback_not_helpful")

    assert [(e.actor, e.data) for e in events_of(db, card, "feedback")] == [
        (SALES_REP, {"helpful": False})
    ]
    assert any("did not fully meet the need" in t for t in dms_to(liaison, ENGINEER))
    dm = dm_with(liaison, SALES_REP, "feedback_helpful")
    assert buttons_of(dm) == []
    assert "Thanks for saying so" in str(dm["blocks"])

    # A second answer from a copy of the question that still shows its buttons changes nothing.
    click_in_dm(liaison, SALES_REP, "feedback_helpful", value=str(card.request_id))

    assert len(events_of(db, card, "feedback")) == 1
    assert private_answers(liaison) == ["You already said whether REQ-1 met the need. Thanks!"]
    assert_never_sent_to_a_channel(liaison)


def test_a_stranger_cannot_give_the_requesters_feedback(liaison: Liaison, db) -> None:
    card = delivered(liaison, db)

    click_in_dm(liaison, SALES_REP, "feedback_helpful", user=STRANGER)

    assert private_answers(liaison) == ["Only the requester can say whether it met the need."]
    assert events_of(db, card, "feedback") == []
    assert buttons_of(dm_with(liaison, SALES_REP, "feedback_helpful")) == [
        "feedback_helpful",
        "feedback_not_helpful",
    ]


# -- reminders carry the decision too ---------------------------------------------------------


def remind(liaison: Liaison, when: str) -> dict[str, Any]:
    """Run the nudges as if at `when` (UTC); the reminder DM the requester got, as Slack has it."""
    send_nudges(liaison.runtime, at=datetime.fromisoformat(when).replace(tzinfo=UTC))
    liaison.settle()
    posted = liaison.fake.calls_to("chat.postMessage", channel=SALES_REP)[-1]
    assert "need you" in str(posted.params["blocks"][0])
    return liaison.fake.message(posted.response["channel"], posted.response["ts"])


def test_a_reminder_of_a_question_has_its_answer_button(liaison: Liaison, db) -> None:
    card = asked(liaison, db)
    reminder = remind(liaison, "2026-12-02T15:00:00")  # Wed 10:00 in New York
    assert "waiting for your answer" in reminder["text"]
    assert buttons_of(reminder) == ["requester_answer"]

    trigger_id = liaison.slack.new_trigger_id()
    liaison.slack.block_action(
        SALES_REP,
        "requester_answer",
        channel_id="D" + SALES_REP,
        message=reminder,
        trigger_id=trigger_id,
    )
    liaison.settle()
    view = liaison.fake.calls_to("views.open", trigger_id=trigger_id)[0].response["view"]
    liaison.slack.view_submission(view, SALES_REP, {"answer": "Totals only."})
    liaison.settle()

    assert current(db, card).status is Status.CLAIMED
    assert f"*Answer from <@{SALES_REP}>:*\n> Totals only." in thread_texts(liaison, card)
    # The reminder may list other requests: it is left as it was.
    assert liaison.fake.message("D" + SALES_REP, reminder["ts"]) == reminder


def test_deciding_from_a_reminder_settles_only_that_request(liaison: Liaison, db) -> None:
    card = at_risk(liaison, db)
    reminder = remind(liaison, "2026-12-02T15:00:00")
    assert buttons_of(reminder) == [
        "negotiation_accept",
        "negotiation_cut_scope",
        "negotiation_escalate",
    ]

    liaison.slack.block_action(
        SALES_REP, "negotiation_accept", channel_id="D" + SALES_REP, message=reminder
    )
    liaison.settle()

    assert current(db, card).status is Status.COMMITTED
    now = liaison.fake.message("D" + SALES_REP, reminder["ts"])
    assert buttons_of(now) == []
    assert "Agreed: REQ-1 is committed for Fri 4 Dec." in str(now["blocks"])
    assert now["blocks"][1]["accessory"]["action_id"] == "nudge_snooze"  # the rest stays
