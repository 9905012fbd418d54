"""The intake modal prefilled from Slack's encoded text reads as a person would have typed it,
and showing the filed request again pings nobody."""

from __future__ import annotations

import json

from sqlalchemy import select

from bot.domain.models import Request
from tests.conftest import DIGEST_CHANNEL, INTAKE_CHANNEL, SALES_REP, SALES_REP_2, Liaison

ENCODED = (
    "Q&amp;A for <@UANA> and <@UBOB|bob>: 1 &lt; 2 &gt; 0\n"
    "See <#CDEALS|deals>, <#CSUPPORT>, <#CSUPPORT|> and <#CGONE>, "
    "<https://acme.example/spec?a=1&amp;b=2|the spec>, <https://acme.example/raw>, "
    "<mailto:ana@acme.example|ana@acme.example>.\n"
    "Ping <!subteam^S0SALES|@sales-team>, <!here>, <!channel> and <!everyone> "
    "by <!date^1798761600^{date_short}|Jan 1, 2027>."
)
DECODED = (
    "Q&A for @Ana Bell and @Bob: 1 < 2 > 0\n"
    "See #deals, #csupport, #csupport and #channel, "
    "the spec (https://acme.example/spec?a=1&b=2), https://acme.example/raw, "
    "ana@acme.example.\n"
    "Ping @sales-team, @here, @channel and @everyone "
    "by Jan 1, 2027."
)


def shortcut_view(liaison: Liaison, message: dict) -> dict:
    liaison.fake.users["UANA"] = {"profile": {"display_name": "Ana Bell", "real_name": "Ana B"}}
    # No display name: the real name is what Slack shows.
    liaison.fake.users["UBOB"] = {"profile": {"display_name": "", "real_name": "Bob"}}
    liaison.fake.channels.add("CSUPPORT")
    response = liaison.slack.message_shortcut(SALES_REP, message, channel_id="CDEALS")
    assert response.status_code == 200
    view = completed_view(liaison)
    return {b.get("block_id"): b for b in view["blocks"]} | {"view": view}


def completed_view(liaison: Liaison) -> dict:
    """The modal as it stands once complete: it opens at once with the names already known,
    and what needed a look-up in Slack follows with views.update."""
    liaison.fake.wait_for("views.open")
    liaison.settle()
    shown = liaison.fake.calls_to("views.update") or liaison.fake.calls_to("views.open")
    return shown[-1].response["view"]


def test_the_modal_opens_before_any_name_is_looked_up(liaison: Liaison) -> None:
    shortcut_view(liaison, {"text": ENCODED, "user": SALES_REP_2})
    methods = [c.method for c in liaison.fake.calls]
    assert methods.index("views.open") < methods.index("users.info")
    assert methods.index("views.update") > methods.index("users.info")
    opened = liaison.fake.calls_to("views.open")[0].params["view"]
    assert "Ana Bell" not in json.dumps(opened)


def test_the_shortcut_decodes_every_entity_and_mention(liaison: Liaison) -> None:
    blocks = shortcut_view(liaison, {"text": ENCODED, "user": SALES_REP_2})
    assert blocks["details"]["element"]["initial_value"] == DECODED
    assert blocks["title"]["element"]["initial_value"] == "Q&A for @Ana Bell and @Bob: 1 < 2 > 0"
    asked = sorted(c.params["user"] for c in liaison.fake.calls_to("users.info"))
    assert asked == ["UANA", "UBOB"]
    # Liaison also asks about its own channels when it starts.
    asked = sorted(
        c.params["channel"]
        for c in liaison.fake.calls_to("conversations.info")
        if c.params["channel"] not in (INTAKE_CHANNEL, DIGEST_CHANNEL)
    )
    assert asked == ["CGONE", "CSUPPORT"]


def test_a_message_naming_many_people_asks_slack_about_a_few(liaison: Liaison) -> None:
    mentions = [f"<@UMANY{n}|name{n}>" for n in range(30)]
    blocks = shortcut_view(liaison, {"text": " ".join(mentions), "user": SALES_REP_2})
    details = blocks["details"]["element"]["initial_value"].split(" ")
    assert len(liaison.fake.calls_to("users.info")) == 10
    # The first ten by their display names, the rest by the names in the message.
    assert details[:10] == [f"@umany{n}" for n in range(10)]
    assert details[10:] == [f"@name{n}" for n in range(10, 30)]


def test_names_are_asked_once_per_person(liaison: Liaison) -> None:
    message = {"text": "<@UANA> <@UANA|ana>", "user": SALES_REP_2}
    blocks = shortcut_view(liaison, message)
    assert blocks["details"]["element"]["initial_value"] == "@Ana Bell @Ana Bell"
    liaison.slack.message_shortcut(SALES_REP, message)
    liaison.fake.wait_for("views.open", count=2)
    assert len(liaison.fake.calls_to("users.info", user="UANA")) == 1


def test_a_message_with_only_attachments_uses_their_text(liaison: Liaison) -> None:
    message = {
        "text": "",
        "user": SALES_REP_2,
        "attachments": [{"fallback": "Renewal &amp; upsell for <@UANA>", "id": 1}],
    }
    blocks = shortcut_view(liaison, message)
    assert blocks["title"]["element"]["initial_value"] == "Renewal & upsell for @Ana Bell"
    assert blocks["details"]["element"]["initial_value"] == "Renewal & upsell for @Ana Bell"


def test_files_of_the_message_are_linked_in_the_details(liaison: Liaison, db) -> None:
    permalink = "https://acme.slack.com/files/USALES2/F1/deck.pdf"
    message = {
        "text": "Deck attached",
        "user": SALES_REP_2,
        "files": [{"id": "F1", "name": "deck.pdf", "title": "Q4 deck", "permalink": permalink}],
    }
    blocks = shortcut_view(liaison, message)
    details = blocks["details"]["element"]["initial_value"]
    assert details == f"Deck attached\n\nFiles:\n• Q4 deck: {permalink}"

    liaison.slack.view_submission(blocks["view"], SALES_REP, {})
    card = liaison.fake.wait_for("chat.postMessage", channel=INTAKE_CHANNEL)[0]
    assert permalink in json.dumps(card.params["blocks"])
    assert db.scalars(select(Request)).one().details == details


def test_request_words_are_decoded_in_the_title(liaison: Liaison) -> None:
    liaison.fake.users["UANA"] = {"profile": {"display_name": "Ana Bell"}}
    liaison.slack.command(SALES_REP, "SSO &amp; SCIM for <@UANA|ana> &lt;urgent&gt;")
    view = completed_view(liaison)
    title = next(b for b in view["blocks"] if b["block_id"] == "title")
    assert title["element"]["initial_value"] == "SSO & SCIM for @Ana Bell <urgent>"


def test_decoded_mentions_shown_again_ping_nobody(liaison: Liaison, db) -> None:
    blocks = shortcut_view(liaison, {"text": ENCODED, "user": SALES_REP_2})
    # The person submits the decoded text as it was prefilled.
    liaison.slack.view_submission(blocks["view"], SALES_REP, {})
    card = liaison.fake.wait_for("chat.postMessage", channel=INTAKE_CHANNEL)[0]
    liaison.fake.wait_for("chat.postMessage", channel=SALES_REP)
    liaison.settle()
    request = db.scalars(select(Request)).one()
    assert request.details == DECODED
    for call in liaison.fake.calls_to("chat.postMessage"):
        shown = json.dumps([call.params.get("text"), call.params.get("blocks")])
        for ping in ("<!here", "<!channel", "<!everyone", "<!subteam", "<@UANA", "<@UBOB"):
            assert ping not in shown
        for word in ("@here", "@channel", "@everyone"):
            assert word not in shown
    assert "Ana Bell" in json.dumps(card.params["blocks"])
