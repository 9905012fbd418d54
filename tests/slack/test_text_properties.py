"""Properties of echoing user text (bot.slack.text) and of reading the intake modal back, for any
input hypothesis can think of."""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.config import parse_config
from bot.domain.requests import RequestDraft
from bot.slack import text
from bot.slack.blocks.intake import read_intake
from bot.slack.ids import Intake
from tests.conftest import DEFAULT_CONFIG

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TWO_TEAMS = """
[[departments]]
key = "data"
name = "Data"
role = "fulfiller"
intake_channel = "CDATAINTAKE"
"""
# One fulfilling team (the modal does not ask which) and two (it does).
CONFIGS = [
    parse_config(tomllib.loads(DEFAULT_CONFIG + extra), source="test config")
    for extra in ("", TWO_TEAMS)
]

# Characters that make hostile text: markup, mentions, entities, controls, direction overrides.
HOSTILE = (
    "<>&@!#^|*_~`>\n\t\r\x00\x07\x1b\x7f\x85\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2069"
)
WORDS = [
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!subteam^S1>",
    "<@U123>",
    "<#C1>",
    "@here",
    "@channel",
    "@everyone",
    "&amp;",
    "&lt;",
    "&gt;",
    "&",
    "<https://x.y|z>",
    "'; DROP TABLE",
]
texts = st.one_of(
    st.text(),
    st.text(alphabet=st.sampled_from(HOSTILE) | st.characters(), max_size=60),
    st.lists(st.sampled_from(WORDS) | st.text(alphabet=HOSTILE, max_size=3)).map("".join),
)
limits = st.integers(min_value=2, max_value=120)
UNLIMITED = 10**9

# C0 controls but tab and newline, DEL and C1, and the bidi embeddings, overrides and isolates.
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
MENTION_OPENERS = ("<!", "<@", "<#")
MASS_WORD = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)


def unescape(shown: str) -> str:
    return re.sub(r"&(lt|gt|amp);", lambda m: {"lt": "<", "gt": ">", "amp": "&"}[m[1]], shown)


def unquote(quoted: str) -> str:
    """The text of a mrkdwn block quote, without the "> " (or ">") starting each line."""
    return "\n".join(re.sub(r"^> ?", "", line) for line in quoted.split("\n"))


def assert_safe(shown: str) -> None:
    assert not UNSAFE.search(shown), ascii(shown)
    assert not MASS_WORD.search(shown), ascii(shown)
    for opener in MENTION_OPENERS:
        assert opener not in shown, ascii(shown)


@SETTINGS
@given(texts, limits)
@example("<!channel> &amp; <@U1>", 2)
@example("&" * 10, 9)
def test_mrkdwn_is_escaped_clean_and_within_the_limit(value: str, limit: int) -> None:
    shown = text.mrkdwn(value, limit)
    assert len(shown) <= limit
    assert "<" not in shown and ">" not in shown
    assert_safe(shown)
    assert not re.search(r"&[a-z]{0,3}$", shown.removesuffix(text.ELLIPSIS)), "a cut entity"
    cleaned, whole = text.clean(value), text.mrkdwn(value, UNLIMITED)
    if len(whole) <= limit:
        assert shown == whole and unescape(shown) == cleaned
    else:
        assert shown.endswith(text.ELLIPSIS)
        assert cleaned.startswith(unescape(shown.removesuffix(text.ELLIPSIS)))


@SETTINGS
@given(texts)
def test_mrkdwn_round_trips_under_the_default_limit(value: str) -> None:
    assert unescape(text.mrkdwn(value)) == text.clean(value)


@SETTINGS
@given(texts, limits)
@example("x\n" * 50, 3)
@example("a", 2)
@example("\n\n\n", 2)
def test_quote_is_a_safe_block_quote_within_the_limit(value: str, limit: int) -> None:
    quoted = text.quote(value, limit)
    assert len(quoted) <= limit
    assert all(line.startswith(">") for line in quoted.split("\n"))
    inner = unquote(quoted)
    assert "<" not in inner and ">" not in inner
    assert_safe(quoted)
    cleaned, whole = text.clean(value), text.quote(value, UNLIMITED)
    if len(whole) <= limit:
        assert quoted == whole and unescape(inner) == cleaned
    else:
        assert quoted.endswith(text.ELLIPSIS)
        assert cleaned.startswith(unescape(inner.removesuffix(text.ELLIPSIS)))


@SETTINGS
@given(texts, limits)
@example("<!here> x < y", 150)
def test_plain_breaks_up_mentions_and_stays_within_the_limit(value: str, limit: int) -> None:
    shown = text.plain(value, limit)
    assert len(shown) <= limit
    assert_safe(shown)
    # Only the invisible joiners that break up mentions differ from the cleaned text.
    cleaned, whole = text.clean(value), text.plain(value, UNLIMITED)
    assert whole.replace(text._JOINER, "") == cleaned.replace(text._JOINER, "")
    if len(whole) <= limit:
        assert shown == whole
    else:
        assert shown.endswith(text.ELLIPSIS) and whole.startswith(shown[:-1])


@SETTINGS
@given(texts, st.integers(min_value=1, max_value=120))
def test_truncate_keeps_a_prefix_within_the_limit(value: str, limit: int) -> None:
    cut = text.truncate(value, limit)
    assert len(cut) <= limit
    if len(value) <= limit:
        assert cut == value
    else:
        assert cut.endswith(text.ELLIPSIS) and value.startswith(cut[:-1])


# -- reading the intake modal back -----------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=25,
)
BLOCKS = [
    Intake.title,
    Intake.details,
    Intake.client,
    Intake.impact,
    Intake.desired_date,
    Intake.deadline,
    Intake.promised,
    Intake.department,
]
keys = st.sampled_from(
    [
        *BLOCKS,
        Intake.value,
        "value",
        "selected_option",
        "selected_date",
        "state",
        "values",
        "private_metadata",
        "source",
    ]
) | st.text(max_size=8)
# Views shaped more or less like Slack's: state.values[block_id][action_id] = element state.
element_states = st.dictionaries(
    st.sampled_from(["type", "value", "selected_option", "selected_date"]), json_values, max_size=3
)
slack_like_views = st.fixed_dictionaries(
    {
        "state": st.fixed_dictionaries(
            {
                "values": st.dictionaries(
                    st.sampled_from(BLOCKS),
                    st.dictionaries(
                        st.sampled_from([Intake.value, "other"]),
                        element_states | json_values,
                        max_size=2,
                    ),
                )
            }
        )
        | json_values
    },
    optional={"private_metadata": json_values | st.text(max_size=40) | json_values.map(json.dumps)},
)
any_views = st.dictionaries(keys, json_values, max_size=6) | slack_like_views


@SETTINGS
@given(any_views)
@example({"state": "x"})
@example({"state": {"values": [1]}})
@example({"state": {"values": {"title": {"value": {"value": 5}}}}})
@example({"state": {"values": {"deadline": {"value": {"selected_option": {"value": 1}}}}}})
@example({"private_metadata": "[" * 5000})
@example({"private_metadata": {"source": "x"}})
def test_read_intake_never_raises(view: dict) -> None:
    for config in CONFIGS:
        draft = read_intake(view, config=config)
        assert isinstance(draft, RequestDraft)
        for field in ("title", "details", "client", "impact"):
            assert isinstance(getattr(draft, field), str)
        assert draft.desired_date is None or isinstance(draft.desired_date, date)
        assert draft.fulfilling_department is None or isinstance(draft.fulfilling_department, str)
        assert draft.source_permalink is None or isinstance(draft.source_permalink, str)
