"""The link back to the message a request started from comes back to us in the form's
private_metadata. Only a permalink of this workspace's own Slack address reaches the card."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.domain.models import Request
from bot.slack.permalinks import own_permalink
from tests.conftest import INTAKE_CHANNEL, SALES_REP, Liaison

OWN = "https://acme.slack.com/archives/CDEALS/p1764600000000100"

FORGED = {
    "script": "javascript:alert(document.cookie)",
    "script with our host": "javascript://acme.slack.com/%0Aalert(1)",
    "another host": "http://evil.example/archives/CDEALS/p1764600000000100",
    "our path on plain http": "http://acme.slack.com/archives/CDEALS/p1764600000000100",
    "look-alike host": "https://acme.slack.com.attacker.example/archives/CDEALS/p1764600000000100",
    "credentials before the host": "https://acme.slack.com@evil.example/archives/C1/p1",
    "another workspace": "https://other.slack.com/archives/CDEALS/p1764600000000100",
    "another port": "https://acme.slack.com:8443/archives/CDEALS/p1764600000000100",
    "mrkdwn link": "<http://evil.example|Open the contract>",
    "mrkdwn after a permalink": OWN + "|<http://evil.example|click>",
    "a query of its own": OWN + "?redirect=http://evil.example",
    "not a message": "https://acme.slack.com/signout",
    "not text": ["https://acme.slack.com/archives/CDEALS/p1764600000000100"],
}


def submit_with_source(liaison: Liaison, source: object) -> None:
    liaison.slack.command(SALES_REP, "")
    view = liaison.fake.wait_for("views.open")[-1].response["view"]
    view["private_metadata"] = json.dumps({"surface": "shortcut", "source": source})
    fields = {"title": "From a thread", "desired_date": "2026-12-18"}
    response = liaison.slack.view_submission(view, SALES_REP, fields)
    assert response.status_code == 200 and response.text == "", response.text
    liaison.settle()


@pytest.mark.parametrize("source", FORGED.values(), ids=FORGED.keys())
def test_a_forged_source_link_never_reaches_the_card(liaison: Liaison, db, source: object) -> None:
    submit_with_source(liaison, source)
    request = db.scalars(select(Request)).one()
    assert request.source_permalink is None
    card = liaison.fake.wait_for("chat.postMessage", channel=INTAKE_CHANNEL)[0]
    sent = json.dumps(card.params)
    assert "Started from this conversation" not in sent
    assert "evil" not in sent and "javascript" not in sent and "other.slack" not in sent


@pytest.mark.parametrize(
    "source", [OWN, OWN + "?thread_ts=1764600000.000050&cid=CDEALS"], ids=["message", "reply"]
)
def test_a_permalink_of_this_workspace_is_kept(liaison: Liaison, db, source: str) -> None:
    submit_with_source(liaison, source)
    assert db.scalars(select(Request)).one().source_permalink == source
    card = liaison.fake.wait_for("chat.postMessage", channel=INTAKE_CHANNEL)[0]
    assert f"<{source}|Started from this conversation>" in json.dumps(card.params["blocks"])


def test_no_link_is_accepted_while_the_workspace_address_is_unknown(liaison: Liaison, db) -> None:
    liaison.fake.fail("auth.test", error="ratelimited", status=429, retry_after=60)
    submit_with_source(liaison, OWN)
    assert db.scalars(select(Request)).one().source_permalink is None


def test_only_the_exact_host_is_ours() -> None:
    assert own_permalink(OWN, host="acme.slack.com") == OWN
    assert own_permalink(OWN, host="acme.enterprise.slack.com") is None
    assert own_permalink(OWN, host=None) is None
    assert own_permalink(OWN.replace("acme", "ACME"), host="acme.slack.com") is None
