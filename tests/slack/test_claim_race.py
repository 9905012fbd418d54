"""Two engineers claiming at the same instant: the database picks exactly one."""

from __future__ import annotations

import threading

import httpx
from sqlalchemy import func, select

from bot.domain.models import RequestEvent
from tests.conftest import ENGINEER, ENGINEER_2, Liaison
from tests.slack.helpers import Card, current, ephemerals_to, file_request


def claim_at_once(liaison: Liaison, card: Card, users: tuple[str, ...]) -> list[httpx.Response]:
    start = threading.Barrier(len(users))
    answers: list[httpx.Response] = []

    def claim(user: str) -> None:
        start.wait()
        answers.append(liaison.slack.reaction(user, "raising_hand", card.channel, card.ts))

    threads = [threading.Thread(target=claim, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    liaison.settle()
    return answers


def test_simultaneous_claims_have_exactly_one_winner(liaison: Liaison, db) -> None:
    for _ in range(5):  # several rounds, so a lucky ordering cannot hide a race
        card = file_request(liaison, db)
        answers = claim_at_once(liaison, card, (ENGINEER, ENGINEER_2))
        assert [a.status_code for a in answers] == [200, 200]

        winner = current(db, card).claimer_id
        loser = ENGINEER_2 if winner == ENGINEER else ENGINEER
        assert winner in (ENGINEER, ENGINEER_2)
        claims = db.scalar(
            select(func.count())
            .select_from(RequestEvent)
            .where(RequestEvent.request_id == card.request_id, RequestEvent.kind == "claimed")
        )
        assert claims == 1
        assert any(f"<@{winner}> has already claimed" in t for t in ephemerals_to(liaison, loser))
        liaison.fake.reset()
