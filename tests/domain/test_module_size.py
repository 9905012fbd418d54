"""The domain stays in modules of one purpose: when one grows past a few hundred lines, it is
time to split it by feature, as the workflow is."""

from __future__ import annotations

from pathlib import Path

import bot.domain

DOMAIN = Path(bot.domain.__file__).parent
# About 400 lines, with room for the largest module today (the nudge rules) to be fixed.
MAX_LINES = 450


def test_every_domain_module_stays_small() -> None:
    sizes = {
        path.relative_to(DOMAIN).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for path in DOMAIN.rglob("*.py")
    }

    assert "workflow/context.py" in sizes  # the walk reaches packages too
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}
