"""Whatever a request type asks and whatever its fields hold, the card, `/request status` and
the modal stay within Block Kit's limits and ping nobody."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config import FieldKind, LiaisonConfig, Reactions, RequestType
from bot.config.models import MAX_CHECKBOXES, MAX_OPTIONS, MAX_TYPE_FIELDS
from bot.domain.lifecycle import Status
from bot.domain.models import Request
from bot.domain.requests import Page, RequestDraft
from bot.slack.blocks.card import request_card
from bot.slack.blocks.common import MAX_MESSAGE_BLOCKS
from bot.slack.blocks.intake import intake_modal
from bot.slack.blocks.replies import status_reply
from tests.fakes.slack.blockkit import block_errors, view_errors

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
HOSTILE = "<>&@!#^|*_~`\n\x00\u202e"
WORDS = ["<!channel>", "@here", "<@U1>", "&amp;", "<https://x|y>", "*", "é"]
hostile = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(WORDS) | st.text(alphabet=HOSTILE, max_size=3), max_size=30).map(
        "".join
    ),
)
long_text = st.one_of(hostile, hostile.map(lambda t: (t or "x") * 400))
KINDS = list(FieldKind)
# Mentions and pings a user's text could smuggle in; our own <@U…> for a user field is allowed.
LINK_TARGET = re.compile(r"<https?://[^|<>\s]*\|")
PINGS = re.compile(r"<!(channel|here|everyone)|(?<![\w])@(channel|here|everyone)\b", re.I)


@st.composite
def request_types(draw: st.DrawFn) -> RequestType:
    count = draw(st.integers(min_value=0, max_value=MAX_TYPE_FIELDS))
    fields = []
    for i in range(count):
        kind = draw(st.sampled_from(KINDS))
        with_options = kind in (FieldKind.SELECT, FieldKind.MULTI_SELECT) or (
            kind == FieldKind.CHECKBOX and draw(st.booleans())
        )
        most = MAX_CHECKBOXES if kind == FieldKind.CHECKBOX else MAX_OPTIONS
        options = (
            [f"{i}.{n} {draw(hostile)}"[:75] for n in range(draw(st.integers(1, most)))]
            if with_options
            else []
        )
        label = (draw(long_text) or "label")[:2000]
        fields.append(
            {
                "key": f"f{i}",
                "label": label,
                "kind": kind.value,
                "required": draw(st.booleans()),
                "options": options,
                "hint": draw(st.none() | hostile),
            }
        )
    name = (draw(hostile).strip() or "Type")[:75]
    return RequestType.model_validate(
        {"department": "eng", "key": "t", "name": name, "fields": fields}
    )


@st.composite
def values_for(draw: st.DrawFn, request_type: RequestType) -> dict[str, Any]:
    """Anything the database could hold for the fields, and keys the type no longer has."""
    values: dict[str, Any] = {}
    for field in request_type.fields:
        if not draw(st.booleans()):
            continue
        kind = field.kind
        if field.options:
            chosen = draw(st.lists(st.sampled_from(field.options), max_size=100))
            values[field.key] = chosen[0] if kind == FieldKind.SELECT and chosen else chosen
        elif kind == FieldKind.NUMBER:
            values[field.key] = draw(st.integers(-(10**12), 10**12) | st.floats(-1e12, 1e12))
        elif kind == FieldKind.DATE:
            values[field.key] = draw(st.dates()).isoformat()
        elif kind == FieldKind.USER:
            values[field.key] = draw(st.sampled_from(["U0123ABC", "U1> <!channel"]))
        elif kind == FieldKind.CHECKBOX:
            values[field.key] = True
        elif kind == FieldKind.URL:
            address = draw(st.sampled_from(["https://example.com/", "https://x.io/@here?"]))
            values[field.key] = address + draw(long_text)
        else:
            values[field.key] = draw(long_text)
    for n in range(draw(st.integers(0, 5))):
        values[f"gone{n}"] = draw(long_text | st.lists(hostile, max_size=5))
    return values


@st.composite
def typed_requests(draw: st.DrawFn) -> tuple[Request, RequestType | None]:
    request_type = draw(request_types())
    values = draw(values_for(request_type))
    request = Request(
        id=1,
        number=7,
        title=draw(hostile) or "t",
        details=draw(long_text),
        client=draw(hostile),
        impact=draw(long_text),
        requester_id="USALES1",
        status=draw(st.sampled_from(list(Status))),
        claimer_id=None,
        desired_date=date(2026, 12, 18),
        hard_deadline=True,
        promised_to_client=False,
        request_type="t",
        type_fields=values,
        decline_reason=draw(long_text),
        info_asked_by="UENG1",
        estimates=[],
        card_permalink="https://acme.slack.com/archives/C1/p1",
        source_permalink="https://acme.slack.com/archives/C2/p2",
    )
    # The settings may have lost the type: the card still shows what the request holds.
    return request, draw(st.sampled_from([request_type, request_type, None]))


def assert_no_ping(blocks: list[dict[str, Any]]) -> None:
    # A link's address is not read for mentions (and its label is escaped like any text).
    shown = LINK_TARGET.sub("<", json.dumps(blocks, ensure_ascii=False))
    assert not PINGS.search(shown), PINGS.search(shown)
    assert "<@U1>" not in shown


@SETTINGS
@given(typed_requests())
def test_the_card_stays_within_block_kits_limits(typed: tuple[Request, RequestType]) -> None:
    request, request_type = typed
    blocks = request_card(request, reactions=Reactions(), request_type=request_type)
    assert block_errors(blocks, "/blocks", MAX_MESSAGE_BLOCKS) == []
    assert_no_ping(blocks)
    if request.type_fields and request.status.is_open:
        assert blocks[-1]["type"] == "actions"  # the buttons are never pushed out


@SETTINGS
@given(typed_requests())
def test_status_stays_within_block_kits_limits(typed: tuple[Request, RequestType]) -> None:
    request, request_type = typed
    answer = status_reply(request, Page([], 0), request_type=request_type)
    assert block_errors(answer["blocks"], "/blocks", MAX_MESSAGE_BLOCKS) == []
    assert answer["blocks"][-1]["text"]["text"].startswith("*History*")
    assert_no_ping(answer["blocks"])


@SETTINGS
@given(request_types().flatmap(lambda t: st.tuples(st.just(t), values_for(t))))
def test_the_modal_stays_within_block_kits_limits(typed: tuple[RequestType, dict]) -> None:
    request_type, values = typed
    config = LiaisonConfig.model_validate(
        {
            "departments": [
                {"key": "sales", "name": "Sales", "role": "requester"},
                {"key": "eng", "name": "Eng", "role": "fulfiller", "intake_channel": "C1"},
                {"key": "data", "name": "Data", "role": "fulfiller", "intake_channel": "C2"},
            ],
            "request_types": [request_type.model_dump()],
        }
    )
    draft = RequestDraft(
        title="x", fulfilling_department="eng", request_type="t", type_fields=values
    )
    view = intake_modal(config=config, draft=draft, metadata={"source": "https://a.slack.com/x"})
    assert view_errors(view) == []


def test_fields_that_do_not_fit_are_counted_not_dropped_silently() -> None:
    request_type = RequestType.model_validate(
        {
            "department": "eng",
            "key": "t",
            "name": "Long",
            "fields": [
                {"key": f"f{i}", "label": f"Field {i}", "kind": "text"}
                for i in range(MAX_TYPE_FIELDS)
            ],
        }
    )
    # Fields the type had once, kept in the database, make more than a card can hold.
    values = {f"f{i}": "word " * 1000 for i in range(MAX_TYPE_FIELDS + 60)}
    request = Request(
        id=1,
        number=7,
        title="t",
        details="d" * 3000,
        client="",
        impact="i" * 2000,
        requester_id="USALES1",
        status=Status.NEW,
        desired_date=None,
        request_type="t",
        type_fields=values,
        estimates=[],
    )
    blocks = request_card(request, reactions=Reactions(), request_type=request_type)
    assert len(blocks) == MAX_MESSAGE_BLOCKS
    assert block_errors(blocks, "/blocks", MAX_MESSAGE_BLOCKS) == []
    shown = len(re.findall(r"\*(?:Field \d+|f\d+)\*", json.dumps(blocks)))
    assert f"and {MAX_TYPE_FIELDS + 60 - shown} more fields not shown here" in json.dumps(blocks)
    assert blocks[-1]["type"] == "actions"
