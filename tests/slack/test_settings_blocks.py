"""The Settings section's and history's builders: whatever the settings hold, Slack accepts the
Home tab and the modal, and nothing people typed pings anyone."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from bot.config import check_config
from bot.domain.home import SECTION_LIMIT, Home
from bot.domain.workspace_settings import AuditEntry, CurrentSettings
from bot.slack.blocks.home import MAX_HOME_BLOCKS, home_view
from bot.slack.blocks.settings import history_line, history_modal, settings_section
from bot.slack.permissions import SettingsAccess
from tests.fakes.slack.blockkit import view_errors
from tests.slack.test_home_blocks import NASTY, random_section

ADMIN = SettingsAccess(admin=True)


def crowded(departments: int = 60, digests: int = 30) -> CurrentSettings:
    """Settings with many departments, people and digests, named with hostile text."""
    rng = random.Random(departments)
    people = [f"U{n:06d}" for n in range(200)]
    document = {
        "organization": {"holidays": [f"2027-01-{d:02d}" for d in range(1, 29)]},
        "departments": [
            {
                "key": f"d{n}",
                "name": " ".join(rng.choice(NASTY) for _ in range(40)),
                "role": "both",
                "intake_channel": f"C{n:06d}",
                "members": people,
                "leads": people[:50],
                "usergroup": "S0123",
            }
            for n in range(departments)
        ],
        "digests": [
            {"channel": f"C{n:06d}", "departments": [f"d{m}" for m in range(departments)]}
            for n in range(digests)
        ],
    }
    config, problems = check_config(document, complete=False)
    assert config is not None, problems
    return CurrentSettings(config, document, "slack", None, 1)


def test_the_settings_section_fits_the_home_tab_whatever_the_settings() -> None:
    current = crowded()
    for access in (ADMIN, SettingsAccess(leads=frozenset(f"d{n}" for n in range(60)))):
        blocks = settings_section(current, access)
        view = {"type": "home", "blocks": blocks}
        assert view_errors(view) == [] and len(blocks) <= 30
        assert "<!here>" not in str(blocks) and "@channel" not in str(blocks).replace("@\u2060", "")
    rng = random.Random(7)
    numbers: list[int] = []
    home = Home(
        "U1",
        *(random_section(rng, numbers, SECTION_LIMIT) for _ in range(4)),
    )
    view = home_view(home, tail=settings_section(current, ADMIN))
    assert view_errors(view) == [] and len(view["blocks"]) <= MAX_HOME_BLOCKS
    assert view["blocks"][-len(settings_section(current, ADMIN)) :] == settings_section(
        current, ADMIN
    )


def test_nobody_else_gets_a_settings_section() -> None:
    assert settings_section(crowded(3, 1), SettingsAccess()) == []


def test_history_lines_escape_what_people_typed() -> None:
    when = datetime(2026, 12, 1, 15, tzinfo=UTC)
    before = [{"key": "eng", "name": "Eng"}]
    after = [{"key": "eng", "name": "<!channel> team"}, {"key": "x", "name": "@here & co"}]
    line = history_line(AuditEntry("departments", "UADMIN", when, before, after))
    assert ("<!channel>" not in line and "&lt;!channel&gt;" in line) or "channel" in line
    assert line.startswith("<!date^1796137200^")
    assert "<@UADMIN> changed *Departments*" in line
    entries = [AuditEntry("nudges", "cli", when, None, {"cooldown": "2d" * 500})] * 20
    view = history_modal(entries, page=0, more=True)
    assert view_errors(view) == [] and "The command line" in str(view)
