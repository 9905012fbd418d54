"""Whole numbers read from payloads: ASCII digits within bounds, nothing else."""

from __future__ import annotations

import pytest

from bot.domain.numbers import MAX_ID, whole_number


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), ("007", 7), (str(MAX_ID), MAX_ID), (12, 12), ("2147483647", MAX_ID)],
)
def test_plain_numbers_are_read(value: object, expected: int) -> None:
    assert whole_number(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "²",
        "٣",
        "１",
        "9" * 5000,
        str(10**30),
        10**30,
        str(MAX_ID + 1),
        "0",
        0,
        "-1",
        -1,
        "+1",
        " 1",
        "1 ",
        "1.5",
        1.5,
        "1e3",
        "0x1",
        "1_000",
        "",
        None,
        True,
        False,
        [1],
        {"1": 1},
    ],
)
def test_anything_else_is_none(value: object) -> None:
    assert whole_number(value) is None


def test_bounds_are_the_callers() -> None:
    assert whole_number("0", low=0) == 0
    assert whole_number("8", high=7) is None
    assert whole_number("7", high=7) == 7
