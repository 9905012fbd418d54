"""Reading a typed estimate: whole or half working days, 0.5 to 250."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.estimates import InvalidEstimate, parse_estimate_days, whole_or_half


@pytest.mark.parametrize(
    ("typed", "days"),
    [("1", 1.0), ("15", 15.0), (" 2.5 ", 2.5), ("2,5", 2.5), ("0.5", 0.5), ("250", 250.0)],
)
def test_whole_and_half_days_are_estimates(typed: str, days: float) -> None:
    assert parse_estimate_days(typed) == days


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        ("0", "0.5 to 250"),
        ("251", "0.5 to 250"),
        ("250.5", "0.5 to 250"),
        ("1.3", "whole or half"),
        ("2.50", "at most one decimal"),
        ("abc", "a number"),
        ("²", "a number"),
        ("٣", "a number"),
        ("-1", "a number"),
        ("1e2", "a number"),
        ("nan", "a number"),
        ("", "a number"),
    ],
)
def test_anything_else_says_why_not(typed: str, why: str) -> None:
    with pytest.raises(InvalidEstimate, match=why):
        parse_estimate_days(typed)


@given(st.text(max_size=12))
def test_any_text_is_an_estimate_in_range_or_refused(typed: str) -> None:
    try:
        days = parse_estimate_days(typed)
    except InvalidEstimate:
        return
    assert 0.5 <= days <= 250 and (days * 2).is_integer()


def test_whole_days_read_without_a_decimal() -> None:
    assert str(whole_or_half(15.0)) == "15"
    assert str(whole_or_half(2.5)) == "2.5"
