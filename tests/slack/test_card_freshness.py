"""A card is drawn from the request as it stands: a change committed while the outbox is
reading what to send still reaches Slack, however the reads interleave."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from bot.domain.lifecycle import Surface
from bot.slack.blocks.card import card_for
from bot.slack.listeners.operations import apply, by_id
from tests.conftest import ENGINEER, TEAM_ID, Liaison
from tests.slack.helpers import current, file_request


def test_a_change_committed_while_the_card_is_read_is_on_the_card(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    runtime = liaison.runtime

    def change(operate: Any) -> None:
        assert apply(runtime, by_id(card.request_id, TEAM_ID), operate, deliver=False) is not None

    change(lambda wf, r: wf.claim(r, ENGINEER, Surface.REACTION))  # a refresh waits in the outbox
    estimated = []

    def estimate_meanwhile(conn, cursor, statement, parameters, context, executemany) -> None:
        # Just before the outbox reads the card refreshes it will send, someone estimates.
        reads_effects = "FROM outbox" in statement and "outbox.request_id = " in statement
        if not estimated and reads_effects and statement.startswith("SELECT"):
            estimated.append(True)
            change(lambda wf, r: wf.estimate(r, ENGINEER, 3, Surface.REACTION))

    event.listen(runtime.engine, "before_cursor_execute", estimate_meanwhile)
    try:
        runtime.outbox.send_request(card.request_id)
    finally:
        event.remove(runtime.engine, "before_cursor_execute", estimate_meanwhile)
    assert estimated
    request = current(db, card)
    assert request.estimate_days == 3
    shown = liaison.fake.message(card.channel, card.ts)
    expected = card_for(request, runtime.config_for(TEAM_ID))
    assert (shown["text"], shown["blocks"]) == (expected["text"], expected["blocks"])
