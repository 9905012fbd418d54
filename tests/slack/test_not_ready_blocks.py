"""The not-ready modals and messages stay within Block Kit's limits whatever the type holds."""

from __future__ import annotations

import json

from bot.config import RequestType
from bot.slack.blocks.not_ready import (
    MAX_CHECKBOXES,
    complete_modal,
    missing_list,
    not_ready_modal,
    offer,
    read_not_ready,
)
from tests.fakes.signer import build_state_values
from tests.fakes.slack.blockkit import block_errors, view_errors

LONG = "x" * 2000


def a_type(fields: int) -> RequestType:
    return RequestType.model_validate(
        {
            "department": "eng",
            "key": "bug",
            "name": "Bug report",
            "fields": [
                {"key": f"f{n}", "label": f"{n} {LONG}"[:2000], "kind": "text", "required": n == 0}
                for n in range(fields)
            ],
        }
    )


def test_up_to_ten_fields_are_checkboxes_and_more_a_multi_select() -> None:
    for count, element in ((MAX_CHECKBOXES, "checkboxes"), (40, "multi_static_select")):
        view = not_ready_modal(
            reference="REQ-1", requester="U1", request_type=a_type(count), metadata={"id": 1}
        )
        assert view_errors(view) == []
        [missing] = [b for b in view["blocks"] if b.get("block_id") == "missing"]
        assert missing["element"]["type"] == element
        assert all(len(o["text"]["text"]) <= 75 for o in missing["element"]["options"])
        state = build_state_values(view["blocks"], {"missing": ["f1", "f3"], "note": " why "})
        assert read_not_ready({"state": {"values": state}}) == (["f1", "f3"], "why")


def test_a_request_without_a_type_gets_only_the_note() -> None:
    view = not_ready_modal(reference="REQ-1", requester="U1", request_type=None, metadata={})
    inputs = [b for b in view["blocks"] if b["type"] == "input"]
    assert [b["block_id"] for b in inputs] == ["note"] and not inputs[0].get("optional")


def test_the_completion_form_and_the_list_stay_within_limits() -> None:
    kind = a_type(40)
    view = complete_modal(
        reference="REQ-12345",
        asker="U1",
        request_type=kind,
        values={f"f{n}": LONG + LONG for n in range(40)},
        note="<!channel> " + LONG,
        metadata={"request_id": 1, "missing": [f.key for f in kind.fields]},
    )
    assert view_errors(view) == []
    assert "<!channel>" not in json.dumps(view)
    # Forty long labels and a long note: the labels that fit, how many more, and the note.
    listed = missing_list([f.label for f in kind.fields], "<!channel> " + LONG)
    assert len(listed) <= 3000 - 700 and "<!channel>" not in listed
    lines = listed.splitlines()
    shown = [line for line in lines if line.startswith("• ") and "… and" not in line]
    assert 5 < len(shown) < 40 and lines[len(shown)] == f"• … and {40 - len(shown)} more"
    assert lines[-1].startswith(">") and "&lt;!channel&gt;" in listed
    short = missing_list(["Steps", "Severity"], None)
    assert short == "• Steps\n• Severity"
    offered = offer("Is REQ-1 not ready yet?", 1)
    assert block_errors(offered["blocks"], "", 50) == []


def test_the_not_ready_message_stays_one_section_with_its_note() -> None:
    from bot.domain.models import Request
    from bot.slack.blocks.not_ready import not_ready_message

    request = Request(id=7, requester_id="U2", title="t")
    labels = [f.label for f in a_type(40).fields]
    titled = "<https://x.example/p1|REQ-7> “" + "&lt;" * 75 + "”"  # a title as long as shown
    for in_thread in (True, False):
        message = not_ready_message(
            asker="U1",
            request=request,
            titled=titled,
            labels=labels,
            note="@channel <!here> the last words",
            in_thread=in_thread,
        )
        assert block_errors(message["blocks"], "", 50) == []
        shown = message["blocks"][0]["text"]["text"]
        assert len(shown) <= 3000 and "the last words" in shown  # the note is not cut off
        assert "<!here>" not in json.dumps(message)
