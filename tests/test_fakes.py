"""Tests of the test doubles: FakeSlack against the real WebClient, SlackClientSim against Bolt."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.models.metadata import Metadata
from slack_sdk.signature import SignatureVerifier

from bot.slack.manifest import bot_scopes
from tests.fakes import FakeSlack, SlackClientSim, slack_signature
from tests.fakes.slack_api import CHANNEL_BURST, TIER_2

PAYLOADS = Path(__file__).parents[2] / "shared" / "slack-payloads"
SECRET = "test-signing-secret"
TOKEN = "xoxb-test"


@pytest.fixture
def fake() -> Iterator[FakeSlack]:
    with FakeSlack(token=TOKEN) as server:
        for channel in ("C1", "C2", "C3"):
            server.add_channel(channel, members=(server.bot_user_id,))
        yield server


@pytest.fixture
def client(fake: FakeSlack) -> WebClient:
    return WebClient(token=TOKEN, base_url=fake.base_url)


# -- a tiny Bolt app behind a real HTTP server, to prove Bolt accepts what the sim sends ---


class _Received:
    def __init__(self) -> None:
        self.requests: list[tuple[bytes, dict[str, str]]] = []
        self.bodies: list[tuple[str, dict[str, Any]]] = []  # (listener kind, payload)


def _build_bolt_app(client: WebClient, received: _Received) -> App:
    app = App(client=client, signing_secret=SECRET, process_before_response=True)

    @app.command("/request")
    def on_command(ack: Any, command: dict[str, Any]) -> None:
        ack()
        received.bodies.append(("command", command))

    @app.action("claim")
    @app.action("priority")
    def on_action(ack: Any, body: dict[str, Any]) -> None:
        ack()
        received.bodies.append(("action", body))

    @app.view("new_request")
    def on_view(ack: Any, view: dict[str, Any]) -> None:
        ack()
        received.bodies.append(("view", view))

    @app.shortcut("create_request")
    def on_shortcut(ack: Any, shortcut: dict[str, Any]) -> None:
        ack()
        received.bodies.append(("shortcut", shortcut))

    @app.event("reaction_added")
    def on_reaction(event: dict[str, Any]) -> None:
        received.bodies.append(("reaction", event))

    return app


@pytest.fixture
def bolt(client: WebClient) -> Iterator[tuple[SlackClientSim, _Received]]:
    received = _Received()
    app = _build_bolt_app(client, received)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            headers = {k.lower(): v for k, v in self.headers.items()}
            received.requests.append((body, headers))
            response = app.dispatch(BoltRequest(body=body.decode(), headers=headers))
            payload = (response.body or "").encode()
            self.send_response(response.status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02})
    thread.start()
    sim = SlackClientSim(f"http://127.0.0.1:{server.server_address[1]}", SECRET)
    try:
        yield sim, received
    finally:
        sim.close()
        server.shutdown()
        server.server_close()
        thread.join()


# -- signatures ---------------------------------------------------------------------------


def test_signature_matches_slacks_test_vector() -> None:
    path = PAYLOADS / "signature_test_vector.json"
    if not path.exists():
        pytest.skip("shared slack-payloads not present")
    vector = json.loads(path.read_text())
    signature = slack_signature(
        vector["signing_secret"], vector["x_slack_request_timestamp"], vector["body"]
    )
    assert signature == vector["expected_x_slack_signature"]


def test_sim_signs_what_slack_sdk_verifies(bolt: tuple[SlackClientSim, _Received]) -> None:
    sim, received = bolt
    assert sim.command("U1", "hello").status_code == 200
    body, headers = received.requests[-1]
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert headers["content-type"] == "application/x-www-form-urlencoded"


def test_bad_signature_and_stale_timestamp_are_rejected(
    bolt: tuple[SlackClientSim, _Received],
) -> None:
    sim, received = bolt
    assert sim.post(b"{}", "application/json", signature="v0=deadbeef").status_code == 401
    assert sim.post(b"{}", "application/json", timestamp="1531420618").status_code == 401
    assert received.bodies == []


# -- the sim's payloads, as Bolt parses them ---------------------------------------------


def test_command_sends_slacks_key_set(bolt: tuple[SlackClientSim, _Received]) -> None:
    sim, received = bolt
    sim.command("U1", "fix the printer", channel_id="C42")
    kind, command = received.bodies[-1]
    assert kind == "command"
    assert command["text"] == "fix the printer"
    assert (command["user_id"], command["channel_id"], command["team_id"]) == ("U1", "C42", "T0001")
    assert {"token", "api_app_id", "team_domain", "response_url", "trigger_id"} <= set(command)
    sim.command("U1")
    assert received.bodies[-1][1]["trigger_id"] != command["trigger_id"]


def test_view_submission_builds_state_from_the_opened_view(
    fake: FakeSlack, client: WebClient, bolt: tuple[SlackClientSim, _Received]
) -> None:
    sim, received = bolt
    option = {"text": {"type": "plain_text", "text": "High"}, "value": "high"}
    low = {"text": {"type": "plain_text", "text": "Low"}, "value": "low"}

    def input_block(block_id: str, element: dict[str, Any]) -> dict[str, Any]:
        label = {"type": "plain_text", "text": block_id}
        return {"type": "input", "block_id": block_id, "label": label, "element": element}

    view = {
        "type": "modal",
        "callback_id": "new_request",
        "private_metadata": '{"channel": "C1"}',
        "title": {"type": "plain_text", "text": "New request"},
        "submit": {"type": "plain_text", "text": "Send"},
        "blocks": [
            input_block("title", {"type": "plain_text_input", "action_id": "v"}),
            input_block(
                "due", {"type": "datepicker", "action_id": "v", "initial_date": "2030-01-02"}
            ),
            input_block(
                "priority", {"type": "static_select", "action_id": "v", "options": [low, option]}
            ),
            input_block("owner", {"type": "users_select", "action_id": "v"}),
            input_block("notes", {"type": "plain_text_input", "action_id": "v", "multiline": True}),
            input_block(
                "flags", {"type": "checkboxes", "action_id": "v", "options": [low, option]}
            ),
        ],
    }
    opened = client.views_open(trigger_id="1.2.3", view=view)["view"]
    assert opened["id"].startswith("V") and opened["callback_id"] == "new_request"
    assert fake.views[opened["id"]]["private_metadata"] == '{"channel": "C1"}'

    values = {"title": "Fix it", "priority": "high", "owner": "U7", "flags": ["low"]}
    assert sim.view_submission(opened, "U1", values).status_code == 200
    kind, submitted = received.bodies[-1]
    assert kind == "view"
    state = submitted["state"]["values"]
    assert state["title"]["v"] == {"type": "plain_text_input", "value": "Fix it"}
    assert state["due"]["v"] == {"type": "datepicker", "selected_date": "2030-01-02"}
    assert state["priority"]["v"]["selected_option"] == option
    assert state["owner"]["v"] == {"type": "users_select", "selected_user": "U7"}
    assert state["notes"]["v"]["value"] is None
    assert state["flags"]["v"]["selected_options"] == [low]
    with pytest.raises(KeyError):
        sim.view_submission(opened, "U1", {"nope": "x"})


def test_block_action_takes_the_element_from_the_message(
    fake: FakeSlack, client: WebClient, bolt: tuple[SlackClientSim, _Received]
) -> None:
    sim, received = bolt
    select = {
        "type": "static_select",
        "action_id": "priority",
        "options": [{"text": {"type": "plain_text", "text": "Urgent"}, "value": "urgent"}],
    }
    blocks = [
        {"type": "section", "block_id": "r1", "text": {"type": "mrkdwn", "text": "Request"}},
        {
            "type": "actions",
            "block_id": "req-7",
            "elements": [
                {
                    "type": "button",
                    "action_id": "claim",
                    "text": {"type": "plain_text", "text": "Claim"},
                    "value": "7",
                },
                select,
            ],
        },
    ]
    posted = client.chat_postMessage(channel="C1", text="Request", blocks=blocks)
    message = fake.message("C1", posted["ts"])

    sim.block_action("U2", "claim", channel_id="C1", message=message)
    body = received.bodies[-1][1]
    assert body["container"] == {
        "type": "message",
        "message_ts": posted["ts"],
        "channel_id": "C1",
        "is_ephemeral": False,
    }
    assert body["actions"][0] | {"action_ts": None} == {
        "type": "button",
        "action_id": "claim",
        "block_id": "req-7",
        "text": {"type": "plain_text", "text": "Claim"},
        "value": "7",
        "action_ts": None,
    }
    sim.block_action(
        "U2", "priority", selected_option_value="urgent", channel_id="C1", message=message
    )
    action = received.bodies[-1][1]["actions"][0]
    assert action["type"] == "static_select"
    assert action["selected_option"]["value"] == "urgent"

    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Request"}, "blocks": blocks}
    opened = client.views_open(trigger_id="t1", view=modal)["view"]
    sim.block_action("U2", "claim", view=opened)
    body = received.bodies[-1][1]
    assert body["container"] == {"type": "view", "view_id": opened["id"]}
    assert body["view"]["id"] == opened["id"] and body["actions"][0]["value"] == "7"


def test_message_shortcut_and_events_reach_bolt(bolt: tuple[SlackClientSim, _Received]) -> None:
    sim, received = bolt
    sim.message_shortcut("U1", {"text": "can you help?", "user": "U3", "ts": "1700000001.000100"})
    kind, shortcut = received.bodies[-1]
    assert (kind, shortcut["message"]["text"], shortcut["message_ts"]) == (
        "shortcut",
        "can you help?",
        "1700000001.000100",
    )

    sim.reaction("U1", "white_check_mark", "C1", "1700000001.000100", event_id="Ev1", retry_num=1)
    kind, event = received.bodies[-1]
    assert kind == "reaction"
    assert event["item"] == {"type": "message", "channel": "C1", "ts": "1700000001.000100"}
    body, headers = received.requests[-1]
    assert json.loads(body)["event_id"] == "Ev1"
    assert (headers["x-slack-retry-num"], headers["x-slack-retry-reason"]) == ("1", "http_timeout")


# -- FakeSlack against the real WebClient -------------------------------------------------


def test_auth_is_checked(fake: FakeSlack, client: WebClient) -> None:
    assert client.auth_test()["user_id"] == "UBOT"
    assert client.auth_test().headers["x-oauth-scopes"]
    with pytest.raises(SlackApiError) as wrong:
        WebClient(token="xoxb-wrong", base_url=fake.base_url).auth_test()
    assert wrong.value.response["error"] == "invalid_auth"
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=fake.base_url).auth_test()
    assert missing.value.response["error"] == "not_authed"
    with pytest.raises(SlackApiError) as unknown:
        client.api_call("chat.scheduleMessage", params={"channel": "C1"})
    assert unknown.value.response["error"] == "unknown_method"


def test_post_message_to_a_channel_and_a_user(fake: FakeSlack, client: WebClient) -> None:
    first = client.chat_postMessage(channel="C1", text="hello")
    second = client.chat_postMessage(channel="U9", text="psst")
    reply = client.chat_postMessage(channel="C1", text="in thread", thread_ts=first["ts"])

    assert first["channel"] == "C1" and second["channel"] == "DU9"
    assert first["message"]["subtype"] == "bot_message" and first["message"]["bot_id"] == "BBOT"
    assert float(first["ts"]) < float(second["ts"]) < float(reply["ts"])
    assert fake.message("C1", first["ts"])["text"] == "hello"
    assert [m["text"] for m in fake.thread("C1", first["ts"])] == ["in thread"]
    assert len(fake.calls_to("chat.postMessage", channel="C1")) == 2
    assert (
        fake.calls_to("chat.postMessage", text=lambda t: "psst" in t)[0].params["channel"] == "U9"
    )
    fake.assert_no_call("chat.postMessage", channel="C2")
    with pytest.raises(SlackApiError) as error, pytest.warns(UserWarning, match="text"):
        client.chat_postMessage(channel="C1")
    assert error.value.response["error"] == "no_text"


def test_update_permalink_and_delete(fake: FakeSlack, client: WebClient) -> None:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "v1"}}]
    ts = client.chat_postMessage(channel="C1", text="v1", blocks=blocks)["ts"]
    new_blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "v2"}}]
    client.chat_update(channel="C1", ts=ts, text="v2", blocks=new_blocks)
    assert fake.message("C1", ts)["blocks"] == new_blocks
    assert fake.calls_to("chat.update")[0].params["blocks"] == new_blocks

    link = client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    assert link == f"https://acme.slack.com/archives/C1/p{ts.replace('.', '')}"

    client.chat_delete(channel="C1", ts=ts)
    assert ("C1", ts) not in fake.messages
    with pytest.raises(SlackApiError) as error:
        client.chat_update(channel="C1", ts=ts, text="v3")
    assert error.value.response["error"] == "message_not_found"


def test_usergroups_users_info_and_conversations_open(fake: FakeSlack, client: WebClient) -> None:
    fake.usergroups["S1"] = ["U1", "U2"]
    fake.users["U2"] = {"tz": "Europe/Berlin"}
    assert client.usergroups_users_list(usergroup="S1")["users"] == ["U1", "U2"]
    with pytest.raises(SlackApiError) as error:
        client.usergroups_users_list(usergroup="S404")
    assert error.value.response["error"] == "no_such_subteam"
    assert client.users_info(user="U1")["user"]["tz"] == "America/New_York"
    assert client.users_info(user="U2")["user"]["tz"] == "Europe/Berlin"
    assert client.conversations_open(users="U1")["channel"]["id"] == "DU1"


def test_fail_answers_errors_then_recovers(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", "channel_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as error:
            client.chat_postMessage(channel="C1", text="x")
        assert error.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel="C1", text="x")["ok"]
    assert [c.response["ok"] for c in fake.calls_to("chat.postMessage")] == [False, False, True]


def test_fail_with_429_and_500(fake: FakeSlack, client: WebClient) -> None:
    fake.fail("chat.postMessage", status=429, retry_after=7)
    with pytest.raises(SlackApiError) as limited:
        client.chat_postMessage(channel="C1", text="x")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["retry-after"] == "7"
    assert limited.value.response["error"] == "ratelimited"

    fake.fail("chat.update", status=500, delay=0.01)
    with pytest.raises(SlackApiError) as broken:
        client.chat_update(channel="C1", ts="1.2", text="x")
    assert broken.value.response.status_code == 500
    assert [c.status for c in fake.calls] == [429, 500]


def test_block_kit_limits(fake: FakeSlack, client: WebClient) -> None:
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "hi"}}
    with pytest.raises(SlackApiError) as too_many:
        client.chat_postMessage(channel="C1", text="x", blocks=[section] * 51)
    assert too_many.value.response["error"] == "invalid_blocks"
    assert (
        "no more than 50 items allowed [json-pointer:/blocks]" in too_many.value.response["errors"]
    )

    long_section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    with pytest.raises(SlackApiError) as too_long:
        client.chat_postMessage(channel="C1", text="x", blocks=[long_section])
    assert too_long.value.response["response_metadata"]["messages"] == [
        "[ERROR] failed to match all allowed schemas [json-pointer:/blocks/0/text]",
        "[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]",
    ]

    def overflow(count: int) -> dict[str, object]:
        options = [
            {"text": {"type": "plain_text", "text": str(n)}, "value": str(n)} for n in range(count)
        ]
        return {**section, "accessory": {"type": "overflow", "action_id": "o", "options": options}}

    client.chat_postMessage(channel="C1", text="x", blocks=[overflow(2), overflow(5)])
    for count, error in ((1, "must provide at least 2 items"), (6, "no more than 5 items allowed")):
        with pytest.raises(SlackApiError) as bad_menu:
            client.chat_postMessage(channel="C1", text="x", blocks=[overflow(count)])
        assert (
            f"{error} [json-pointer:/blocks/0/accessory/options]"
            in (bad_menu.value.response["errors"])
        )

    truncated = client.chat_postMessage(channel="C1", text="y" * 40_001)
    assert truncated["response_metadata"]["warnings"] == ["message_truncated"]
    assert len(fake.message("C1", truncated["ts"])["text"]) == 40_000
    assert len(fake.messages) == 2


def test_view_limits_and_trigger_reuse(fake: FakeSlack, client: WebClient) -> None:
    title = {"type": "plain_text", "text": "x" * 25}
    with pytest.raises(SlackApiError) as long_title:
        client.views_open(trigger_id="t1", view={"type": "modal", "title": title, "blocks": []})
    assert long_title.value.response["error"] == "invalid_arguments"
    assert long_title.value.response["response_metadata"]["messages"] == [
        "[ERROR] must be less than 25 characters [json-pointer:/view/title/text]"
    ]
    divider = {"type": "divider"}
    home = {"type": "home", "blocks": [divider] * 101}
    with pytest.raises(SlackApiError) as too_many:
        client.views_publish(user_id="U1", view=home)
    assert (
        "[ERROR] no more than 100 items allowed [json-pointer:/view/blocks]"
        in (too_many.value.response["response_metadata"]["messages"])
    )

    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": [divider]}
    opened = client.views_open(trigger_id="t2", view=modal)["view"]
    with pytest.raises(SlackApiError) as reused:
        client.views_open(trigger_id="t2", view=modal)
    assert reused.value.response["error"] == "exchanged_trigger_id"
    updated = client.views_update(view_id=opened["id"], view=modal)["view"]
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    published = client.views_publish(user_id="U1", view={"type": "home", "blocks": []})
    assert fake.home_tabs["U1"]["id"] == published["view"]["id"]


def test_wait_for_polls_and_explains_timeouts(fake: FakeSlack, client: WebClient) -> None:
    timer = threading.Timer(0.05, lambda: client.chat_postMessage(channel="C1", text="later"))
    timer.start()
    assert fake.wait_for("chat.postMessage", channel="C1", timeout=2)[0].params["text"] == "later"
    timer.join()

    client.auth_test()
    with pytest.raises(AssertionError, match=r"views\.open.*methods seen: \['chat\.postMessage'"):
        fake.wait_for("views.open", timeout=0.05)

    fake.reset()
    assert fake.calls == [] and fake.messages == {}


def test_files_upload_v2_flow(fake: FakeSlack, client: WebClient) -> None:
    response = client.files_upload_v2(
        channel="C1", content=b"a,b\n1,2\n", filename="report.csv", title="Report"
    )
    file_id = response["file"]["id"]
    assert fake.uploads[file_id] == b"a,b\n1,2\n"
    assert response["file"]["title"] == "Report"
    complete = fake.calls_to("files.completeUploadExternal")[0]
    assert complete.params["channel_id"] == "C1"
    assert complete.params["files"] == [{"id": file_id, "title": "Report"}]
    with pytest.raises(SlackApiError) as error:
        client.files_completeUploadExternal(files=[{"id": "F404"}], channel_id="C1")
    assert error.value.response["error"] == "file_not_found"


def test_accept_then_time_out_posts_but_answers_too_late(fake: FakeSlack) -> None:
    impatient = WebClient(token=TOKEN, base_url=fake.base_url, timeout=0.1)
    fake.accept_then_time_out("chat.postMessage", 0.5, channel="C2")
    fake.fail("chat.postMessage", status=500, delay=0.5, channel="C3")
    assert impatient.chat_postMessage(channel="C1", text="not matched")["ok"]
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="C2", text="answer lost")
    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel="C3", text="never posted")

    assert [m["text"] for m in fake.messages.values()] == ["not matched", "answer lost"]
    assert fake.calls_to("chat.postMessage", channel="C2")[0].response["ok"]
    assert impatient.chat_postMessage(channel="C2", text="on time")["ok"]  # only once


def test_timestamps_follow_the_fakes_clock() -> None:
    now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    with FakeSlack(token=TOKEN, clock=lambda: now) as server:
        server.add_channel("C1", members=(server.bot_user_id,))
        client = WebClient(token=TOKEN, base_url=server.base_url)
        first = client.chat_postMessage(channel="C1", text="a")["ts"]
        second = client.chat_postMessage(channel="C1", text="b")["ts"]
    assert first == f"{now.timestamp():.6f}"
    assert float(second) > float(first)  # unique even when the clock stands still


def test_post_message_stores_metadata(fake: FakeSlack, client: WebClient) -> None:
    metadata = {"event_type": "liaison_outbox", "event_payload": {"outbox_id": 7}}
    as_json = client.chat_postMessage(
        channel="C1", text="json body", metadata=Metadata("liaison_outbox", {"outbox_id": 7})
    )
    as_form = client.api_call(
        "chat.postMessage",
        data={"channel": "C1", "text": "form body", "metadata": json.dumps(metadata)},
    )
    assert fake.message("C1", as_json["ts"])["metadata"] == metadata
    assert fake.message("C1", as_form["ts"])["metadata"] == metadata
    with pytest.raises(SlackApiError) as no_payload:
        client.chat_postMessage(channel="C1", text="x", metadata={"event_type": "liaison_outbox"})
    assert no_payload.value.response["error"] == "invalid_metadata_schema"
    with pytest.raises(SlackApiError) as not_json:
        client.api_call(
            "chat.postMessage", data={"channel": "C1", "text": "x", "metadata": "{oops"}
        )
    assert not_json.value.response["error"] == "invalid_metadata_format"


def test_conversations_history(fake: FakeSlack, client: WebClient) -> None:
    tagged = Metadata("liaison_outbox", {"outbox_id": 2})
    first = client.chat_postMessage(channel="C1", text="one")["ts"]
    second = client.chat_postMessage(channel="C1", text="two", metadata=tagged)["ts"]
    reply = client.chat_postMessage(channel="C1", text="reply", thread_ts=first)["ts"]
    third = client.chat_postMessage(channel="C1", text="three")["ts"]
    client.chat_postMessage(channel="C2", text="elsewhere")

    history = client.conversations_history(channel="C1")
    assert [m["text"] for m in history["messages"]] == ["three", "two", "one"]
    assert history["has_more"] is False and "metadata" not in history["messages"][1]
    threaded = history["messages"][2]
    assert (threaded["reply_count"], threaded["latest_reply"]) == (1, reply)
    with_metadata = client.conversations_history(channel="C1", include_all_metadata=True)
    assert with_metadata["messages"][1]["metadata"] == tagged.to_dict()

    def texts(**window: object) -> list[str]:
        return [m["text"] for m in client.conversations_history(channel="C1", **window)["messages"]]

    assert texts(oldest=first) == ["three", "two"]
    assert texts(oldest=first, inclusive=True) == ["three", "two", "one"]
    assert texts(oldest=first, latest=third) == ["two"]
    assert texts(oldest=first.split(".")[0]) == ["three", "two", "one"]  # whole seconds

    paged = client.conversations_history(channel="C1", limit=2)
    assert paged["has_more"] is True and paged["response_metadata"]["next_cursor"]
    pages = [[m["ts"] for m in page["messages"]] for page in paged]
    assert pages == [[third, second], [first]]

    with pytest.raises(SlackApiError) as unknown:
        client.conversations_history(channel="C404")
    assert unknown.value.response["error"] == "channel_not_found"
    with pytest.raises(SlackApiError) as bad_cursor:
        client.conversations_history(channel="C1", cursor="not-a-cursor")
    assert bad_cursor.value.response["error"] == "invalid_cursor"


def test_conversations_history_of_a_dm(fake: FakeSlack, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as before:
        client.conversations_history(channel="DU9")
    assert before.value.response["error"] == "channel_not_found"
    opened = client.conversations_open(users="U9")
    assert opened["channel"]["id"] == "DU9" and opened["already_open"] is False
    assert client.conversations_history(channel="DU9")["messages"] == []
    client.chat_postMessage(channel="U9", text="psst")
    assert [m["text"] for m in client.conversations_history(channel="DU9")["messages"]] == ["psst"]
    assert client.conversations_open(users="U9")["already_open"] is True
    with pytest.raises(SlackApiError) as user_id:
        client.conversations_history(channel="U9")  # Slack wants the DM's id
    assert user_id.value.response["error"] == "channel_not_found"


def test_conversations_replies(fake: FakeSlack, client: WebClient) -> None:
    parent = client.chat_postMessage(channel="C1", text="card")["ts"]
    tagged = Metadata("liaison_outbox", {"outbox_id": 3})
    replies = [
        client.chat_postMessage(channel="C1", text=f"r{i}", thread_ts=parent, metadata=tagged)["ts"]
        for i in range(3)
    ]
    client.chat_postMessage(channel="C1", text="not in the thread")

    thread = client.conversations_replies(channel="C1", ts=parent)
    assert [m["text"] for m in thread["messages"]] == ["card", "r0", "r1", "r2"]
    assert thread["messages"][0]["reply_count"] == 3 and "metadata" not in thread["messages"][1]
    from_a_reply = client.conversations_replies(channel="C1", ts=replies[1])
    assert from_a_reply["messages"] == thread["messages"]

    later = client.conversations_replies(
        channel="C1", ts=parent, oldest=replies[0], include_all_metadata=True
    )
    assert [m["text"] for m in later["messages"]] == ["card", "r1", "r2"]  # the parent first
    assert later["messages"][1]["metadata"] == tagged.to_dict()

    pages = [
        [m["text"] for m in page["messages"]]
        for page in client.conversations_replies(channel="C1", ts=parent, limit=2)
    ]
    assert pages == [["card", "r0", "r1"], ["r2"]]  # the parent on the first page only

    with pytest.raises(SlackApiError) as no_thread:
        client.conversations_replies(channel="C1", ts="1.000001")
    assert no_thread.value.response["error"] == "thread_not_found"
    with pytest.raises(SlackApiError) as no_channel:
        client.conversations_replies(channel="C404", ts=parent)
    assert no_channel.value.response["error"] == "channel_not_found"


# -- as strict as Slack ---------------------------------------------------------------------


class _Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def _error_of(method: Any, **arguments: Any) -> dict[str, Any]:
    """Slack's answer to ``method(**arguments)``, which must fail."""
    with pytest.raises(SlackApiError) as raised:
        method(**arguments)
    return dict(raised.value.response.data)


def test_the_token_has_the_manifests_scopes_and_nothing_more(fake: FakeSlack) -> None:
    client = WebClient(token=TOKEN, base_url=fake.base_url)
    answer = client.auth_test()
    assert answer.headers["x-oauth-scopes"].split(",") == bot_scopes()
    assert "chat:write.public" not in bot_scopes()  # Liaison joins channels instead

    fake.scopes = "chat:write,users:read"
    refused = _error_of(client.usergroups_list)
    assert refused == {
        "ok": False,
        "error": "missing_scope",
        "needed": "usergroups:read",
        "provided": "chat:write,users:read",
    }
    fake.add_channel("GPRIV", private=True, members=(fake.bot_user_id,))
    history = _error_of(client.conversations_history, channel="GPRIV")
    assert history["needed"] == "groups:history"
    assert client.users_info(user="U1").headers["x-oauth-scopes"] == "chat:write,users:read"


def test_the_bot_reads_and_posts_only_where_it_is_a_member(fake: FakeSlack) -> None:
    client = WebClient(token=TOKEN, base_url=fake.base_url)
    fake.add_channel("CPUB", members=("U1",))
    fake.add_channel("CPRIV", private=True, members=("U1",))
    for channel in ("CPUB", "CPRIV"):
        assert _error_of(client.chat_postMessage, channel=channel, text="x")["error"] == (
            "not_in_channel"
        )
        assert _error_of(client.conversations_history, channel=channel)["error"] == (
            "not_in_channel"
        )
        upload = _error_of(client.files_upload_v2, channel=channel, content=b"x", filename="a.png")
        assert upload["error"] == "not_in_channel"
    assert _error_of(client.chat_postMessage, channel="CNONE", text="x")["error"] == (
        "channel_not_found"
    )

    fake.scopes += ",chat:write.public"  # posts in public channels without joining, only there
    posted = client.chat_postMessage(channel="CPUB", text="card")
    assert _error_of(client.chat_postMessage, channel="CPRIV", text="x")["error"] == (
        "not_in_channel"
    )
    replies = _error_of(client.conversations_replies, channel="CPUB", ts=posted["ts"])
    assert replies["error"] == "not_in_channel"
    assert not fake.bot_hears("CPUB")

    assert client.conversations_info(channel="CPUB")["channel"]["is_member"] is False
    assert client.conversations_join(channel="CPUB")["channel"]["is_member"] is True
    assert client.conversations_join(channel="CPUB")["warning"] == "already_in_channel"
    assert client.conversations_replies(channel="CPUB", ts=posted["ts"])["messages"]
    assert fake.bot_hears("CPUB")

    # A private channel the bot was not invited to is invisible to it.
    for method in (client.conversations_info, client.conversations_join):
        assert _error_of(method, channel="CPRIV")["error"] == "channel_not_found"
    fake.invite("CPRIV")
    info = client.conversations_info(channel="CPRIV")["channel"]
    assert info["is_private"] is True and info["is_member"] is True
    assert client.chat_postMessage(channel="CPRIV", text="hello")["ok"]


def test_events_from_a_channel_the_bot_is_not_in_are_not_sent(fake: FakeSlack) -> None:
    fake.add_channel("CPUB", members=("U1",))
    sim = SlackClientSim("http://127.0.0.1:9", SECRET, workspace=fake)  # never reached
    assert sim.reaction("U1", "raising_hand", "CPUB", "1700000000.000100") is None
    message = {"type": "message", "channel": "CNONE", "user": "U1", "text": "hi", "ts": "1.2"}
    assert sim.event(message) is None
    assert [e["type"] for e in sim.withheld] == ["reaction_added", "message"]
    sim.close()


def test_permalinks_only_for_messages_that_exist(fake: FakeSlack, client: WebClient) -> None:
    ts = client.chat_postMessage(channel="C1", text="hello")["ts"]
    assert client.chat_getPermalink(channel="C1", message_ts=ts)["permalink"]
    missing = _error_of(client.chat_getPermalink, channel="C1", message_ts="1.000200")
    assert missing["error"] == "message_not_found"


def test_trigger_ids_expire_three_seconds_after_the_click() -> None:
    clock = _Clock()
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "Hi"}, "blocks": []}
    with FakeSlack(token=TOKEN, clock=clock) as server:
        client = WebClient(token=TOKEN, base_url=server.base_url)
        sim = SlackClientSim("http://127.0.0.1:9", SECRET, workspace=server)
        in_time, too_late = sim.new_trigger_id(), sim.new_trigger_id()
        clock.advance(3)
        assert client.views_open(trigger_id=in_time, view=modal)["ok"]
        clock.advance(0.5)
        expired = _error_of(client.views_open, trigger_id=too_late, view=modal)
        assert expired["error"] == "expired_trigger_id"
        sim.close()


def test_methods_are_rate_limited_by_tier_and_posts_by_channel() -> None:
    clock = _Clock()
    with FakeSlack(token=TOKEN, clock=clock) as server:
        server.add_channel("C1", members=(server.bot_user_id,))
        client = WebClient(token=TOKEN, base_url=server.base_url)
        for _ in range(TIER_2):
            client.usergroups_list()
        with pytest.raises(SlackApiError) as limited:
            client.usergroups_list()
        assert limited.value.response.status_code == 429
        assert limited.value.response.headers["Retry-After"] == "60"
        clock.advance(60)
        assert client.usergroups_list()["ok"]

        for i in range(CHANNEL_BURST):  # a short burst is fine...
            client.chat_postMessage(channel="C1", text=f"burst {i}")
        with pytest.raises(SlackApiError) as too_fast:  # ...then about one a second
            client.chat_postMessage(channel="C1", text="one more")
        assert too_fast.value.response.status_code == 429
        assert too_fast.value.response.headers["Retry-After"] == "1"
        assert client.chat_postMessage(channel="UANYONE", text="another channel")["ok"]
        clock.advance(1)
        assert client.chat_postMessage(channel="C1", text="a second later")["ok"]

        server.raise_rate_limits(10)  # a test that needs volume says so
        for i in range(50):
            client.chat_postMessage(channel="C1", text=f"volume {i}")


# -- installs: OAuth v2, a token per workspace ------------------------------------------------


def _authorize_url(fake: FakeSlack, **extra: str) -> str:
    from urllib.parse import urlencode

    query = {"client_id": fake.client_id, "scope": ",".join(bot_scopes()), "state": "s1", **extra}
    return f"{fake.root_url}/oauth/v2/authorize?{urlencode(query)}"


def test_oauth_v2_access_gives_each_workspace_its_own_token() -> None:
    now = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
    with FakeSlack(token=TOKEN, clock=lambda: now) as fake:
        fake.add_team("T0002", domain="globex")
        anonymous = WebClient(base_url=fake.base_url)
        redirect = fake.approve_install(_authorize_url(fake), team_id="T0002", user_id="U1")
        assert redirect["state"] == "s1"
        with pytest.raises(SlackApiError) as refused:
            anonymous.oauth_v2_access(
                client_id=fake.client_id, client_secret="wrong", code=redirect["code"]
            )
        assert refused.value.response["error"] == "bad_client_secret"
        granted = anonymous.oauth_v2_access(
            client_id=fake.client_id, client_secret=fake.client_secret, code=redirect["code"]
        )
        assert granted["team"] == {"id": "T0002", "name": "Globex Workspace"}
        assert granted["token_type"] == "bot" and granted["authed_user"] == {"id": "U1"}
        assert granted["access_token"] not in (None, TOKEN)
        with pytest.raises(SlackApiError) as reused:  # a code is good once
            anonymous.oauth_v2_access(
                client_id=fake.client_id, client_secret=fake.client_secret, code=redirect["code"]
            )
        assert reused.value.response["error"] == "invalid_code"
        theirs = WebClient(token=granted["access_token"], base_url=fake.base_url)
        assert theirs.auth_test()["team_id"] == "T0002"
        assert WebClient(token=TOKEN, base_url=fake.base_url).auth_test()["team_id"] == "T0001"
        assert fake.calls_to("auth.test")[0].team_id == "T0002"
        fake.uninstall("T0002")
        with pytest.raises(SlackApiError) as revoked:
            theirs.auth_test()
        assert revoked.value.response["error"] == "token_revoked"
        with pytest.raises(SlackApiError) as unknown:
            WebClient(token="xoxb-never", base_url=fake.base_url).auth_test()
        assert unknown.value.response["error"] == "invalid_auth"


def test_oauth_v2_access_takes_the_credentials_as_form_fields_and_checks_the_code() -> None:
    now = [datetime(2026, 12, 1, 15, 0, tzinfo=UTC)]
    with FakeSlack(token=TOKEN, clock=lambda: now[0]) as fake:
        fake.add_team("T0002", domain="globex")
        anonymous = WebClient(base_url=fake.base_url)
        url = _authorize_url(fake, redirect_uri="https://liaison.example.com/slack/oauth_redirect")
        code = fake.approve_install(url, team_id="T0002", user_id="U1")["code"]
        form = {"client_id": fake.client_id, "client_secret": fake.client_secret, "code": code}
        with pytest.raises(SlackApiError) as wrong_uri:
            anonymous.api_call("oauth.v2.access", data=form)
        assert wrong_uri.value.response["error"] == "bad_redirect_uri"
        code = fake.approve_install(url, team_id="T0002", user_id="U1")["code"]
        form |= {"code": code, "redirect_uri": "https://liaison.example.com/slack/oauth_redirect"}
        assert anonymous.api_call("oauth.v2.access", data=form)["ok"]
        code = fake.approve_install(url, team_id="T0002", user_id="U1")["code"]
        now[0] += timedelta(minutes=11)
        with pytest.raises(SlackApiError) as expired:
            anonymous.api_call("oauth.v2.access", data={**form, "code": code})
        assert expired.value.response["error"] == "invalid_code"
        with pytest.raises(AssertionError, match="invalid_scope"):
            fake.approve_install(_authorize_url(fake, scope="admin"), team_id="T0002", user_id="U")
