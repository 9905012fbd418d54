"""Installing Liaison in workspaces through OAuth, each workspace served with its own token, and
a workspace leaving (uninstalled, or its token revoked)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.cli import main
from bot.db import slack_tables
from bot.domain import outbox
from bot.domain.models import OutboxMessage, Request, Workspace
from bot.jobs.nudges import send_nudges
from bot.jobs.reconcile import reconcile_cards
from bot.jobs.usergroups import refresh_usergroups
from tests.conftest import (
    DEFAULT_CONFIG,
    ENGINEER,
    INTAKE_CHANNEL,
    SALES_REP,
    TEAM_ID,
    Inspector,
    Liaison,
)
from tests.fakes.signer import SlackClientSim
from tests.slack.helpers import current, file_request
from tests.slack.multi import Browser, authorize_link, install, set_up_workspace, slack_of

SECOND = "T0002"


@pytest.fixture
def oauth_mode() -> bool:
    return True


@pytest.fixture
def second(liaison: Liaison) -> Iterator[SlackClientSim]:
    """A second workspace, Globex, with Liaison installed; Slack for it."""
    liaison.fake.add_team(SECOND, domain="globex")
    assert install(liaison, SECOND).status_code == 200
    with slack_of(liaison, SECOND, "globex") as slack:
        yield slack


def installed_teams(db: Inspector) -> list[str]:
    return sorted(db.scalars(select(slack_tables.bots.c.team_id)).all())


def test_installing_stores_the_workspaces_token_and_serves_it(
    liaison: Liaison, db: Inspector
) -> None:
    liaison.fake.add_team(SECOND, domain="globex")
    page = install(liaison, SECOND)
    assert page.status_code == 200, page.text
    assert "Liaison is installed in Globex Workspace" in page.text
    assert "Home tab" in page.text
    token = liaison.fake.team(SECOND).token
    assert token is not None and token != liaison.fake.token
    stored = db.execute(select(slack_tables.bots.c.team_id, slack_tables.bots.c.bot_token)).all()
    assert [tuple(row) for row in stored] == [(SECOND, token)]
    exchange = liaison.fake.calls_to("oauth.v2.access")
    assert len(exchange) == 1 and exchange[0].response["ok"]
    assert exchange[0].headers["authorization"].startswith("Basic ")  # client id and secret
    assert db.scalar(select(func.count()).select_from(slack_tables.oauth_states)) == 0  # used
    with slack_of(liaison, SECOND, "globex") as slack:
        assert slack.command(SALES_REP, "").status_code == 200
        opened = liaison.fake.wait_for("views.open")
    assert opened[-1].team_id == SECOND
    assert opened[-1].headers["authorization"] == f"Bearer {token}"


def test_the_install_page_links_to_slack_with_the_manifests_scopes(liaison: Liaison) -> None:
    browser = Browser(liaison)
    link = authorize_link(browser.get("/slack/install"))
    browser.close()
    assert link.startswith(liaison.fake.root_url + "/oauth/v2/authorize?")
    assert f"client_id={liaison.fake.client_id}" in link
    assert "state=" in link and "slack-app-oauth-state" in browser.cookies


@pytest.mark.parametrize("state", ["forged", ""])
def test_a_state_liaison_did_not_issue_gets_the_failure_page(
    liaison: Liaison, db: Inspector, state: str
) -> None:
    liaison.fake.add_team(SECOND, domain="globex")
    browser = Browser(liaison)
    link = authorize_link(browser.get("/slack/install"))
    redirect = liaison.fake.approve_install(link, team_id=SECOND, user_id="UINSTALLER")
    browser.cookies["slack-app-oauth-state"] = state
    page = browser.get("/slack/oauth_redirect", code=redirect["code"], state=state)
    browser.close()
    assert page.status_code >= 400
    assert "Liaison was not installed" in page.text and "/slack/install" in page.text
    assert liaison.fake.calls_to("oauth.v2.access") == []  # the code was never exchanged
    assert installed_teams(db) == []


def test_an_expired_state_gets_the_failure_page(liaison: Liaison, db: Inspector) -> None:
    liaison.fake.add_team(SECOND, domain="globex")
    browser = Browser(liaison)
    link = authorize_link(browser.get("/slack/install"))
    redirect = liaison.fake.approve_install(link, team_id=SECOND, user_id="UINSTALLER")
    liaison.clock.advance(minutes=11)
    page = browser.get("/slack/oauth_redirect", **redirect)
    assert page.status_code >= 400
    assert "expired" in page.text
    assert liaison.fake.calls_to("oauth.v2.access") == []
    assert installed_teams(db) == []
    # Starting again works.
    link = authorize_link(browser.get("/slack/install"))
    redirect = liaison.fake.approve_install(link, team_id=SECOND, user_id="UINSTALLER")
    assert browser.get("/slack/oauth_redirect", **redirect).status_code == 200
    browser.close()
    assert installed_teams(db) == [SECOND]


def test_a_state_is_good_once(liaison: Liaison, db: Inspector) -> None:
    liaison.fake.add_team(SECOND, domain="globex")
    browser = Browser(liaison)
    link = authorize_link(browser.get("/slack/install"))
    redirect = liaison.fake.approve_install(link, team_id=SECOND, user_id="UINSTALLER")
    cookies = dict(browser.cookies)
    assert browser.get("/slack/oauth_redirect", **redirect).status_code == 200
    browser.cookies = cookies
    again = browser.get("/slack/oauth_redirect", **redirect)
    browser.close()
    assert again.status_code >= 400 and "Liaison was not installed" in again.text
    assert len(liaison.fake.calls_to("oauth.v2.access")) == 1


def test_a_workspace_without_an_installation_is_told_so(liaison: Liaison, db: Inspector) -> None:
    liaison.fake.add_team(SECOND, domain="globex")
    with slack_of(liaison, SECOND, "globex") as slack:
        response = slack.command(SALES_REP, "")
    assert "isn't set up for this Slack workspace" in response.text
    assert liaison.fake.calls == []
    assert db.scalar(select(func.count()).select_from(Workspace)) == 0


def test_each_workspaces_card_is_posted_with_its_own_token(
    liaison: Liaison, db: Inspector, second: SlackClientSim
) -> None:
    assert install(liaison, TEAM_ID).status_code == 200
    mine = file_request(liaison, db, title="Acme's export")
    theirs = file_request(liaison, db, slack=second, title="Globex's export")
    posts = {
        call.params["text"]: call
        for call in liaison.fake.calls_to("chat.postMessage", channel=INTAKE_CHANNEL)
        if call.response.get("ok")
    }
    acme = next(call for text, call in posts.items() if "Acme's export" in text)
    globex = next(call for text, call in posts.items() if "Globex's export" in text)
    assert acme.team_id == TEAM_ID and globex.team_id == SECOND
    assert acme.headers["authorization"] == f"Bearer {liaison.fake.team(TEAM_ID).token}"
    assert globex.headers["authorization"] == f"Bearer {liaison.fake.team(SECOND).token}"
    # Numbers are per workspace: both are REQ-1.
    assert current(db, mine).number == current(db, theirs).number == 1
    assert current(db, mine).workspace_id != current(db, theirs).workspace_id


def _leave(liaison: Liaison, second: SlackClientSim, how: str) -> str:
    """Globex removes Liaison (`how`: the event Slack then sends); its old token."""
    token = liaison.fake.team(SECOND).token
    assert token is not None
    liaison.fake.uninstall(SECOND)
    if how == "app_uninstalled":
        event = {"type": "app_uninstalled"}
    else:
        bot = liaison.fake.team(SECOND).bot_user_id
        event = {"type": "tokens_revoked", "tokens": {"oauth": [], "bot": [bot]}}
    assert second.event(event).status_code == 200
    liaison.settle()
    return token


@pytest.mark.parametrize("how", ["app_uninstalled", "tokens_revoked"])
def test_a_workspace_that_leaves_is_never_called_with_its_token_again(
    liaison: Liaison, db: Inspector, second: SlackClientSim, how: str
) -> None:
    card = file_request(liaison, db, slack=second, title="Globex's export")
    token = _leave(liaison, second, how)
    assert installed_teams(db) == []
    assert db.scalar(select(func.count()).select_from(slack_tables.installations)) == 0
    calls = len(liaison.fake.calls)
    # Something owed to it: held, not sent.
    with Session(liaison.runtime.engine) as session, session.begin():
        outbox.enqueue_message(
            session,
            workspace_id=current(db, card).workspace_id,
            template=outbox.DELIVERY_FAILED,
            request=None,
            channel=ENGINEER,
            payload={"failed_kind": "card", "destination": INTAKE_CHANNEL, "error": "x"},
            now=liaison.clock(),
        )
    liaison.clock.advance(days=1, hours=2)
    report = liaison.runtime.outbox.send_due()
    assert report.held == 1 and report.sent == 0
    held = db.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")).one()
    assert "not installed" in (held.last_error or "")
    # Its jobs skip it; its people are told Liaison is not installed.
    assert send_nudges(liaison.runtime).nudges == []
    assert reconcile_cards(liaison.runtime).checked == 0
    assert refresh_usergroups(liaison.runtime).read == []
    assert liaison.runtime.served_workspaces() == []
    response = second.command(SALES_REP, "status REQ-1")
    assert "isn't set up for this Slack workspace" in response.text
    liaison.settle()
    used = [c.headers.get("authorization") for c in liaison.fake.calls[calls:]]
    assert f"Bearer {token}" not in used
    # Its data stays until an operator purges it.
    assert db.scalar(select(func.count()).select_from(Request)) == 1


def test_a_workspace_that_installs_again_gets_its_held_messages(
    liaison: Liaison, db: Inspector, second: SlackClientSim
) -> None:
    card = file_request(liaison, db, slack=second, title="Globex's export")
    _leave(liaison, second, "app_uninstalled")
    with Session(liaison.runtime.engine) as session, session.begin():
        outbox.enqueue_message(
            session,
            workspace_id=current(db, card).workspace_id,
            template=outbox.DELIVERY_FAILED,
            request=None,
            channel=ENGINEER,
            payload={"failed_kind": "card", "destination": INTAKE_CHANNEL, "error": "x"},
            now=liaison.clock(),
        )
    assert liaison.runtime.outbox.send_due().held == 1
    assert install(liaison, SECOND).status_code == 200
    liaison.clock.advance(hours=2)
    assert liaison.runtime.outbox.send_due().sent == 1
    sent = liaison.fake.calls_to("chat.postMessage", channel=ENGINEER)[-1]
    assert sent.team_id == SECOND and sent.response["ok"]


def test_a_requests_messages_for_a_workspace_that_left_are_held_in_order_without_an_attempt(
    liaison: Liaison, db: Inspector, second: SlackClientSim
) -> None:
    card = file_request(liaison, db, slack=second, title="Globex's export")
    _leave(liaison, second, "app_uninstalled")
    with Session(liaison.runtime.engine) as session, session.begin():
        request = session.get_one(Request, card.request_id)
        for error in ("first", "second"):
            outbox.enqueue_message(
                session,
                workspace_id=request.workspace_id,
                template=outbox.DELIVERY_FAILED,
                request=request,
                channel=ENGINEER,
                payload={"failed_kind": "card", "destination": INTAKE_CHANNEL, "error": error},
                now=liaison.clock(),
            )
    calls = len(liaison.fake.calls)
    report = liaison.runtime.outbox.send_request(card.request_id)
    # The first is held (no attempt counted); the one queued after it waits behind it.
    assert (report.held, report.sent, report.retrying, report.failed) == (1, 0, 0, [])
    pending = db.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.request_id == card.request_id, OutboxMessage.status == "pending")
        .order_by(OutboxMessage.id)
    ).all()
    assert len(pending) == 2 and [m.attempts for m in pending] == [0, 0]
    assert "not installed" in (pending[0].last_error or "") and pending[1].last_error is None
    assert current(db, card).outbox_lease_until is None  # given back with the hold
    assert len(liaison.fake.calls) == calls
    # Looked at again after an hour, not before.
    liaison.clock.advance(minutes=59)
    assert liaison.runtime.outbox.send_due().held == 0
    liaison.clock.advance(minutes=2)
    assert liaison.runtime.outbox.send_due().held == 1


def test_a_view_from_another_workspace_naming_a_request_of_this_one_is_refused(
    liaison: Liaison, db: Inspector, second: SlackClientSim
) -> None:
    # The app_installed_team_id of a replayed view is the other workspace's.
    assert install(liaison, TEAM_ID).status_code == 200
    card = file_request(liaison, db, title="Acme's export")
    view = {
        "id": "V0FORGED",
        "team_id": SECOND,
        "app_installed_team_id": SECOND,
        "type": "modal",
        "callback_id": "decline_request",
        "private_metadata": json.dumps({"request_id": card.request_id}),
        "blocks": [],
    }
    response = second.view_submission(view, ENGINEER, {})
    assert response.status_code == 200
    liaison.settle()
    assert current(db, card).decline_pending_by is None


def test_check_config_online_asks_each_installed_workspace(
    liaison: Liaison,
    second: SlackClientSim,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "liaison.toml"
    config.write_text(DEFAULT_CONFIG)
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    for name, value in {
        "DATABASE_URL": database_url,
        "LIAISON_CONFIG": str(config),
        "SLACK_CLIENT_ID": liaison.fake.client_id,
        "SLACK_CLIENT_SECRET": liaison.fake.client_secret,
        "SLACK_SIGNING_SECRET": "secret",
        "SLACK_API_URL": liaison.fake.base_url,
    }.items():
        monkeypatch.setenv(name, value)
    calls = len(liaison.fake.calls)
    main(["check-config", "--online"])
    output = capsys.readouterr()
    assert "workspace T0002" in output.out + output.err
    asked = {c.team_id for c in liaison.fake.calls[calls:]}
    assert asked == {SECOND}


@pytest.fixture
def every_log(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Everything logged at DEBUG and above (set before the app is built; see
    tests/test_log_secrets.py)."""
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")
    caplog.set_level(logging.DEBUG)
    return caplog


def test_no_log_line_holds_the_client_secret_a_token_a_code_or_a_state(
    every_log: pytest.LogCaptureFixture, liaison: Liaison, db: Inspector
) -> None:
    liaison.fake.add_team(SECOND, domain="globex")
    browser = Browser(liaison)
    link = authorize_link(browser.get("/slack/install"))
    state = browser.cookies["slack-app-oauth-state"]
    redirect = liaison.fake.approve_install(link, team_id=SECOND, user_id="UINSTALLER")
    assert browser.get("/slack/oauth_redirect", code=redirect["code"], state="forged").is_error
    browser.cookies["slack-app-oauth-state"] = state  # the failure page took it away
    assert browser.get("/slack/oauth_redirect", **redirect).status_code == 200
    browser.close()
    token = liaison.fake.team(SECOND).token
    assert token is not None
    set_up_workspace(liaison, SECOND)
    with slack_of(liaison, SECOND, "globex") as slack:
        file_request(liaison, db, slack=slack, title="Globex's export")
        _leave(liaison, slack, "app_uninstalled")
    lines = [
        every_log.handler.format(record)
        for record in every_log.records
        if not record.name.startswith(("httpx", "httpcore"))  # the test's browser, not Liaison
    ]
    forbidden = [liaison.fake.client_secret, token, redirect["code"], state]
    found = {word: line for line in lines for word in forbidden if word in line}
    assert not found, "\n\n".join(f"{word!r} in: {line[:500]}" for word, line in found.items())
