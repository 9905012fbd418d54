"""Settings per workspace, through the front door: the config file applied at start and
read-only in Slack."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import (
    ENGINEER,
    INTAKE_CHANNEL,
    SALES_LEAD,
    SALES_REP,
    TEAM_ID,
    Liaison,
)

SALES = {"key": "sales", "name": "Sales", "role": "requester", "members": [SALES_REP]}
ENG = {
    "key": "eng",
    "name": "Engineering",
    "role": "fulfiller",
    "intake_channel": INTAKE_CHANNEL,
    "members": [ENGINEER],
}


def test_the_config_file_is_applied_at_start_and_read_only(
    liaison: Liaison, config_path: Path
) -> None:
    store = liaison.runtime.workspace_settings
    current = store.current(TEAM_ID)
    assert (current.source, current.path) == ("file", str(config_path))
    assert [d.key for d in current.config.departments] == ["sales", "eng"]
    assert {entry.changed_by for entry in store.history(TEAM_ID)} == {"file"}

    [problem] = store.change(TEAM_ID, "departments", [SALES, ENG], by=SALES_LEAD)
    assert str(config_path) in str(problem)
    assert store.current(TEAM_ID).version == current.version
