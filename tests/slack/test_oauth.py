"""Installing Liaison in workspaces through OAuth, and each workspace served with its own token."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.db import slack_tables
from tests.conftest import SALES_REP, TEAM_ID, Inspector, Liaison
from tests.slack.multi import Browser, authorize_link, install, slack_of

SECOND = "T0002"


@pytest.fixture
def oauth_mode() -> bool:
    return True


@pytest.fixture
def second(liaison: Liaison) -> str:
    liaison.fake.add_team(SECOND, domain="globex")
    return SECOND


def test_installing_stores_the_workspaces_token_and_serves_it(
    liaison: Liaison, db: Inspector, second: str
) -> None:
    page = install(liaison, second)
    assert page.status_code == 200, page.text
    assert "Home tab" in page.text
    token = liaison.fake.team(second).token
    assert token is not None
    stored = db.execute(select(slack_tables.bots.c.team_id, slack_tables.bots.c.bot_token)).all()
    assert [tuple(row) for row in stored] == [(second, token)]
    exchange = liaison.fake.calls_to("oauth.v2.access")
    assert len(exchange) == 1 and exchange[0].response["ok"]
    assert exchange[0].headers["authorization"].startswith("Basic ")
    with slack_of(liaison, second, "globex") as slack:
        response = slack.command(SALES_REP, "")
        assert response.status_code == 200, response.text
        opened = liaison.fake.wait_for("views.open")
    assert opened[-1].team_id == second
    assert opened[-1].headers["authorization"] == f"Bearer {token}"
