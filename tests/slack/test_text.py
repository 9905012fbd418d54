"""Echoing user text safely (property tests live with the hostile-input tests)."""

from __future__ import annotations

from bot.slack import text


def test_mrkdwn_escapes_markup_and_defuses_mass_mentions() -> None:
    assert text.mrkdwn("<!channel> & <@U1>") == "&lt;!channel&gt; &amp; &lt;@U1&gt;"
    assert "@channel" not in text.mrkdwn("hey @channel and @here, @everyone")
    assert "@\u2060here" in text.mrkdwn("@here")


def test_mrkdwn_cuts_to_the_limit_without_splitting_an_entity() -> None:
    cut = text.mrkdwn("a" * 5 + "&" * 10, 9)
    assert len(cut) <= 9 and cut.endswith("…")
    assert not cut.rstrip("…").endswith(("&", "&a", "&am", "&amp"[:3]))


def test_control_and_direction_characters_are_dropped() -> None:
    assert text.clean("a\x00b\u202ec\n\td") == "abc\n\td"


def test_plain_text_keeps_characters_but_breaks_up_mentions() -> None:
    shown = text.plain("<!here> x < y", 150)
    assert "<!here>" not in shown and "x < y" in shown


def test_quote_keeps_user_formatting_inside_the_quote() -> None:
    quoted = text.quote("line one\n*not ours*", 3000)
    assert quoted == "> line one\n> *not ours*"
    assert len(text.quote("x\n" * 5000, 3000)) <= 3000


def test_cutting_after_a_mass_mention_word_never_makes_it_one() -> None:
    shown = text.mrkdwn("@everyone<@everyone_<", 24)
    assert "@everyone" not in shown.replace("@\u2060everyone", "")
