"""Logs never hold what people typed, a token, the signing secret, the client secret, a
response_url, or any part of an unsigned body: whole flows run with every logger at DEBUG, and the
captured lines are searched, as they are written in each LOG_FORMAT.
"""

from __future__ import annotations

import io
import json
import logging
import time
import traceback
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from bot.db.session import make_engine
from bot.logs import LogFormat, configure_logging
from bot.slack.app import create_bolt_app
from tests.conftest import BOT_TOKEN, ENGINEER, SALES_REP, SIGNING_SECRET, Inspector, Liaison
from tests.fakes.signer import FORM, JSON
from tests.slack.helpers import current, dm_with, file_request, react, reply_in_thread

TITLE = "Quokkatitle-7Q1 export"
DETAILS = "Velvetdetails-ZX9 first line\nsecond line"
CLIENT = "Clientmarker-Ocelot"
REPLY = "Replymarker-Heron are you on it?"
FORGED = "Forgedmarker-Lynx"
LATE = "Latemarker-Ibis"
VERIFICATION_TOKEN = "vtoken-Marmot-0042"
DB_TEXT = "Dbmarker-Wombat"
CLIENT_SECRET = "client-secret-Pangolin-77"


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything logged at DEBUG and above, from every logger (set before the app is built:
    Bolt copies the root logger's level into its own loggers when it is created), and SQL
    statements as `echo=True` would log them."""
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    caplog.set_level(logging.DEBUG)  # last: it sets the capturing handler's level too
    return caplog


def test_no_log_line_holds_typed_text_tokens_secrets_or_unsigned_bodies(
    every_log: pytest.LogCaptureFixture, liaison: Liaison, db: Inspector, engine: Engine
) -> None:
    card = file_request(liaison, db, title=TITLE, details=DETAILS, client=CLIENT)
    react(liaison, card, ENGINEER, "raising_hand")
    reply_in_thread(liaison, card, SALES_REP, REPLY)
    assert liaison.slack.command(SALES_REP, "list").status_code == 200
    liaison.settle()

    # Unsigned: a forged body made to look like log lines, and a genuine request arriving late.
    forged = command_body(f"{FORGED}\n2026-12-01 INFO bot.web: all good\r\n{FORGED}")
    answer = liaison.slack.post(forged, FORM, signature="v0=" + "0" * 64)
    assert answer.status_code == 401
    late = json.dumps({"token": VERIFICATION_TOKEN, "type": "event_callback", "text": LATE})
    answer = liaison.slack.post(late, JSON, timestamp=str(int(time.time()) - 301))
    assert answer.status_code == 401

    # A database error about a statement carrying typed text, logged with its traceback.
    try:
        with engine.begin() as connection:
            connection.execute(
                text("INSERT INTO requests (title) VALUES (:title)"), {"title": DB_TEXT}
            )
    except SQLAlchemyError:
        logging.getLogger("tests").exception("the insert failed")
    else:
        raise AssertionError("a request without a workspace was stored")

    lines = [every_log.handler.format(record) for record in every_log.records]
    root = liaison.fake.root_url
    forbidden = [
        TITLE, "Quokkatitle", "Velvetdetails", "second line", CLIENT, REPLY, "Replymarker",
        FORGED, "all good", LATE, VERIFICATION_TOKEN, DB_TEXT,
        BOT_TOKEN, SIGNING_SECRET,
        f"{root}/commands/", f"{root}/actions/", f"{root}/app/", "hooks.slack.com",
    ]  # fmt: skip
    found = {word: line for line in lines for word in forbidden if word in line}
    assert not found, "\n\n".join(f"{word!r} in: {line[:500]}" for word, line in found.items())
    # The refused requests were logged, as one line each.
    assert any("refused a Slack request: wrong signature (" in line for line in lines)
    assert any("refused a Slack request: timestamp outside" in line for line in lines)


@pytest.fixture(params=["plain", "json"])
def written_log(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[LogFormat, io.StringIO]]:
    """What the process writes to its log in each LOG_FORMAT, every logger at DEBUG (configured
    before the app is built, as the commands do) and SQL statements as `echo=True` would log
    them; SLACK_CLIENT_SECRET is set, so the app's settings hold it."""
    monkeypatch.setenv("SLACK_CLIENT_SECRET", CLIENT_SECRET)
    root = logging.getLogger()
    level = root.level
    engine_level = logging.getLogger("sqlalchemy.engine").level
    written = io.StringIO()
    handler = configure_logging("DEBUG", request.param, stream=written)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)
    try:
        yield request.param, written
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
        logging.getLogger("sqlalchemy.engine").setLevel(engine_level)


def test_a_whole_flow_logs_no_secret_in_either_format(
    written_log: tuple[LogFormat, io.StringIO], liaison: Liaison, db: Inspector
) -> None:
    log_format, written = written_log
    assert liaison.runtime.settings.slack_client_secret == CLIENT_SECRET
    # command → modal → card → reactions (claim, estimate) → delivered, and every message sent
    card = file_request(liaison, db, title=TITLE, details=DETAILS, client=CLIENT)
    react(liaison, card, ENGINEER, "raising_hand")
    react(liaison, card, ENGINEER, "three")
    liaison.clock.advance(days=2)
    react(liaison, card, ENGINEER, "white_check_mark")
    assert current(db, card).status.value == "delivered"
    assert dm_with(liaison, SALES_REP, "feedback_helpful")
    liaison.runtime.outbox.send_due()
    logging.getLogger("tests").exception("a failure with a traceback", exc_info=ValueError("x"))

    lines = written.getvalue().splitlines()
    assert len(lines) > 20  # the flow was logged: statements, Slack calls, the answers
    root = liaison.fake.root_url
    secrets = [BOT_TOKEN, SIGNING_SECRET, CLIENT_SECRET, "xoxb-", "xoxp-"]
    typed = [TITLE, "Quokkatitle", "Velvetdetails", "second line", CLIENT]
    urls = [f"{root}/commands/", f"{root}/actions/", "hooks.slack.com"]
    found = {word: line for line in lines for word in secrets + typed + urls if word in line}
    assert not found, "\n\n".join(f"{word!r} in: {line[:500]}" for word, line in found.items())
    if log_format == "json":
        entries = [json.loads(line) for line in lines]  # every line one object
        assert all({"time", "level", "logger", "message"} <= entry.keys() for entry in entries)
        [failure] = [e for e in entries if e["message"] == "a failure with a traceback"]
        assert failure["level"] == "ERROR" and failure["logger"] == "tests"
        assert "ValueError: x" in failure["exception"]
    else:
        assert any(" ERROR tests: a failure with a traceback" in line for line in lines)
        assert "ValueError: x" in lines


def test_database_errors_show_no_values(database_url: str) -> None:
    """Neither the statement's parameters nor values the database quotes in its message (as
    PostgreSQL does for bad input and constraint violations) appear in an error."""
    engine = make_engine(database_url)
    statements = ["SELECT * FROM no_such_table WHERE x = :x"]
    if engine.dialect.name == "postgresql":
        statements += [
            "SELECT CAST(:x AS INTEGER)",
            "INSERT INTO workspaces (id, team_id) VALUES (-1, :x), (-2, :x)",
        ]
    try:
        for statement in statements:
            with pytest.raises(SQLAlchemyError) as error, engine.begin() as connection:
                connection.execute(text(statement), {"x": DB_TEXT})
            shown = "".join(traceback.format_exception(error.value))
            assert DB_TEXT not in shown, shown
    finally:
        engine.dispose()


def command_body(text: str) -> str:
    return urlencode(
        {
            "token": VERIFICATION_TOKEN,
            "team_id": "T0001",
            "channel_id": "C0GENERAL",
            "user_id": SALES_REP,
            "command": "/request",
            "text": text,
            "response_url": "https://hooks.slack.com/commands/T0001/1/forged",
            "trigger_id": "1.2.abc",
        }
    )


def test_a_request_going_stale_after_the_first_check_is_not_logged_by_bolt(
    every_log: pytest.LogCaptureFixture, liaison: Liaison
) -> None:
    """Bolt checks the signature again after bot/web.py; should it fail there (the timestamp
    crossing the window's edge in between), Bolt's line with the body is dropped."""
    request = BoltRequest(
        body=command_body(LATE),
        headers={"x-slack-request-timestamp": "1", "x-slack-signature": "v0=00"},
    )
    bolt = create_bolt_app(liaison.runtime, listener_executor=liaison.executor)
    assert bolt.dispatch(request).status == 401
    assert not [r for r in every_log.records if LATE in r.getMessage()]


def test_configuring_logging_again_replaces_the_handler_it_installed() -> None:
    root = logging.getLogger()
    level, before = root.level, list(root.handlers)
    first, second = io.StringIO(), io.StringIO()
    try:
        configure_logging("INFO", "plain", stream=first)
        handler = configure_logging("INFO", "json", stream=second)  # as a worker process does
        assert [h for h in root.handlers if h not in before] == [handler]
        logging.getLogger("tests").info("once")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert first.getvalue() == ""
    assert json.loads(second.getvalue())["message"] == "once"
