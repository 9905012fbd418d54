"""A card is drawn from the request as it stands: a change made while the outbox is reading what
to send still reaches Slack, however the reads interleave."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event

from bot.domain.lifecycle import Surface
from bot.slack.blocks.card import card_for
from bot.slack.listeners.operations import apply, by_id
from tests.conftest import ENGINEER, TEAM_ID, Liaison
from tests.slack.helpers import current, file_request


def test_a_change_made_while_the_card_is_read_is_on_the_card(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    runtime = liaison.runtime

    def change(operate: Any) -> None:
        assert apply(runtime, by_id(card.request_id, TEAM_ID), operate, deliver=False) is not None

    change(lambda wf, r: wf.claim(r, ENGINEER, Surface.REACTION))  # a refresh waits in the outbox
    meanwhile: list[threading.Thread] = []

    def estimate_meanwhile(conn, cursor, statement, parameters, context, executemany) -> None:
        # Just as the outbox reads the card refreshes it will send, someone estimates: the
        # change waits for the transaction that holds the request's lease, then commits.
        reads_effects = "FROM outbox" in statement and "outbox.request_id = " in statement
        if not meanwhile and reads_effects and statement.startswith("SELECT"):
            estimate = threading.Thread(
                target=change, args=(lambda wf, r: wf.estimate(r, ENGINEER, 3, Surface.REACTION),)
            )
            meanwhile.append(estimate)
            estimate.start()

    def estimated_before_the_next_transaction(*_: Any) -> None:
        # The outbox's next transaction (the card sent) starts once the estimate is committed.
        if meanwhile and meanwhile[0] is not threading.current_thread():
            meanwhile[0].join(timeout=30)

    event.listen(runtime.engine, "before_cursor_execute", estimate_meanwhile)
    event.listen(runtime.engine.pool, "checkout", estimated_before_the_next_transaction)
    try:
        runtime.outbox.send_request(card.request_id)
    finally:
        event.remove(runtime.engine, "before_cursor_execute", estimate_meanwhile)
        event.remove(runtime.engine.pool, "checkout", estimated_before_the_next_transaction)
    assert meanwhile and not meanwhile[0].is_alive()
    request = current(db, card)
    assert request.estimate_days == 3
    shown = liaison.fake.message(card.channel, card.ts)
    expected = card_for(request, runtime.config_for(TEAM_ID))
    assert (shown["text"], shown["blocks"]) == (expected["text"], expected["blocks"])
