"""The DM's Block Kit builders, as pure functions."""

from __future__ import annotations

import json

from bot.slack.blocks.common import actions, button, section
from bot.slack.blocks.dm import ORIGIN_JSON, decision_actions, origin, settled, settled_prompt

PROMPT = [
    section("REQ-1 is at risk."),
    actions(
        "negotiation_actions",
        button("Accept", "negotiation_accept", "1"),
        button("Cut scope", "negotiation_cut_scope", "1"),
        button("Escalate", "negotiation_escalate", "1"),
    ),
]


def test_a_settled_prompt_shows_the_outcome_instead_of_its_buttons() -> None:
    blocks = settled(PROMPT, block_id="negotiation_actions", outcome="Agreed.")

    assert blocks[0] == PROMPT[0]
    assert [b["type"] for b in blocks] == ["section", "context"]
    assert "Agreed." in blocks[1]["elements"][0]["text"]


def test_buttons_that_still_make_sense_stay() -> None:
    blocks = settled(
        PROMPT,
        block_id="negotiation_actions",
        outcome="Escalated.",
        keep={"negotiation_accept", "negotiation_cut_scope"},
    )

    assert [b["type"] for b in blocks] == ["section", "context", "actions"]
    assert [e["action_id"] for e in blocks[2]["elements"]] == [
        "negotiation_accept",
        "negotiation_cut_scope",
    ]


def test_other_blocks_of_a_message_listing_several_requests_are_left_alone() -> None:
    listing = [*PROMPT, actions("nudge_decision:2:negotiation", button("Accept", "a", "2"))]

    blocks = settled(listing, block_id="nudge_decision:2:negotiation", outcome="Agreed.")

    assert blocks[:2] == PROMPT and blocks[2]["type"] == "context"


def test_the_origin_kept_for_a_modal_fits_its_private_metadata() -> None:
    for prompt in ("short", "a" * 10_000, "😀" * 3000, "&lt;" * 2000):
        kept = origin("D1", "1.2", prompt)
        assert len(json.dumps(kept)) < 3000 - 100
        assert len(json.dumps(kept["text"])) <= ORIGIN_JSON
        assert prompt.startswith(kept["text"].rstrip("…")[:10])
        assert "&l…" not in kept["text"]


def test_a_prompt_settled_through_a_modal_keeps_its_words() -> None:
    blocks = settled_prompt("REQ-1 is at risk.", "REQ-1 is updated.")

    assert blocks[0] == section("REQ-1 is at risk.")
    assert "REQ-1 is updated." in str(blocks[1])


def test_only_the_requesters_waiting_decisions_get_buttons_in_a_reminder() -> None:
    answer = decision_actions({"kind": "needs_info", "request_id": 7})
    decide = decision_actions({"kind": "negotiation", "request_id": 7})

    assert answer is not None and [e["action_id"] for e in answer["elements"]] == [
        "requester_answer"
    ]
    assert decide is not None and len(decide["elements"]) == 3
    assert decide["block_id"] == "nudge_decision:7:negotiation"
    assert decision_actions({"kind": "overdue_leads", "request_id": 7}) is None
