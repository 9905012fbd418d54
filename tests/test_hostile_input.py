"""Hostile and broken input at the front door: forged or stale signatures are refused with 401,
malformed, unknown and oversized bodies with a 4xx (never a 500 or a traceback), and text full of
mentions, markup, control characters and SQL is stored as typed and shown defused."""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import time
from typing import Any
from urllib.parse import urlencode, urlsplit

import httpx
import pytest
from sqlalchemy import func, select

from bot.domain.models import Request
from bot.slack.app import create_bolt_app
from bot.web import create_wsgi_app
from tests.conftest import INTAKE_CHANNEL, SALES_REP, Inspector, Liaison
from tests.fakes.signer import FORM, JSON, slack_signature

OUTSIDE_ANSWERS = ("views.open", "chat.postMessage", "chat.postEphemeral", "chat.update")


def command_body(**overrides: str | None) -> str:
    """A /request slash command form; a field set to None is left out."""
    form: dict[str, str | None] = {
        "token": "verification_token",
        "team_id": "T0001",
        "team_domain": "acme",
        "channel_id": "C0GENERAL",
        "channel_name": "general",
        "user_id": SALES_REP,
        "user_name": "user-usales1",
        "command": "/request",
        "text": "",
        "api_app_id": "A0001",
        "response_url": "https://hooks.slack.com/commands/T0001/1/x",
        "trigger_id": "1.2.abc",
    } | overrides
    return urlencode({k: v for k, v in form.items() if v is not None})


def interaction(payload: Any) -> str:
    return urlencode({"payload": json.dumps(payload)})


USER = {"id": SALES_REP, "username": "user-usales1", "team_id": "T0001"}
BASE = {"team": {"id": "T0001", "domain": "acme"}, "user": USER, "api_app_id": "A0001"}
VIEW = {"type": "modal", "callback_id": "request_intake", "private_metadata": "{}"}


def envelope(event: Any, **extra: Any) -> str:
    return json.dumps(
        {
            "token": "verification_token",
            "team_id": "T0001",
            "api_app_id": "A0001",
            "type": "event_callback",
            "event_id": "Ev0001",
            "event_time": 1,
            **({"event": event} if event is not ... else {}),
            **extra,
        }
    )


# (body, content type) pairs: signed correctly, each malformed in its own way.
MALFORMED: dict[str, tuple[str | bytes, str]] = {
    "payload is not JSON": ("payload=%7Bnot+json", FORM),
    "payload is a JSON list": (interaction([1, 2, 3]), FORM),
    "payload is a JSON string": (interaction("block_actions"), FORM),
    "payload is null": (interaction(None), FORM),
    "JSON body is a list": ("[1, 2, 3]", JSON),
    "JSON body is a number": ("42", JSON),
    "JSON body is null": ("null", JSON),
    "JSON body is not JSON": ("{not json", JSON),
    "deeply nested JSON": ("[" * 100_000 + "]" * 100_000, JSON),
    "empty body": ("", FORM),
    "empty JSON object": ("{}", JSON),
    "unknown interaction type": (interaction({**BASE, "type": "block_actionz"}), FORM),
    "type is a number": (interaction({**BASE, "type": 7}), FORM),
    "unknown envelope type": (json.dumps({"type": "event_callbacks", "event": {}}), JSON),
    "form without a command": ("user_id=U1&text=hello", FORM),
    "command without user_id": (command_body(user_id=None), FORM),
    "command without trigger_id": (command_body(trigger_id=None), FORM),
    "command with an empty user_id": (command_body(user_id=""), FORM),
    "command as JSON with a number": (json.dumps({"command": "/request", "text": 5}), JSON),
    "command with an event field": (command_body(event="x"), FORM),
    "block_actions without actions": (
        interaction({**BASE, "type": "block_actions", "trigger_id": "1.2"}),
        FORM,
    ),
    "block_actions with no action": (
        interaction({**BASE, "type": "block_actions", "trigger_id": "1.2", "actions": []}),
        FORM,
    ),
    "block_actions with a number for an action": (
        interaction({**BASE, "type": "block_actions", "trigger_id": "1.2", "actions": [1]}),
        FORM,
    ),
    "block_actions without action_id": (
        interaction(
            {**BASE, "type": "block_actions", "trigger_id": "1.2", "actions": [{"value": "1"}]}
        ),
        FORM,
    ),
    "block_actions with a text selected_option": (
        interaction(
            {
                **BASE,
                "type": "block_actions",
                "trigger_id": "1.2",
                "actions": [{"action_id": "card_estimate", "selected_option": "1:3"}],
            }
        ),
        FORM,
    ),
    "block_actions without user": (
        interaction(
            {
                "type": "block_actions",
                "trigger_id": "1.2",
                "actions": [{"action_id": "card_claim", "value": "1"}],
            }
        ),
        FORM,
    ),
    "block_actions with a text container": (
        interaction(
            {
                **BASE,
                "type": "block_actions",
                "trigger_id": "1.2",
                "container": "CENGINTAKE",
                "actions": [{"action_id": "card_claim", "value": "1"}],
            }
        ),
        FORM,
    ),
    "interactive_message without actions": (
        interaction({**BASE, "type": "interactive_message", "callback_id": "card_claim"}),
        FORM,
    ),
    "view_submission without view": (
        interaction({**BASE, "type": "view_submission", "trigger_id": "1.2"}),
        FORM,
    ),
    "view_submission with a text view": (
        interaction({**BASE, "type": "view_submission", "view": "request_intake"}),
        FORM,
    ),
    "view_submission without callback_id": (
        interaction({**BASE, "type": "view_submission", "view": {"type": "modal"}}),
        FORM,
    ),
    "view_submission with malformed state": (
        interaction(
            {**BASE, "type": "view_submission", "view": {**VIEW, "state": {"values": [1]}}}
        ),
        FORM,
    ),
    "view_submission with text state values": (
        interaction(
            {
                **BASE,
                "type": "view_submission",
                "view": {**VIEW, "state": {"values": {"title": {"value": "x"}}}},
            }
        ),
        FORM,
    ),
    "view_submission with numeric metadata": (
        interaction({**BASE, "type": "view_submission", "view": {**VIEW, "private_metadata": 1}}),
        FORM,
    ),
    "view_submission with a retired workflow step": (
        interaction({**BASE, "type": "view_submission", "view": {**VIEW, "type": "workflow_step"}}),
        FORM,
    ),
    "view_submission with user as a number": (
        interaction({**BASE, "user": 5, "type": "view_submission", "view": VIEW}),
        FORM,
    ),
    "shortcut without trigger_id": (
        interaction({**BASE, "type": "message_action", "callback_id": "create_request"}),
        FORM,
    ),
    "shortcut without callback_id": (
        interaction({**BASE, "type": "shortcut", "trigger_id": "1.2"}),
        FORM,
    ),
    "shortcut on a message whose text is a list": (
        interaction(
            {
                **BASE,
                "type": "message_action",
                "callback_id": "create_request",
                "trigger_id": "1.2",
                "message": {"text": ["a"], "ts": "1.2"},
            }
        ),
        FORM,
    ),
    "event_callback without event": (envelope(...), JSON),
    "event is text": (envelope("reaction_added"), JSON),
    "event is null": (envelope(None), JSON),
    "event without type": (envelope({"user": "UENG1"}), JSON),
    "reaction with a text item": (
        envelope({"type": "reaction_added", "user": "UENG1", "reaction": "one", "item": "x"}),
        JSON,
    ),
    "message with a numeric text": (
        envelope({"type": "message", "user": "U1", "text": 1, "ts": "2.0", "thread_ts": "1.0"}),
        JSON,
    ),
    "authorizations that Bolt cannot read": (
        envelope({"type": "app_mention", "user": "U1"}, authorizations=[1, 2]),
        JSON,
    ),
    "team that Bolt cannot read": (
        interaction({**BASE, "team": 5, "type": "shortcut", "callback_id": "x", "trigger_id": "1"}),
        FORM,
    ),
    "url_verification without challenge": (json.dumps({"type": "url_verification"}), JSON),
    "garbage bytes": (b"\xff\xfe\x00\x80garbage\xc3\x28", FORM),
    "garbage text": ("%%%&&&===;;;payload", FORM),
    "wrong content type": (command_body(), "text/plain"),
    "form sent as JSON": (command_body(), JSON),
    "no content type": (command_body(), ""),
}


def assert_nothing_happened(
    liaison: Liaison, db: Inspector, methods: tuple[str, ...] = OUTSIDE_ANSWERS
) -> None:
    liaison.settle()
    assert db.scalar(select(func.count()).select_from(Request)) == 0
    for method in methods:
        liaison.fake.assert_no_call(method)


def assert_no_failure_logged(caplog: pytest.LogCaptureFixture) -> None:
    loud = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert not loud, [r.getMessage() for r in loud]


def assert_short_plain_answer(response: httpx.Response) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    assert len(response.content) < 200 and "Traceback" not in response.text


# -- signatures ------------------------------------------------------------------------------


def test_a_correct_signature_is_accepted(liaison: Liaison) -> None:
    # The baseline the tests below break one piece at a time.
    response = liaison.slack.post(command_body(), FORM)
    assert response.status_code == 200
    liaison.fake.wait_for("views.open")


@pytest.mark.parametrize(
    "signing",
    [
        pytest.param({"signature": "v0=" + "0" * 64}, id="wrong signature"),
        pytest.param({"signature": "v1=abc"}, id="wrong scheme"),
        pytest.param({"signature": ""}, id="empty signature"),
        pytest.param({"age": 301}, id="stale timestamp"),
        pytest.param({"age": 86_400}, id="a day old"),
        pytest.param({"age": -600}, id="future timestamp"),
        pytest.param({"timestamp": "not-a-number"}, id="timestamp not a number"),
        pytest.param({"timestamp": "1" * 5000}, id="timestamp too long for int"),
        pytest.param({"timestamp": ""}, id="empty timestamp"),
    ],
)
def test_a_bad_or_stale_signature_is_refused(
    liaison: Liaison, db: Inspector, caplog: pytest.LogCaptureFixture, signing: dict[str, Any]
) -> None:
    if "age" in signing:
        # `post` signs with the given timestamp, so a stale one carries a correct signature.
        signing = {"timestamp": str(int(time.time()) - signing["age"])}
    response = liaison.slack.post(command_body(), FORM, **signing)
    assert response.status_code == 401
    assert "Traceback" not in response.text
    assert_nothing_happened(liaison, db)
    assert_no_failure_logged(caplog)


@pytest.mark.parametrize(
    "dropped",
    [
        ["X-Slack-Signature"],
        ["X-Slack-Request-Timestamp"],
        ["X-Slack-Signature", "X-Slack-Request-Timestamp"],
    ],
    ids=["no signature", "no timestamp", "neither"],
)
def test_missing_signature_headers_are_refused(
    liaison: Liaison, db: Inspector, dropped: list[str]
) -> None:
    body = command_body()
    ts = str(int(time.time()))
    headers = {
        "Content-Type": FORM,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": slack_signature(liaison.slack.signing_secret, ts, body),
    }
    for name in dropped:
        del headers[name]
    response = httpx.post(f"{liaison.url}/slack/events", content=body, headers=headers)
    assert response.status_code == 401
    assert_nothing_happened(liaison, db)


def test_a_body_changed_after_signing_is_refused(liaison: Liaison, db: Inspector) -> None:
    ts = str(int(time.time()))
    signature = slack_signature(liaison.slack.signing_secret, ts, command_body(text="hello"))
    tampered = command_body(text="hello", user_id="USALES2")
    response = liaison.slack.post(tampered, FORM, timestamp=ts, signature=signature)
    assert response.status_code == 401
    assert_nothing_happened(liaison, db)


@pytest.mark.parametrize("name", ["payload is not JSON", "JSON body is a list", "garbage text"])
def test_an_unsigned_malformed_body_gets_401_not_400(
    liaison: Liaison, db: Inspector, name: str
) -> None:
    # The signature is checked before the shape: nobody learns anything without the secret.
    body, content_type = MALFORMED[name]
    response = liaison.slack.post(body, content_type, signature="v0=" + "1" * 64)
    assert response.status_code == 401
    assert_nothing_happened(liaison, db)


# -- malformed bodies ------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(MALFORMED))
def test_a_signed_malformed_body_gets_a_4xx(
    liaison: Liaison, db: Inspector, caplog: pytest.LogCaptureFixture, name: str
) -> None:
    body, content_type = MALFORMED[name]
    response = liaison.slack.post(body, content_type)
    assert_short_plain_answer(response)
    assert_nothing_happened(liaison, db)
    assert_no_failure_logged(caplog)


def test_an_oversized_body_gets_413_without_being_processed(
    liaison: Liaison, db: Inspector
) -> None:
    big = command_body(text="x" * (2 * 1024 * 1024))
    response = liaison.slack.post(big, FORM)
    assert response.status_code == 413
    assert_short_plain_answer(response)
    assert_nothing_happened(liaison, db)


def test_an_oversized_declared_length_is_refused_before_the_body_is_read(
    liaison: Liaison, db: Inspector
) -> None:
    # Only the headers are sent: the answer must come without waiting for 50 MB.
    status = _raw_request(
        liaison.url, f"Content-Type: {FORM}\r\nContent-Length: {50 * 1024 * 1024}\r\n"
    )
    assert status == 413
    assert_nothing_happened(liaison, db)


@pytest.mark.parametrize("length", ["abc", "-5"])
def test_an_invalid_content_length_gets_400(liaison: Liaison, length: str) -> None:
    assert _raw_request(liaison.url, f"Content-Type: {FORM}\r\nContent-Length: {length}\r\n") == 400


def _raw_request(base_url: str, headers: str, method: str = "POST") -> int:
    """The status of a request sent by hand (httpx will not send a wrong Content-Length)."""
    url = urlsplit(base_url)
    with socket.create_connection((url.hostname, url.port), timeout=5) as sock:
        head = f"{method} /slack/events HTTP/1.1\r\nHost: {url.netloc}\r\n{headers}\r\n"
        sock.sendall(head.encode())
        answer = sock.recv(1024).decode("latin-1")
    return int(answer.split(" ", 2)[1])


def test_a_slash_command_mentioning_payload_is_still_read(liaison: Liaison) -> None:
    # Bolt's own parser reads any form containing "payload" as an empty body.
    response = liaison.slack.command(SALES_REP, "Fix the payload export")
    assert response.status_code == 200
    view = liaison.fake.wait_for("views.open")[0].response["view"]
    title = next(b for b in view["blocks"] if b.get("block_id") == "title")
    assert title["element"]["initial_value"] == "Fix the payload export"


def test_a_real_failure_on_a_well_formed_request_stays_a_logged_500(
    liaison: Liaison, caplog: pytest.LogCaptureFixture
) -> None:
    # Only malformed input becomes a 4xx; a broken app must still look broken to Slack and to us.
    bolt = create_bolt_app(liaison.runtime, listener_executor=liaison.executor)

    @bolt.command("/broken")
    def broken(ack: Any) -> None:
        raise RuntimeError("the directory is down")

    wsgi = create_wsgi_app(liaison.runtime, bolt)
    body = command_body(command="/broken").encode()
    ts = str(int(time.time()))
    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": "/slack/events",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": FORM,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_X_SLACK_REQUEST_TIMESTAMP": ts,
        "HTTP_X_SLACK_SIGNATURE": slack_signature(liaison.slack.signing_secret, ts, body),
        "wsgi.input": io.BytesIO(body),
    }
    answered: list[str] = []
    content = b"".join(wsgi(environ, lambda status, headers: answered.append(status)))
    assert answered == ["500 Internal Server Error"]
    assert b"Traceback" not in content and b"directory" not in content
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(r.exc_info and "the directory is down" in str(r.exc_info[1]) for r in errors)
    assert any(r.name == "bot.web" and "slash command /broken" in r.getMessage() for r in errors)


# -- paths and methods -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/slack/events", 405),
        ("PUT", "/slack/events", 405),
        ("DELETE", "/slack/events", 405),
        ("POST", "/healthz", 405),
        ("GET", "/nowhere", 404),
        ("POST", "/slack/events/extra", 404),
        ("POST", "/", 404),
    ],
)
def test_wrong_paths_and_methods(liaison: Liaison, method: str, path: str, status: int) -> None:
    response = httpx.request(method, liaison.url + path, content=b"x")
    assert response.status_code == status
    if status == 405:
        assert response.headers["Allow"]
    assert_short_plain_answer(response)


def test_health_still_answers(liaison: Liaison) -> None:
    assert httpx.get(liaison.url + "/healthz").json()["database"] is True
    head = httpx.head(liaison.url + "/healthz")
    assert head.status_code == 200 and head.content == b""


# -- hostile text through the modal ----------------------------------------------------------

HOSTILE_TITLE = "<!channel> @here <@U123> *bold* `code` \u202eevil\u202c '; DROP TABLE requests; --"
HOSTILE_DETAILS = (
    "Ping <!here> and <!everyone> and <!subteam^SENG> and <@U123> and <#C999>\n"
    "_italic_ ~strike~ > not a quote\n```code block```\n"
    "bell\x07 escape\x1b[31m red \u2066isolate\u2069 \u202ereversed\u202c\n"
    "'; DROP TABLE requests; -- \" OR 1=1 /* & &amp; &lt;"
)
HOSTILE_CLIENT = "Robert'); DROP TABLE students;-- <@U123>"
HOSTILE_IMPACT = "@channel @everyone renewal: $120k <https://evil.example|click me>"
MENTIONS = ("<!channel>", "<!here>", "<!everyone>", "<!subteam", "<@U123>", "<#C999>")


def open_intake(liaison: Liaison) -> dict[str, Any]:
    assert liaison.slack.command(SALES_REP).status_code == 200
    return liaison.fake.wait_for("views.open")[-1].response["view"]


def test_hostile_text_is_stored_as_typed_and_shown_defused(liaison: Liaison, db: Inspector) -> None:
    view = open_intake(liaison)
    fields = {
        "title": HOSTILE_TITLE,
        "details": HOSTILE_DETAILS,
        "client": HOSTILE_CLIENT,
        "impact": HOSTILE_IMPACT,
        "desired_date": "2026-12-18",
    }
    response = liaison.slack.view_submission(view, SALES_REP, fields)
    assert response.status_code == 200 and response.text == "", response.text
    liaison.fake.wait_for("chat.postMessage", channel=INTAKE_CHANNEL)
    liaison.settle()

    request = db.scalars(select(Request)).one()
    assert request.title == HOSTILE_TITLE
    assert request.details == HOSTILE_DETAILS
    assert request.client == HOSTILE_CLIENT
    assert request.impact == HOSTILE_IMPACT

    sent = [
        call.params
        for method in ("chat.postMessage", "chat.update")
        for call in liaison.fake.calls_to(method)
    ]
    assert sent, "nothing was posted"
    for params in sent:
        shown = json.dumps(params, ensure_ascii=False)
        for mention in MENTIONS:
            assert mention not in shown, (mention, shown)
        assert not re.search(r"@(channel|here|everyone)\b", shown, re.IGNORECASE), shown
        for character in ("\u202e", "\u202c", "\u2066", "\x07", "\x1b"):
            assert json.dumps(character) not in shown and character not in shown
        assert "<https://evil.example|" not in shown
    # The requester's own mention, written by the app, is fine.
    card = liaison.fake.calls_to("chat.postMessage", channel=INTAKE_CHANNEL)[0]
    assert f"<@{SALES_REP}>" in json.dumps(card.params)
    assert "&lt;!channel&gt;" in json.dumps(card.params, ensure_ascii=False)


def test_details_longer_than_the_modal_allows_are_refused(liaison: Liaison, db: Inspector) -> None:
    view = open_intake(liaison)
    fields = {"title": "Long one", "details": ("<!channel> " + "x" * 10_000)[:10_000]}
    response = liaison.slack.view_submission(view, SALES_REP, fields)
    assert response.status_code == 200
    body = response.json()
    assert body["response_action"] == "errors"
    assert set(body["errors"]) == {"details"}
    assert_nothing_happened(liaison, db, methods=("chat.postMessage", "chat.update"))
