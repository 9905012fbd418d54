"""With several fulfilling departments the modal asks which one, and the card goes there."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.domain.models import Request
from tests.conftest import DEFAULT_CONFIG, INTAKE_CHANNEL, SALES_REP, Liaison

DATA_INTAKE = "CDATAINTAKE"


@pytest.fixture
def config_text() -> str:
    return (
        DEFAULT_CONFIG
        + f"""
[[departments]]
key = "data"
name = "Data"
role = "fulfiller"
intake_channel = "{DATA_INTAKE}"
members = ["UDATA1"]
"""
    )


def test_the_requester_picks_the_team_and_the_card_goes_to_its_channel(
    liaison: Liaison, db
) -> None:
    liaison.slack.command(SALES_REP, "Churn model")
    view = liaison.fake.wait_for("views.open")[0].response["view"]
    select_block = next(b for b in view["blocks"] if b["block_id"] == "fulfilling_department")
    assert [o["value"] for o in select_block["element"]["options"]] == ["eng", "data"]

    missing = liaison.slack.view_submission(view, SALES_REP, {})
    assert missing.json()["response_action"] == "errors"
    assert "fulfilling_department" in missing.json()["errors"]

    assert (
        liaison.slack.view_submission(view, SALES_REP, {"fulfilling_department": "data"}).text == ""
    )
    liaison.fake.wait_for("chat.postMessage", channel=DATA_INTAKE)
    liaison.settle()
    liaison.fake.assert_no_call("chat.postMessage", channel=INTAKE_CHANNEL)
    assert db.scalars(select(Request)).one().fulfilling_department.key == "data"
