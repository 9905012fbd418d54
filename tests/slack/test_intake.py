"""Filing a request through the front door: signed Slack requests in, Web API calls out."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from bot.domain.lifecycle import Status
from bot.domain.models import OutboxMessage, Request, RequestEvent
from tests.conftest import (
    ENG_LEAD,
    ENGINEER,
    INTAKE_CHANNEL,
    SALES_REP,
    SALES_REP_2,
    STRANGER,
    Liaison,
)


def open_modal(liaison: Liaison, user: str = SALES_REP, text: str = "") -> dict:
    before = len(liaison.fake.calls_to("views.open"))
    response = liaison.slack.command(user, text)
    assert response.status_code == 200
    # The modal opens after the acknowledgement: wait for this one, not an earlier one.
    return liaison.fake.wait_for("views.open", count=before + 1)[-1].response["view"]


def file(liaison: Liaison, user: str = SALES_REP, **values: object) -> None:
    view = open_modal(liaison, user)
    fields = {"title": "Export invoices as CSV", "desired_date": "2026-12-18"} | values
    response = liaison.slack.view_submission(view, user, fields)
    assert response.status_code == 200, response.text
    assert response.text == ""


def test_request_command_opens_the_intake_modal(liaison: Liaison) -> None:
    view = open_modal(liaison)
    assert view["callback_id"] == "request_intake"
    block_ids = [b.get("block_id") for b in view["blocks"]]
    assert block_ids == [
        "title",
        "details",
        "client",
        "impact",
        "realistic",
        "desired_date",
        "deadline",
        "promised",
    ]
    # One fulfilling department: no need to ask which.
    assert "fulfilling_department" not in block_ids


def test_words_after_the_command_prefill_the_title(liaison: Liaison) -> None:
    view = open_modal(liaison, text="SSO for Acme Corp")
    title = next(b for b in view["blocks"] if b["block_id"] == "title")
    assert title["element"]["initial_value"] == "SSO for Acme Corp"


def test_submission_stores_the_request_posts_the_card_and_confirms(liaison: Liaison, db) -> None:
    file(
        liaison,
        details="Finance needs monthly exports.",
        client="Acme Corp",
        impact="Renewal worth $120k",
        deadline="hard",
        promised="yes",
    )
    card_call = liaison.fake.wait_for("chat.postMessage", channel=INTAKE_CHANNEL)[0]
    dm = liaison.fake.wait_for("chat.postMessage", channel=SALES_REP)[0]

    request = db.scalars(select(Request)).one()
    assert request.reference == "REQ-1"
    assert request.title == "Export invoices as CSV"
    assert request.client == "Acme Corp"
    assert request.desired_date == date(2026, 12, 18)
    assert request.hard_deadline and request.promised_to_client
    assert request.status is Status.NEW
    assert request.requester_id == SALES_REP
    assert request.requesting_department.key == "sales"
    assert request.fulfilling_department.key == "eng"

    # The card is Block Kit with a plain-text fallback, and its place is kept.
    assert request.card_channel == INTAKE_CHANNEL
    assert request.card_ts == card_call.response["ts"]
    assert request.card_permalink.endswith(request.card_ts.replace(".", ""))
    blocks = card_call.params["blocks"]
    assert blocks[0]["text"]["text"] == "REQ-1 · Export invoices as CSV"
    card_text = json.dumps(blocks)
    for expected in (
        f"<@{SALES_REP}>",
        "Acme Corp",
        "<!date^1797595200^{date_short_pretty}|Fri 18 Dec 2026> (hard deadline)",
        "Renewal",
    ):
        assert expected in card_text
    assert ":raising_hand: to claim" in card_text
    assert "REQ-1" in card_call.params["text"]

    # The requester is told, with a link to the card.
    assert request.card_permalink in dm.params["text"]

    events = db.scalars(select(RequestEvent)).all()
    assert [(e.kind, e.to_status, e.surface, e.actor) for e in events] == [
        ("created", "new", "modal", SALES_REP)
    ]
    liaison.settle()
    assert db.scalar(select(func.count()).where(OutboxMessage.status != "sent")) == 0


def test_field_errors_come_back_inside_the_modal(liaison: Liaison, db) -> None:
    view = open_modal(liaison)
    response = liaison.slack.view_submission(
        view, SALES_REP, {"title": "   ", "desired_date": "2026-11-30", "details": "x" * 3001}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"title", "desired_date", "details"}
    assert "past" in body["errors"]["desired_date"]
    assert db.scalar(select(func.count()).select_from(Request)) == 0
    liaison.settle()
    liaison.fake.assert_no_call("chat.postMessage")


def test_someone_outside_the_requesting_departments_is_refused(liaison: Liaison, db) -> None:
    response = liaison.slack.command(STRANGER, "Please build me a thing")
    assert response.status_code == 200 and response.text == ""  # acknowledged at once
    [answer] = liaison.fake.wait_for("response_url")
    assert "Only members of a requesting department" in answer.params["text"]
    assert answer.params["response_type"] == "ephemeral"
    liaison.settle()
    liaison.fake.assert_no_call("views.open")
    assert db.scalar(select(func.count()).select_from(Request)) == 0


def test_an_engineer_is_not_a_requester(liaison: Liaison) -> None:
    liaison.slack.command(ENGINEER)
    [answer] = liaison.fake.wait_for("response_url")
    assert "Only members of a requesting department" in answer.params["text"]


def test_numbers_are_per_workspace_and_sequential(liaison: Liaison, db) -> None:
    file(liaison, SALES_REP, title="First")
    file(liaison, SALES_REP_2, title="Second")
    liaison.settle()
    numbers = db.execute(select(Request.number, Request.title).order_by(Request.number)).all()
    assert [tuple(n) for n in numbers] == [(1, "First"), (2, "Second")]


def test_mass_mentions_never_reach_slack_unescaped(liaison: Liaison) -> None:
    file(liaison, title="<!channel> urgent @here <@UENG1> *bold*", details="<!subteam^S1> & co")
    liaison.settle()
    for call in liaison.fake.calls_to("chat.postMessage"):
        sent = json.dumps(call.params)
        for ping in ("<!channel>", "<!here>", "<!subteam", "<@UENG1>", "@here"):
            assert ping not in sent
    card = liaison.fake.calls_to("chat.postMessage", channel=INTAKE_CHANNEL)[0]
    assert "&lt;!subteam^S1&gt; &amp; co" in json.dumps(card.params["blocks"])
    assert "&lt;!channel&gt; urgent" in card.params["text"]


@pytest.mark.parametrize("text", ["help", "HELP", "?"])
def test_help(liaison: Liaison, text: str) -> None:
    response = liaison.slack.command(SALES_REP, text)
    assert "/request list" in response.json()["text"]


def test_list_shows_the_callers_open_requests(liaison: Liaison) -> None:
    file(liaison, SALES_REP, title="Mine")
    file(liaison, SALES_REP_2, title="Theirs")
    liaison.settle()
    text = json.dumps(liaison.slack.command(SALES_REP, "list").json())
    assert "Mine" in text and "Theirs" not in text
    empty = liaison.slack.command(ENGINEER, "list").json()
    assert "no open requests" in empty["text"]


def test_status_shows_the_request_and_its_timeline(liaison: Liaison) -> None:
    file(liaison, title="Status me")
    liaison.settle()
    body = liaison.slack.command(SALES_REP, "status REQ-1").json()
    text = json.dumps(body, ensure_ascii=False)
    assert "REQ-1 · Status me" in text and "Filed" in text and "modal" in text
    assert "no request REQ-9" in liaison.slack.command(SALES_REP, "status REQ-9").json()["text"]
    assert "Which request?" in liaison.slack.command(SALES_REP, "status nonsense").json()["text"]


def test_message_shortcut_prefills_text_and_link(liaison: Liaison, db) -> None:
    message = {"text": "Client asks for SSO\nThey use Okta.", "user": SALES_REP_2}
    liaison.fake.add_channel("CDEALS", members=(SALES_REP, SALES_REP_2))
    message["ts"] = liaison.fake.add_message("CDEALS", **message)
    response = liaison.slack.message_shortcut(SALES_REP, message, channel_id="CDEALS")
    assert response.status_code == 200
    # The modal opens at once; the link back to the message follows (it takes a look-up).
    opened = liaison.fake.wait_for("views.open")[0].response["view"]
    assert "archives/CDEALS/p" not in json.dumps(opened["blocks"])
    [update] = liaison.fake.wait_for("views.update")
    assert update.params["view_id"] == opened["id"] and update.params["hash"] == opened["hash"]
    view = update.response["view"]
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["title"]["element"]["initial_value"] == "Client asks for SSO"
    assert blocks["details"]["element"]["initial_value"] == message["text"]
    assert "archives/CDEALS/p" in json.dumps(view["blocks"])

    liaison.slack.view_submission(view, SALES_REP, {})
    liaison.fake.wait_for("chat.postMessage", channel=INTAKE_CHANNEL)
    request = db.scalars(select(Request)).one()
    assert "archives/CDEALS/p" in request.source_permalink
    event = db.scalars(select(RequestEvent)).one()
    assert event.surface == "shortcut"


def test_shortcut_refuses_a_stranger_with_a_modal(liaison: Liaison) -> None:
    liaison.slack.message_shortcut(STRANGER, {"text": "hi", "user": STRANGER})
    view = liaison.fake.wait_for("views.open")[0].params["view"]
    assert "Only members of a requesting department" in json.dumps(view)


def test_bad_signature_and_stale_timestamp_are_refused(liaison: Liaison) -> None:
    body = "command=%2Frequest&text=&user_id=USALES1&team_id=T0001&trigger_id=1.2.3"
    bad = liaison.slack.post(body, "application/x-www-form-urlencoded", signature="v0=deadbeef")
    assert bad.status_code == 401
    stale = liaison.slack.post(body, "application/x-www-form-urlencoded", timestamp="1531420618")
    assert stale.status_code == 401
    liaison.settle()
    liaison.fake.assert_no_call("views.open")


def test_healthz(liaison: Liaison) -> None:
    import httpx

    response = httpx.get(liaison.url + "/healthz")
    assert response.status_code == 200
    assert response.json()["database"] is True


def test_a_slack_outage_keeps_the_request_and_posts_the_card_later(liaison: Liaison, db) -> None:
    liaison.fake.fail("chat.postMessage", status=500, times=1)
    file(liaison)
    liaison.settle()
    request = db.scalars(select(Request)).one()
    assert request.card_ts is None
    pending = db.scalars(
        select(OutboxMessage).where(OutboxMessage.status == "pending").order_by(OutboxMessage.id)
    ).all()
    assert [m.template or m.kind for m in pending] == ["card", "filed_confirmation"]
    assert pending[0].attempts == 1 and pending[0].last_error

    # Nothing is due before the backoff has passed; afterwards both go out, card first.
    assert liaison.runtime.outbox.send_due().sent == 0
    liaison.clock.advance(minutes=1)
    assert liaison.runtime.outbox.send_due().sent == 2
    posts = liaison.fake.calls_to("chat.postMessage")
    assert [c.params["channel"] for c in posts if c.status == 200] == [INTAKE_CHANNEL, SALES_REP]
    assert db.get(Request, request.id).card_ts is not None


def test_a_permanent_slack_error_is_recorded_not_retried(liaison: Liaison, db) -> None:
    liaison.fake.fail("chat.postMessage", "channel_not_found", times=1)
    file(liaison)
    liaison.settle()
    card = db.scalars(select(OutboxMessage).where(OutboxMessage.kind == "card")).one()
    assert card.status == "failed" and card.last_error == "channel_not_found"
    # The receipt still reaches the requester, without a link.
    dm = liaison.fake.wait_for("chat.postMessage", channel=SALES_REP)[0]
    assert "REQ-1" in dm.params["text"]
    # The engineering lead learns what could not be delivered, and why.
    [alert] = liaison.fake.wait_for("chat.postMessage", channel=ENG_LEAD)
    assert "could not deliver the request card about REQ-1" in alert.params["text"]
    assert "channel_not_found" in alert.params["text"]


def test_the_same_form_submitted_twice_files_one_request(liaison: Liaison, db) -> None:
    view = open_modal(liaison)
    values = {"title": "Only once", "desired_date": "2026-12-18"}
    assert liaison.slack.view_submission(view, SALES_REP, values).text == ""
    assert liaison.slack.view_submission(view, SALES_REP, values).text == ""
    liaison.settle()
    assert [r.title for r in db.scalars(select(Request))] == ["Only once"]
    assert len(liaison.fake.calls_to("chat.postMessage", channel=INTAKE_CHANNEL)) == 1
