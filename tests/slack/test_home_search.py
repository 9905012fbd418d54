"""Searching from the Home tab: the modal finds requests by number, words, client or person,
and only among those the searcher may see."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.domain.lifecycle import Status
from bot.domain.models import Request
from tests.conftest import (
    ENG_LEAD,
    ENGINEER,
    SALES_LEAD,
    SALES_REP,
    SALES_REP_2,
    STRANGER,
    Inspector,
    Liaison,
)
from tests.fakes.slack.blockkit import view_errors
from tests.slack.helpers import Card, current, file_request, opened_view, react
from tests.slack.test_home import open_home


def open_search(liaison: Liaison, user: str) -> dict[str, Any]:
    """Click *Search requests* on `user`'s Home tab; the modal Slack opened."""
    home = open_home(liaison, user)
    before = len(
        liaison.fake.calls_to("views.open", view=lambda v: v.get("callback_id") == "home_search")
    )
    response = liaison.slack.block_action(user, "home_search", view=home)
    assert response.status_code == 200
    return opened_view(liaison, "home_search", count=before + 1)


def search(
    liaison: Liaison, user: str, words: str | None = None, person: str | None = None
) -> dict[str, Any]:
    """Search as `user`; the answer Slack would show in place of the modal."""
    values: dict[str, object] = {"words": words, "person": person}
    response = liaison.slack.view_submission(open_search(liaison, user), user, values)
    assert response.status_code == 200, response.text
    return response.json()


def found(answer: dict[str, Any]) -> list[str]:
    """The texts listed under the search fields of an updated modal."""
    assert answer["response_action"] == "update", answer
    view = answer["view"]
    assert view_errors(view) == [] and len(view["blocks"]) <= 100
    texts = []
    for block in view["blocks"][3:]:  # the two inputs and the divider
        if block["type"] == "section":
            texts.append(block["text"]["text"])
        elif block["type"] == "context":
            texts.extend(e["text"] for e in block["elements"])
    return texts


def _three(liaison: Liaison, db: Inspector) -> None:
    file_request(liaison, db, title="Export invoices as CSV", client="Acme Corp")
    file_request(
        liaison, db, title="Faster login", details="The SSO page is slow", client="Initech"
    )
    file_request(liaison, db, SALES_REP_2, title="Discount of 100% for Globex", client="Globex")


def test_search_by_number(liaison: Liaison, db: Inspector) -> None:
    _three(liaison, db)
    for typed in ("REQ-2", "2", "req2"):
        [line] = found(search(liaison, SALES_REP, typed))
        assert "*REQ-2*" in line and "Faster login" in line, typed


def test_search_by_words_of_title_or_details_newest_first(liaison: Liaison, db: Inspector) -> None:
    _three(liaison, db)
    [line] = found(search(liaison, SALES_LEAD, "sso SLOW"))
    assert "REQ-2" in line
    lines = found(search(liaison, SALES_LEAD, "o"))
    assert [line.split("*")[1] for line in lines] == ["REQ-3", "REQ-2", "REQ-1"]


def test_search_by_client(liaison: Liaison, db: Inspector) -> None:
    _three(liaison, db)
    [line] = found(search(liaison, ENG_LEAD, "acme"))
    assert "REQ-1" in line and "for Acme Corp" in line


def test_search_by_person_who_filed_or_claimed(liaison: Liaison, db: Inspector) -> None:
    _three(liaison, db)
    [line] = found(search(liaison, SALES_LEAD, person=SALES_REP_2))
    assert "REQ-3" in line
    nothing = ["No request you can see matches."]
    assert found(search(liaison, SALES_LEAD, person=ENGINEER)) == nothing
    react(liaison, _card(db, 2), ENGINEER, "raising_hand")
    [line] = found(search(liaison, SALES_LEAD, person=ENGINEER))
    assert "REQ-2" in line and f"claimed by <@{ENGINEER}>" in line
    [line] = found(search(liaison, SALES_LEAD, "login", person=ENGINEER))  # both must match
    assert found(search(liaison, SALES_LEAD, "acme", person=ENGINEER)) == nothing


def _card(db: Inspector, number: int) -> Card:
    request = db.scalars(select(Request).where(Request.number == number)).one()
    return Card(request.id, request.card_channel or "", request.card_ts or "")


def test_percent_and_underscore_are_typed_literally(liaison: Liaison, db: Inspector) -> None:
    _three(liaison, db)
    [line] = found(search(liaison, SALES_LEAD, "100%"))
    assert "REQ-3" in line
    assert found(search(liaison, SALES_LEAD, "%")) == found(search(liaison, SALES_LEAD, "100%"))
    assert found(search(liaison, SALES_LEAD, "_")) == ["No request you can see matches."]


def test_a_stranger_finds_nothing_and_learns_nothing(liaison: Liaison, db: Inspector) -> None:
    _three(liaison, db)
    nothing = ["No request you can see matches."]
    assert found(search(liaison, STRANGER, "REQ-1")) == nothing
    assert found(search(liaison, STRANGER, "login")) == nothing
    assert found(search(liaison, STRANGER, person=SALES_REP)) == nothing
    assert found(search(liaison, STRANGER, "REQ-99")) == nothing  # the same words either way


def test_an_empty_search_asks_for_something(liaison: Liaison, db: Inspector) -> None:
    answer = search(liaison, SALES_REP)
    assert answer["response_action"] == "errors" and "words" in answer["errors"]


def test_at_most_twenty_results_and_how_many_more(liaison: Liaison, db: Inspector) -> None:
    template = current(db, file_request(liaison, db, title="Report 1"))
    with Session(liaison.runtime.engine) as session, session.begin():
        for number in range(2, 24):
            session.add(
                Request(
                    workspace_id=template.workspace_id,
                    number=number,
                    title=f"Report {number}",
                    requester_id=SALES_REP,
                    requesting_department_id=template.requesting_department_id,
                    fulfilling_department_id=template.fulfilling_department_id,
                    status=Status.NEW,
                    created_at=liaison.clock(),
                    updated_at=liaison.clock(),
                )
            )
    lines = found(search(liaison, SALES_REP, "report"))
    assert len(lines) == 21 and "REQ-23" in lines[0] and lines[-1].startswith("and 3 more")
