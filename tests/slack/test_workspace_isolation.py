"""Two workspaces on one deployment never see each other: a signed payload from Globex naming
Acme's request (by number, by id in a button's value, or in a form's private_metadata) finds
nothing of Acme's, changes nothing, and nothing is called with Acme's token."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from bot.domain.lifecycle import Status
from bot.slack.ids import AskModal, Card, DeclineModal, EstimateModal, Negotiation, Nudges
from bot.slack.ids import Requester as RequesterIds
from tests.conftest import ENG_LEAD, ENGINEER, INTAKE_CHANNEL, SALES_REP, TEAM_ID, Liaison
from tests.fakes.signer import SlackClientSim
from tests.slack.helpers import Card as CardRef
from tests.slack.helpers import click, current, events_of, file_request, opened_view
from tests.slack.multi import install, slack_of

GLOBEX = "T0002"
SECRET_TITLE = "Acme's confidential renewal"


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
def acme_card(liaison: Liaison, db, globex: SlackClientSim) -> CardRef:
    return file_request(liaison, db, title=SECRET_TITLE)


def untouched(liaison: Liaison, db, card: CardRef, calls_before: int) -> None:
    request = current(db, card)
    assert request.status is Status.NEW and request.claimer_id is None
    assert request.decline_pending_by is None
    assert [e.kind for e in events_of(db, card)] == ["created"]
    acme_token = f"Bearer {liaison.fake.team(TEAM_ID).token}"
    later = liaison.fake.calls[calls_before:]
    assert [c.method for c in later if c.headers.get("authorization") == acme_token] == []
    assert SECRET_TITLE not in json.dumps([c.params for c in later])


@pytest.mark.parametrize("text", ["status REQ-1", "cancel REQ-1", "list", "REQ-1"])
def test_commands_naming_another_workspaces_number(
    liaison: Liaison, db, globex: SlackClientSim, acme_card: CardRef, text: str
) -> None:
    calls = len(liaison.fake.calls)
    response = globex.command(SALES_REP, text)
    assert response.status_code == 200
    liaison.settle()
    assert SECRET_TITLE not in response.text
    untouched(liaison, db, acme_card, calls)


@pytest.mark.parametrize(
    ("user", "action_id", "extra"),
    [
        (ENGINEER, Card.claim, {}),
        (ENGINEER, Card.deliver, {}),
        (ENGINEER, Card.decline, {}),
        (ENGINEER, Card.ask, {}),
        (ENG_LEAD, Card.edit, {}),
        (ENGINEER, Card.estimate, {"selected_option_value": "{id}:3"}),
        (ENGINEER, Card.estimate, {"selected_option_value": "{id}:other"}),
        (ENGINEER, Nudges.snooze, {"selected_option_value": "{id}:unclaimed:3"}),
        (SALES_REP, RequesterIds.cancel, {}),
        (SALES_REP, RequesterIds.edit, {}),
        (SALES_REP, Negotiation.escalate, {}),
        (SALES_REP, Negotiation.accept, {}),
    ],
)
def test_buttons_naming_another_workspaces_request(
    liaison: Liaison,
    db,
    globex: SlackClientSim,
    acme_card: CardRef,
    user: str,
    action_id: str,
    extra: dict[str, str],
) -> None:
    calls = len(liaison.fake.calls)
    options = {key: value.format(id=acme_card.request_id) for key, value in extra.items()}
    response = globex.block_action(
        user, action_id, value=str(acme_card.request_id), channel_id=INTAKE_CHANNEL, **options
    )
    assert response.status_code == 200
    liaison.settle()
    assert SECRET_TITLE not in response.text
    untouched(liaison, db, acme_card, calls)


@pytest.mark.parametrize(
    ("opener", "callback", "values"),
    [
        ({"action_id": Card.decline}, DeclineModal.callback, {DeclineModal.reason: "Not ours."}),
        ({"action_id": Card.ask}, AskModal.callback, {AskModal.question: "Which format?"}),
        (
            {"action_id": Card.estimate, "selected_option_value": "{id}:other"},
            EstimateModal.callback,
            {EstimateModal.days: "3"},
        ),
    ],
)
def test_forms_naming_another_workspaces_request(
    liaison: Liaison,
    db,
    globex: SlackClientSim,
    acme_card: CardRef,
    opener: dict[str, str],
    callback: str,
    values: dict[str, str],
) -> None:
    # The form as Acme's engineer opened it, replayed from Globex as if Globex's Slack had
    # opened it (its team fields Globex's, its private_metadata naming Acme's request).
    opened = {key: value.format(id=acme_card.request_id) for key, value in opener.items()}
    action_id = opened.pop("action_id")
    click(liaison, acme_card, ENGINEER, action_id, value=str(acme_card.request_id), **opened)
    view = opened_view(liaison, callback)
    assert str(acme_card.request_id) in view["private_metadata"]
    forged = {**view, "team_id": GLOBEX, "app_installed_team_id": GLOBEX}
    calls = len(liaison.fake.calls)
    response = globex.view_submission(forged, ENGINEER, values)
    assert response.status_code == 200
    liaison.settle()
    assert SECRET_TITLE not in response.text
    untouched(liaison, db, acme_card, calls)


def test_the_same_form_from_acme_does_act(liaison: Liaison, db, acme_card: CardRef) -> None:
    # The control for the test above: Acme's own submission of the form is acted on.
    click(liaison, acme_card, ENGINEER, Card.decline, value=str(acme_card.request_id))
    view = opened_view(liaison, DeclineModal.callback)
    response = liaison.slack.view_submission(view, ENGINEER, {DeclineModal.reason: "Not ours."})
    assert response.status_code == 200
    liaison.settle()
    assert current(db, acme_card).status is Status.DECLINED
