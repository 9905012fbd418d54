"""Handling a reaction costs the same number of SQL statements however many requests exist."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event

from bot.db.session import make_session_factory, transaction
from bot.domain import requests
from bot.domain.lifecycle import Surface
from bot.domain.requests import RequestDraft
from tests.conftest import ENGINEER, SALES_REP, Liaison
from tests.slack.helpers import file_request, react


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []
    lock = threading.Lock()

    def count(conn, cursor, statement, parameters, context, executemany) -> None:
        with lock:
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def more_requests(liaison: Liaison, count: int) -> None:
    with transaction(make_session_factory(liaison.runtime.engine)) as session:
        workspace = requests.ensure_workspace(session, team_id="T0001", now=liaison.clock())
        for i in range(count):
            requests.file_request(
                session,
                workspace=workspace,
                requester_id=SALES_REP,
                requesting_department="sales",
                draft=RequestDraft(title=f"Other {i}", fulfilling_department="eng"),
                surface=Surface.MODAL,
                now=liaison.clock(),
            )


def statements_for_a_claim_and_estimate(liaison: Liaison, db) -> int:
    card = file_request(liaison, db)
    with counting(liaison.runtime.engine) as statements:
        react(liaison, card, ENGINEER, "raising_hand")
        react(liaison, card, ENGINEER, "three")
    return len(statements)


def test_statements_per_reaction_do_not_grow_with_the_database(liaison: Liaison, db) -> None:
    few = statements_for_a_claim_and_estimate(liaison, db)
    more_requests(liaison, 60)
    many = statements_for_a_claim_and_estimate(liaison, db)
    assert few == many, f"{few} statements with few requests, {many} with many"
