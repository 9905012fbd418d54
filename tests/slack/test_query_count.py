"""Handling a reaction costs the same number of SQL statements however many requests exist."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, event

from bot.db.session import make_session_factory, transaction
from bot.domain import filing, requests
from bot.domain.lifecycle import Surface
from bot.domain.requests import RequestDraft
from bot.slack.sending.senders import home_publish
from tests.conftest import ENG_LEAD, ENGINEER, SALES_REP, Liaison
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
            filing.file_request(
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


def statements_for_a_home(liaison: Liaison, user: str) -> int:
    """The statements one publish of `user`'s Home costs, as the Home sender builds it."""
    with transaction(make_session_factory(liaison.runtime.engine)) as session:
        workspace = requests.ensure_workspace(session, team_id="T0001", now=liaison.clock())
    sessions = make_session_factory(liaison.runtime.engine)
    with counting(liaison.runtime.engine) as statements, transaction(sessions) as session:
        view = home_publish(
            session,
            liaison.runtime.config_for("T0001"),
            workspace_id=workspace.id,
            user_id=user,
            now=liaison.clock(),
        )["view"]
    assert len(view["blocks"]) <= 100
    return len(statements)


def test_statements_per_home_do_not_grow_with_the_database(liaison: Liaison, db) -> None:
    file_request(liaison, db)
    more_requests(liaison, 30)  # full sections: each is counted too
    few = {user: statements_for_a_home(liaison, user) for user in (SALES_REP, ENGINEER, ENG_LEAD)}
    more_requests(liaison, 90)
    many = {user: statements_for_a_home(liaison, user) for user in few}
    assert few == many
    assert max(many.values()) <= 10, many  # at most two for each section
