"""`liaison workspace purge TEAM_ID --yes`: everything kept about a workspace that left is
deleted, and nothing of any other workspace."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.cli import main
from bot.db import slack_tables
from bot.db.base import Base
from bot.domain.models import InboxEvent, Request, UsergroupRead, Workspace
from bot.jobs.usergroups import refresh_usergroups
from tests.conftest import ENGINEER, TEAM_ID, Inspector, Liaison
from tests.fakes.signer import SlackClientSim
from tests.slack.helpers import click, events_of, file_request
from tests.slack.multi import install, slack_of

GLOBEX = "T0002"


@pytest.fixture
def oauth_mode() -> bool:
    return True


@pytest.fixture
def globex(liaison: Liaison) -> Iterator[SlackClientSim]:
    liaison.fake.add_team(GLOBEX, domain="globex")
    assert install(liaison, TEAM_ID).status_code == 200
    assert install(liaison, GLOBEX).status_code == 200
    with slack_of(liaison, GLOBEX, "globex") as slack:
        yield slack


@pytest.fixture
def command_line(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Iterator[None]:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.setenv("DATABASE_URL", database_url)
    yield


def rows_of(db: Inspector) -> dict[str, int]:
    return {
        table.name: db.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def test_purging_a_workspace_deletes_all_of_it_and_nothing_else(
    liaison: Liaison,
    db: Inspector,
    globex: SlackClientSim,
    command_line: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    theirs = file_request(liaison, db, slack=globex, title="Globex's export")
    click(liaison, theirs, ENGINEER, "card_claim", value=str(theirs.request_id))
    refresh_usergroups(liaison.runtime)
    liaison.fake.uninstall(GLOBEX)
    assert globex.event({"type": "app_uninstalled"}).status_code == 200
    liaison.settle()
    liaison.runtime.inbox.store(
        {"type": "event_callback", "team_id": GLOBEX, "event_id": "EvLEFTOVER", "event": {}}
    )
    globex_id = db.scalar(select(Workspace.id).where(Workspace.team_id == GLOBEX))
    mine = file_request(liaison, db, title="Acme's export")
    with_acme = rows_of(db)
    assert db.scalar(select(func.count()).select_from(Request)) == 2

    assert main(["workspace", "purge", GLOBEX]) == 2  # without --yes: nothing happens
    out = capsys.readouterr().out
    assert "1 requests" in out and "--yes" in out
    assert rows_of(db) == with_acme

    assert main(["workspace", "purge", GLOBEX, "--yes"]) == 0
    assert "Deleted workspace T0002" in capsys.readouterr().out
    assert db.scalars(select(Workspace.team_id)).all() == [TEAM_ID]
    assert db.scalars(select(Request.id)).all() == [mine.request_id]
    assert db.scalars(select(UsergroupRead.team_id).distinct()).all() == [TEAM_ID]
    assert db.scalars(select(InboxEvent.event_id)).all() == []
    assert db.scalars(select(slack_tables.bots.c.team_id)).all() == [TEAM_ID]
    for table in Base.metadata.sorted_tables:
        for column, value in (
            ("workspace_id", globex_id),
            ("team_id", GLOBEX),
            ("request_id", theirs.request_id),
        ):
            if column in table.c:
                left = select(func.count()).select_from(table).where(table.c[column] == value)
                assert db.scalar(left) == 0, (table.name, column)
    # Acme's rows are all there.
    assert db.scalar(select(func.count()).select_from(Request)) == 1
    assert len(events_of(db, mine)) >= 1
