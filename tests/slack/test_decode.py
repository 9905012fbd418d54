"""Decoding Slack's message text into what a person would type (bot.slack.decode), and showing
it again without pinging anyone."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.slack import text
from bot.slack.decode import decode, message_files, message_text
from bot.slack.names import SlackNames, at_most, display_name

NAMES = {"U1": "Ada Lovelace", "W2": "Grace"}
CHANNELS = {"C9": "deals"}


def shown(encoded: str) -> str:
    return decode(encoded, user_name=NAMES.get, channel_name=CHANNELS.get)


@pytest.mark.parametrize(
    ("encoded", "decoded"),
    [
        ("Tom &amp; Jerry", "Tom & Jerry"),
        ("a &lt; b &gt; c", "a < b > c"),
        ("&amp;lt; stays an entity's text", "&lt; stays an entity's text"),
        ("ask <@U1> please", "ask @Ada Lovelace please"),
        ("<@W2|grace.h> and <@U1|ada>", "@Grace and @Ada Lovelace"),
        ("<@U404|someone>", "@someone"),
        ("<@U404>", "@U404"),
        ("in <#C1|general>", "in #general"),
        ("in <#C9>", "in #deals"),
        ("in <#C404>", "in #channel"),
        ("<!subteam^S1|@sales-team> look", "@sales-team look"),
        ("<!subteam^S1>", "@group"),
        ("<!here> <!channel> <!everyone>", "@here @channel @everyone"),
        ("<!here|here> <!channel|@channel>", "@here @channel"),
        (
            "see <https://example.com/a?b=1&amp;c=2|the spec>",
            "see the spec (https://example.com/a?b=1&c=2)",
        ),
        ("<https://example.com>", "https://example.com"),
        ("<https://example.com|https://example.com>", "https://example.com"),
        ("<mailto:ana@x.io|ana@x.io>", "ana@x.io"),
        ("<mailto:ana@x.io|Ana>", "Ana (ana@x.io)"),
        ("by <!date^1392734382^{date_short}|Feb 18, 2014 PST>", "by Feb 18, 2014 PST"),
        ("<!date^1392734382^{date}>", "2014-02-18 14:39 UTC"),
        ("<!date^nonsense>", ""),
        ("Q&amp;A <https://x.io|R&amp;D>", "Q&A R&D (https://x.io)"),
        ("no entities at all", "no entities at all"),
        ("", ""),
    ],
)
def test_each_entity_kind_reads_as_a_person_would_type_it(encoded: str, decoded: str) -> None:
    assert shown(encoded) == decoded


def test_a_message_without_text_uses_its_attachments_and_blocks() -> None:
    attachments = {
        "text": "",
        "attachments": [
            {"pretext": "Heads up", "text": "Deal &amp; renewal"},
            {"fallback": "Only a fallback"},
        ],
    }
    assert shown(message_text(attachments)) == "Heads up\nDeal & renewal\nOnly a fallback"
    blocks = {
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": "A & B"}},
            {"type": "section", "text": {"type": "mrkdwn", "text": "C &amp; <@U1>"}},
            {
                "type": "rich_text",
                "elements": [
                    {
                        "type": "rich_text_section",
                        "elements": [
                            {"type": "user", "user_id": "U1"},
                            {"type": "text", "text": " needs <SSO> & "},
                            {"type": "link", "url": "https://x.io", "text": "docs"},
                            {"type": "broadcast", "range": "here"},
                        ],
                    },
                    {
                        "type": "rich_text_list",
                        "elements": [
                            {
                                "type": "rich_text_section",
                                "elements": [{"type": "channel", "channel_id": "C9"}],
                            }
                        ],
                    },
                ],
            },
        ]
    }
    assert shown(message_text(blocks)).split("\n") == [
        "A & B",
        "C & @Ada Lovelace",
        "@Ada Lovelace needs <SSO> & docs (https://x.io)@here",
        "• #deals",
    ]
    # A message's own text wins over its blocks (which repeat it).
    assert message_text({"text": "own", "blocks": blocks["blocks"]}) == "own"


def test_files_are_listed_with_their_permalinks() -> None:
    message = {
        "files": [
            {"name": "deck.pdf", "title": "Q4 deck", "permalink": "https://acme.slack.com/files/1"},
            {"name": "no-link.txt"},
            "junk",
        ]
    }
    assert message_files(message) == [("Q4 deck", "https://acme.slack.com/files/1")]
    assert message_files({"files": None}) == []


def test_display_names_prefer_the_profiles_display_name() -> None:
    user = {
        "name": "ada",
        "real_name": "Ada L",
        "profile": {"display_name": "", "real_name": "Ada"},
    }
    assert display_name(user) == "Ada"
    assert display_name({**user, "profile": {"display_name": "ada.l"}}) == "ada.l"
    assert display_name({"name": "ada"}) == "ada"
    assert display_name({}) is None


class _Slack:
    def __init__(self) -> None:
        self.asked: list[str] = []

    def users_info(self, *, user: str) -> dict:
        self.asked.append(user)
        return {"ok": True, "user": {"name": user.lower(), "profile": {"display_name": f"N{user}"}}}

    def conversations_info(self, *, channel: str) -> dict:
        self.asked.append(channel)
        return {"ok": True, "channel": {"id": channel, "name": channel.lower()}}


def test_names_are_cached_per_workspace_bounded_and_forgotten() -> None:
    clients = {"T1": _Slack(), "T2": _Slack()}
    now = [0.0]
    names = SlackNames(clients.__getitem__, ttl=60, max_entries=2, monotonic=lambda: now[0])
    assert names.user_name("T1", "U1") == "NU1"
    assert names.users_of("T1")("U1") == "NU1"
    assert names.user_name("T2", "U1") == "NU1"
    assert clients["T1"].asked == ["U1"] and clients["T2"].asked == ["U1"]
    assert names.channels_of("T1")("C1") == "c1"  # the third entry pushes out the oldest
    names.user_name("T2", "U1")
    assert clients["T2"].asked == ["U1"]
    names.user_name("T1", "U1")
    assert clients["T1"].asked == ["U1", "C1", "U1"]
    now[0] = 61  # and every name is asked again after the TTL
    names.user_name("T2", "U1")
    assert clients["T2"].asked == ["U1", "U1"]


def test_a_look_up_can_be_limited_to_a_few_ids() -> None:
    asked: list[str] = []

    def lookup(key: str) -> str:
        asked.append(key)
        return key.lower()

    limited = at_most(lookup, 2)
    assert [limited(k) for k in ("A", "B", "A", "C", "B")] == ["a", "b", "a", None, "b"]
    assert asked == ["A", "B"]


# -- properties ---------------------------------------------------------------------------------

ENTITIES = [
    "<!channel>",
    "<!here|here>",
    "<!everyone>",
    "<!subteam^S1|@eng>",
    "<!subteam^S1>",
    "<@U1>",
    "<@U404|x>",
    "<#C1|general>",
    "<#C9>",
    "<https://x.y|z>",
    "<mailto:a@b.c|a@b.c>",
    "<!date^1^{date}|today>",
    "<!date^99999999999999999999^{date}>",
    "&amp;",
    "&lt;",
    "&gt;",
    "&lt;!channel&gt;",
    "&lt;@U1&gt;",
    "@",
    "here",
    "channel",
    "<",
    ">",
    "|",
    "^",
    "!",
]
encoded_texts = st.one_of(
    st.text(),
    st.lists(st.sampled_from(ENTITIES) | st.text(alphabet="<>&@!#^|:/ \n", max_size=3)).map(
        "".join
    ),
)
# Whatever users.info says a name is, hostile names included.
names = st.dictionaries(st.sampled_from(["U1", "U404", "W2"]), st.text(max_size=20))
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PING = re.compile(r"<[!@#]|(?<![\w\u2060])@(here|channel|everyone)\b", re.IGNORECASE)


@SETTINGS
@given(encoded_texts, names)
@example("<!channel> <!here> <!everyone> <@U1>", {"U1": "<!channel>"})
@example("&lt;!channel&gt; &lt;@U1&gt;", {})
def test_decoding_never_raises_and_showing_it_again_never_pings(
    encoded: str, known: dict[str, str]
) -> None:
    decoded = decode(encoded, user_name=known.get, channel_name=known.get)
    assert isinstance(decoded, str)
    for display in (text.mrkdwn(decoded), text.quote(decoded), text.plain(decoded, 3000)):
        assert not PING.search(display), display


@SETTINGS
@given(st.text(alphabet=st.characters(blacklist_characters="<>&"), max_size=40))
def test_text_without_entities_comes_back_unchanged(plain: str) -> None:
    assert decode(plain) == plain


@SETTINGS
@given(
    st.recursive(
        st.none() | st.text() | st.integers(),
        lambda inner: (
            st.lists(inner)
            | st.dictionaries(
                st.sampled_from(
                    [
                        "type",
                        "text",
                        "elements",
                        "blocks",
                        "attachments",
                        "fields",
                        "fallback",
                        "pretext",
                        "files",
                        "name",
                        "permalink",
                        "url",
                        "user_id",
                    ]
                ),
                inner,
            )
        ),
    )
)
def test_reading_any_message_shape_never_raises(message: object) -> None:
    shaped = message if isinstance(message, dict) else {"blocks": message}
    assert isinstance(message_text(shaped), str)
    assert isinstance(message_files(shaped), list)
