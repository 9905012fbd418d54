"""Workspaces installed through OAuth are each set up from their own Home: the config file's
departments and digests are applied to none of them, a workspace just installed says it is not
set up, and the jobs work for each workspace set up with its own settings, client and numbers."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.domain.models import DigestRun
from bot.jobs.digest import post_digests
from bot.slack.membership import join_channels_at_start
from tests.conftest import DIGEST_CHANNEL, SALES_REP, TEAM_ID, Inspector, Liaison
from tests.fakes.signer import SlackClientSim
from tests.slack.helpers import file_request
from tests.slack.multi import install, slack_of

GLOBEX = "T0002"
MONDAY_9_NEW_YORK = datetime(2026, 12, 7, 14, 0, tzinfo=UTC)


@pytest.fixture
def oauth_mode() -> bool:
    return True


@pytest.fixture
def globex(liaison: Liaison) -> Iterator[SlackClientSim]:
    liaison.fake.add_team(GLOBEX, domain="globex")
    with slack_of(liaison, GLOBEX, "globex") as slack:
        yield slack


def test_the_config_files_departments_and_digests_are_applied_to_no_workspace(
    caplog: pytest.LogCaptureFixture, liaison: Liaison, globex: SlackClientSim
) -> None:
    # Built with the test config (two departments, a digest): ignored, with a warning.
    warned = [r.getMessage() for r in caplog.get_records("setup") if r.levelno == logging.WARNING]
    assert any("departments and digests are ignored" in line for line in warned), warned
    assert install(liaison, TEAM_ID, set_up=False).status_code == 200
    assert install(liaison, GLOBEX, set_up=False).status_code == 200
    join_channels_at_start(liaison.runtime)  # as a restart does
    assert liaison.slack.command(SALES_REP, "").status_code == 200  # served once: settled
    liaison.settle()

    store = liaison.runtime.workspace_settings
    for team in (TEAM_ID, GLOBEX):
        current = store.current(team)
        assert current.source is None and store.history(team) == []
        assert current.config.departments == () and current.config.digests == ()
        assert not current.config.is_set_up
        # The file's other sections are the defaults of a new workspace.
        assert current.config.organization.timezone == "America/New_York"
    assert store.configured_workspaces() == []
    assert post_digests(liaison.runtime, at=MONDAY_9_NEW_YORK) == []
    liaison.fake.assert_no_call("conversations.join")


def test_a_workspace_just_installed_is_not_set_up_while_another_files(
    liaison: Liaison, db: Inspector, globex: SlackClientSim
) -> None:
    assert install(liaison, TEAM_ID).status_code == 200  # and set up
    assert install(liaison, GLOBEX, set_up=False).status_code == 200

    assert globex.command(SALES_REP, "Please build a thing").status_code == 200
    [answer] = liaison.fake.wait_for("response_url")
    assert "isn't set up" in answer.params["text"]
    assert "Home tab" in answer.params["text"]
    liaison.settle()
    liaison.fake.assert_no_call("views.open")

    # Its Home opens (where it is set up), published with its own token.
    assert globex.app_home_opened(SALES_REP).status_code == 200
    liaison.settle()
    [published] = liaison.fake.calls_to("views.publish", user_id=SALES_REP)
    assert published.response["ok"] and published.team_id == GLOBEX

    card = file_request(liaison, db, title="Acme files as before")
    assert card.channel


def test_each_workspace_set_up_gets_its_own_digest_with_its_own_numbers(
    liaison: Liaison, db: Inspector, globex: SlackClientSim
) -> None:
    # Both post their digest in one shared channel, at the same moment.
    assert install(liaison, TEAM_ID).status_code == 200
    assert install(liaison, GLOBEX).status_code == 200
    file_request(liaison, db, title="Acme's first")
    file_request(liaison, db, title="Acme's second")
    file_request(liaison, db, slack=globex, title="Globex's only")

    liaison.clock.set(MONDAY_9_NEW_YORK)
    outcomes = post_digests(liaison.runtime)
    liaison.settle()
    assert [o.posted for o in outcomes] == [True, True]
    assert post_digests(liaison.runtime) == []  # once each
    assert len(db.scalars(select(DigestRun)).all()) == 2

    sent = [
        post
        for post in liaison.fake.calls_to("chat.postMessage", channel=DIGEST_CHANNEL)
        if post.response["ok"]
    ]
    # Each workspace's digest, and its full figures in its own thread.
    posts = [post for post in sent if "thread_ts" not in post.params]
    replies = [post for post in sent if "thread_ts" in post.params]
    by_team = {post.team_id: post.params for post in posts}
    assert sorted(by_team) == [TEAM_ID, GLOBEX] and len(posts) == 2
    assert sorted(reply.team_id for reply in replies) == [TEAM_ID, GLOBEX]
    acme, theirs = (json.dumps(by_team[t]) for t in (TEAM_ID, GLOBEX))
    assert "Sales → Engineering: 2 opened" in by_team[TEAM_ID]["text"]
    assert "Sales → Engineering: 1 opened" in by_team[GLOBEX]["text"]
    # The oldest unclaimed is one of Acme's two (filed at the same instant: either may be named).
    assert "Acme's" in acme and "Globex" not in acme
    assert "Globex's only" in theirs and "Acme" not in theirs


def test_who_installed_liaison_is_known_while_it_is_installed(
    liaison: Liaison, globex: SlackClientSim
) -> None:
    runtime = liaison.runtime
    assert runtime.installer_of(GLOBEX) is None  # not installed yet
    assert install(liaison, TEAM_ID, "UACMEADMIN", set_up=False).status_code == 200
    assert install(liaison, GLOBEX, "UGLOBEXADMIN", set_up=False).status_code == 200
    assert (runtime.installer_of(TEAM_ID), runtime.installer_of(GLOBEX)) == (
        "UACMEADMIN",
        "UGLOBEXADMIN",
    )

    # Installed again by someone else: the latest installer.
    assert install(liaison, GLOBEX, "UOTHERADMIN", set_up=False).status_code == 200
    assert runtime.installer_of(GLOBEX) == "UOTHERADMIN"

    liaison.fake.uninstall(GLOBEX)
    assert globex.event({"type": "app_uninstalled"}).status_code == 200
    liaison.settle()
    assert runtime.installer_of(GLOBEX) is None
    assert runtime.installer_of(TEAM_ID) == "UACMEADMIN"


class TestOneBotToken:
    @pytest.fixture
    def oauth_mode(self) -> bool:
        return False

    def test_nobody_installed_liaison_through_it(self, liaison: Liaison) -> None:
        assert liaison.runtime.installer_of(TEAM_ID) is None
