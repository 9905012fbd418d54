"""Reading whole numbers from what people and Slack send: strictly, and within bounds.

Python's own tests are too generous for input nobody vetted: `"²".isdigit()` is true and
`int("²")` raises, `int("٣")` is 3, and `int()` of a few thousand digits raises (or, below
that limit, makes a number no column can hold). Every number read from a payload goes
through `whole_number`.
"""

from __future__ import annotations

import re

# The largest id an INTEGER column holds on every database we run on.
MAX_ID = 2**31 - 1

_DIGITS = re.compile(r"[0-9]{1,10}", re.ASCII)


def whole_number(value: object, *, low: int = 1, high: int = MAX_ID) -> int | None:
    """`value` as an int when it is ASCII digits (or a JSON integer, not a boolean) between
    `low` and `high`; None for anything else: signs, spaces, fractions, other scripts' digits,
    superscripts, and numbers too long to be meant."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _DIGITS.fullmatch(value):
        number = int(value)
    else:
        return None
    return number if low <= number <= high else None
