"""Reading a form-encoded body (bot.slack.payloads `read_form`) as the standard library reads it,
whatever arrives: what Slack sends, and anything else a client could."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.slack.payloads import read_form

SETTINGS = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def as_parse_qsl(text: str) -> dict[str, str]:
    return dict(parse_qsl(text, keep_blank_values=True))


@SETTINGS
@given(st.dictionaries(st.text(max_size=8), st.text(max_size=60), max_size=4))
def test_encoded_forms_read_as_the_standard_library_reads_them(fields: dict[str, str]) -> None:
    body = urlencode(fields)
    assert read_form(body) == fields == as_parse_qsl(body)


@SETTINGS
@given(st.text(alphabet="%0aAfFgz=+&; \t\n\r_é€", max_size=24))
@example("a=%")
@example("a=%4")
@example("a=100%25+sure%")
@example("a=b=c")
@example("a=%e2%82%ac")
@example("a=%E2%82")
@example("a=%FF%FE")
@example("a=x%0A=")
@example("&&a&")
@example("a=  ")
def test_any_body_reads_as_the_standard_library_reads_it(body: str) -> None:
    assert read_form(body) == as_parse_qsl(body)


def test_a_submitted_modal_reads_back_whole() -> None:
    view = {
        "id": "V1",
        "state": {"values": {"title": {"title": {"value": 'Export 100% of "invoices" & more'}}}},
        "private_metadata": json.dumps({"surface": "modal", "note": "a=b\nc"}),
    }
    body = urlencode({"payload": json.dumps({"type": "view_submission", "view": view})})
    assert json.loads(read_form(body)["payload"])["view"] == view
