"""The setup's pure pieces: problems put on the modal's fields, and department keys from names."""

from __future__ import annotations

from bot.config import Problem
from bot.slack.blocks.setup_modals import step_errors
from bot.slack.listeners.setup import _free_key


def test_each_problem_goes_on_its_field_and_the_rest_on_the_first() -> None:
    problems = [
        Problem(("departments", 1, "timezone"), "[[departments]] #2 → timezone", "unknown zone"),
        Problem(("departments", 1, "business_hours"), "[[departments]] #2 → hours", "bad hours"),
        Problem(("departments", 1, "members", 0), "[[departments]] #2 → members #1", "not an id"),
        Problem(("departments", 0, "name"), "[[departments]] #1 → name", "must not be empty"),
    ]
    assert step_errors("doing", problems, 1) == {
        "timezone": "unknown zone",
        "closes": "bad hours",
        "members": "not an id",
        "name": "[[departments]] #1 → name: must not be empty",
    }
    long = Problem((), "", "x" * 400)
    assert len(step_errors("digest", [long], 0)["channel"]) <= 150


def test_a_key_is_made_from_the_name_and_never_reused() -> None:
    assert _free_key("Customer Success", set(), "asking") == "customer-success"
    assert _free_key("Sales", {"sales", "sales-2"}, "asking") == "sales-3"
    assert _free_key("Ingeniería ✨", set(), "doing") == "ingenier-a"
    assert _free_key("✨", set(), "doing") == "doing"
