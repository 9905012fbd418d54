"""A signed payload from a workspace this installation does not serve finds nothing, changes
nothing and stores nothing: events are dropped quietly, people are told politely. Below that gate,
every lookup by request id or card is scoped to the payload's workspace."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from bot.db.base import Base
from bot.domain import filing
from bot.domain.lifecycle import Status, Surface
from bot.domain.models import Request
from bot.domain.requests import RequestDraft
from bot.domain.search import search
from bot.domain.workflow import find_by_card, lock_request
from bot.slack.ids import Card, Nudges
from tests.conftest import (
    ENG_LEAD,
    ENGINEER,
    SALES_REP,
    SIGNING_SECRET,
    TEAM_ID,
    Inspector,
    Liaison,
    workspace_with,
)
from tests.fakes.signer import JSON, SlackClientSim
from tests.slack.helpers import Card as CardRef
from tests.slack.helpers import current, file_request

OTHER_TEAM = "T0OTHER"


@pytest.fixture
def outsider(liaison: Liaison) -> Iterator[SlackClientSim]:
    """Slack, signing payloads of another workspace with this app's secret."""
    with SlackClientSim(
        liaison.url,
        SIGNING_SECRET,
        team_id=OTHER_TEAM,
        team_domain="elsewhere",
        response_url_base=liaison.fake.root_url,
    ) as client:
        yield client


def row_counts(db: Inspector) -> dict[str, int]:
    return {
        table.name: db.scalar(select(func.count()).select_from(table))
        for table in Base.metadata.sorted_tables
    }


def test_events_from_another_workspace_are_dropped_unstored(
    liaison: Liaison, db, outsider: SlackClientSim
) -> None:
    card = file_request(liaison, db)
    before = row_counts(db)
    calls = len(liaison.fake.calls)
    for reaction in ("raising_hand", "three", "white_check_mark", "no_entry_sign"):
        assert outsider.reaction(ENGINEER, reaction, card.channel, card.ts).status_code == 200
    reply = {"type": "message", "channel": card.channel, "user": SALES_REP, "text": "hi"}
    reply |= {"ts": "1800000000.000001", "thread_ts": card.ts}
    assert outsider.event(reply).status_code == 200
    # Delivered for this installation, but naming another team as the event's own.
    envelope = {
        "type": "event_callback",
        "team_id": OTHER_TEAM,
        "api_app_id": "A0001",
        "event_id": "EvMIXEDTEAMS",
        "event_time": 1764600000,
        "authorizations": [{"team_id": TEAM_ID, "user_id": "UBOT", "is_bot": True}],
        "event": {
            "type": "reaction_added",
            "user": ENGINEER,
            "reaction": "raising_hand",
            "item": {"type": "message", "channel": card.channel, "ts": card.ts},
        },
    }
    assert liaison.slack.post(json.dumps(envelope), JSON).status_code == 200
    liaison.settle()
    assert current(db, card).status is Status.NEW and current(db, card).claimer_id is None
    assert row_counts(db) == before
    assert liaison.fake.calls[calls:] == []


@pytest.mark.parametrize(
    ("action_id", "extra"),
    [
        (Card.claim, {}),
        (Card.deliver, {}),
        (Card.decline, {}),
        (Card.estimate, {"selected_option_value": "{id}:3"}),
        (Nudges.snooze, {"selected_option_value": "{id}:unclaimed:3"}),
    ],
)
def test_buttons_from_another_workspace_are_refused_politely(
    liaison: Liaison, db, outsider: SlackClientSim, action_id: str, extra: dict[str, str]
) -> None:
    card = file_request(liaison, db)
    before = row_counts(db)
    calls = len(liaison.fake.calls)
    options = {key: value.format(id=card.request_id) for key, value in extra.items()}
    response = outsider.block_action(
        ENGINEER, action_id, value=str(card.request_id), channel_id=card.channel, **options
    )
    assert response.status_code == 200
    liaison.settle()
    assert current(db, card).status is Status.NEW
    assert row_counts(db) == before
    answers = liaison.fake.wait_for("response_url")
    assert "isn't set up for this Slack workspace" in answers[-1].params["text"]
    assert OTHER_TEAM in answers[-1].headers["path"]
    assert [c.method for c in liaison.fake.calls[calls:]] == ["response_url"]


@pytest.mark.parametrize("text", ["status REQ-1", "list", "cancel REQ-1", "", "New idea"])
def test_commands_from_another_workspace_read_and_write_nothing(
    liaison: Liaison, db, outsider: SlackClientSim, text: str
) -> None:
    file_request(liaison, db, title="Pricing for ACME renewal")
    before = row_counts(db)
    calls = len(liaison.fake.calls)
    response = outsider.command(ENG_LEAD, text)
    assert response.status_code == 200
    liaison.settle()
    answer = response.json()
    assert "isn't set up for this Slack workspace" in answer["text"]
    assert "Pricing" not in json.dumps(answer)
    assert row_counts(db) == before
    assert liaison.fake.calls[calls:] == []  # not even a modal


def test_a_form_from_another_workspace_files_nothing(
    liaison: Liaison, db, outsider: SlackClientSim
) -> None:
    liaison.slack.command(SALES_REP, "")
    view = liaison.fake.wait_for("views.open")[-1].response["view"]
    before = row_counts(db)
    response = outsider.view_submission(view, SALES_REP, {"title": "Smuggled in"})
    assert response.status_code == 200
    assert response.json()["response_action"] == "update"
    assert "isn't set up" in json.dumps(response.json()["view"])
    liaison.settle()
    assert row_counts(db) == before


def _file(session: Session, team_id: str, config, now) -> Request:
    workspace = workspace_with(session, team_id=team_id, config=config, now=now)
    request = filing.file_request(
        session,
        workspace=workspace,
        requester_id=SALES_REP,
        requesting_department="sales",
        draft=RequestDraft(title="Scoped", fulfilling_department="eng"),
        surface=Surface.MODAL,
        now=now,
    )
    request.card_channel, request.card_ts = "CSHAREDINTAKE", "1700000000.000100"
    session.flush()
    return request


def test_lookups_by_id_and_card_are_scoped_to_the_workspace(engine: Engine, config, clock) -> None:
    with Session(engine) as session, session.begin():
        mine = _file(session, TEAM_ID, config, clock())
        card = CardRef(mine.id, mine.card_channel or "", mine.card_ts or "")
        assert lock_request(session, mine.id, team_id=TEAM_ID) is mine
        assert lock_request(session, mine.id, team_id=OTHER_TEAM) is None
        found = find_by_card(session, team_id=TEAM_ID, channel=card.channel, ts=card.ts)
        assert found is mine
        assert find_by_card(session, team_id=OTHER_TEAM, channel=card.channel, ts=card.ts) is None
        # The same card address in another workspace is that workspace's request.
        theirs = _file(session, OTHER_TEAM, config, clock())
        found = find_by_card(session, team_id=OTHER_TEAM, channel=card.channel, ts=card.ts)
        assert found is theirs


def test_a_stored_event_of_another_workspace_is_dropped_when_handled(liaison: Liaison, db) -> None:
    # Stored by a version that did not look at the team yet: handling it changes nothing (every
    # lookup is scoped to the payload's workspace); only its id is kept against a retry.
    card = file_request(liaison, db)
    body = {
        "type": "event_callback",
        "team_id": OTHER_TEAM,
        "api_app_id": "A0001",
        "event_id": "EvSTOREDELSEWHERE",
        "event_time": 1764600000,
        "authorizations": [{"team_id": OTHER_TEAM, "user_id": "UBOT", "is_bot": True}],
        "event": {
            "type": "reaction_added",
            "user": ENGINEER,
            "reaction": "raising_hand",
            "item": {"type": "message", "channel": card.channel, "ts": card.ts},
        },
    }
    before = row_counts(db)
    liaison.runtime.inbox.handle(liaison.runtime.inbox.store(body))
    assert current(db, card).status is Status.NEW
    after = row_counts(db)
    assert after.pop("processed_events") == before.pop("processed_events") + 1
    assert after == before  # and the stored event is gone


def test_a_search_finds_only_its_workspaces_requests(engine: Engine, config, clock) -> None:
    with Session(engine) as session, session.begin():
        mine = _file(session, TEAM_ID, config, clock())
        _file(session, OTHER_TEAM, config, clock())  # same number, title and requester
        for words in ("REQ-1", "scoped"):
            found = search(
                session,
                workspace_id=mine.workspace_id,
                user_id=SALES_REP,
                departments={"sales"},
                words=words,
            )
            assert found.items == [mine] and found.total == 1, words
