"""Each workspace's settings in the database: changes validated as the config file is, one audit
row per change, the departments table in step, the config file applied as code and read-only,
and every process seeing a change within the freshness window."""

from __future__ import annotations

import tomllib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.config import dump_config_data
from bot.config.store import SettingsFile, SettingsStore, read_settings_file
from bot.db.session import make_session_factory
from bot.domain.models import Department, SettingsChange
from bot.domain.workspace_settings import jsonable, section_of, with_section
from tests.conftest import DEFAULT_CONFIG, TEAM_ID

NOW = datetime(2026, 12, 1, 15, 0, tzinfo=UTC)
ADMIN = "UADMIN"
SALES = {"key": "sales", "name": "Sales", "role": "requester", "members": ["USALES1"]}
ENG = {"key": "eng", "name": "Engineering", "role": "fulfiller", "intake_channel": "CENG"}


class Ticks:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def store_for(engine: Engine, **kwargs) -> SettingsStore:
    return SettingsStore(sessions=make_session_factory(engine), clock=lambda: NOW, **kwargs)


def file_at(path: Path, text: str) -> SettingsFile:
    path.write_text(text)
    file, _ = read_settings_file(path, named=True)
    assert file is not None
    return file


def test_a_workspace_without_settings_gets_the_defaults_and_is_not_set_up(engine: Engine) -> None:
    store = store_for(engine, defaults={"organization": {"timezone": "Europe/Paris"}})
    config = store.config_for(TEAM_ID)
    assert config.departments == () and not config.is_set_up
    assert config.organization.timezone == "Europe/Paris"
    assert store.current(TEAM_ID).source is None
    assert store.history(TEAM_ID) == []


def test_a_change_is_stored_audited_and_mirrored_in_the_departments_table(
    engine: Engine, db
) -> None:
    store = store_for(engine)
    assert store.change(TEAM_ID, "departments", [SALES], by=ADMIN) == []
    assert not store.config_for(TEAM_ID).is_set_up  # nobody does the work yet
    assert store.change(TEAM_ID, "departments", [SALES, ENG], by=ADMIN) == []

    current = store.current(TEAM_ID)
    assert current.config.is_set_up and current.source == "slack" and current.version == 2
    assert [d.key for d in current.config.fulfilling_departments()] == ["eng"]
    # Without a time zone of its own, a department takes the organization's (UTC by default).
    assert current.config.department("eng").timezone == "UTC"
    newest, first = store.history(TEAM_ID)
    assert (newest.section, newest.changed_by, newest.changed_at) == ("departments", ADMIN, NOW)
    assert newest.before == [SALES] and newest.after == [SALES, ENG]
    assert first.before is None and first.after == [SALES]
    rows = db.scalars(select(Department).order_by(Department.key))
    assert [(d.key, d.role, d.intake_channel) for d in rows] == [
        ("eng", "fulfiller", "CENG"),
        ("sales", "requester", None),
    ]


def test_bad_values_are_problems_at_their_place_and_change_nothing(engine: Engine, db) -> None:
    store = store_for(engine)
    store.change(TEAM_ID, "departments", [SALES, ENG], by=ADMIN)
    bad = [SALES, {**ENG, "timezone": "Mars/Base", "intake_channel": "#eng"}]
    problems = store.change(TEAM_ID, "departments", bad, by=ADMIN)
    assert [str(p) for p in problems] == [
        '[[departments]] #2 (key "eng") → intake_channel: not a Slack channel id (C…/G…): "#eng"',
        '[[departments]] #2 (key "eng") → timezone: unknown time zone "Mars/Base"',
    ]
    assert problems[1].loc == ("departments", 1, "timezone")
    digest = [{"channel": "C01", "departments": ["sales", "ops"]}]
    [problem] = store.change(TEAM_ID, "digests", digest, by=ADMIN)
    assert problem.place == "[[digests]] #1 → departments"
    assert 'unknown department "ops"' in problem.message
    [problem] = store.change(TEAM_ID, "nudges", {"unclaimed_after": "soon"}, by=ADMIN)
    assert problem.place == "[nudges] → unclaimed_after"
    [problem] = store.change(TEAM_ID, "colours", {}, by=ADMIN)
    assert "not a section" in problem.message
    [problem] = store.change(TEAM_ID, "departments", SALES, by=ADMIN)
    assert str(problem) == "[[departments]]: must be a list"
    [problem] = store.change(TEAM_ID, "organization", {"holidays": []}, by=ADMIN)
    assert problem.loc == ("organization", "holidays")
    assert store.current(TEAM_ID).version == 1
    assert len(db.scalars(select(SettingsChange))) == 1


def test_the_same_value_again_is_no_change(engine: Engine, db) -> None:
    store = store_for(engine)
    store.change(TEAM_ID, "nudges", {"unclaimed_after": "2h"}, by=ADMIN)
    store.change(TEAM_ID, "nudges", {"unclaimed_after": "2h"}, by=ADMIN)
    assert len(db.scalars(select(SettingsChange))) == 1
    assert str(store.config_for(TEAM_ID).nudges.unclaimed_after) == "2h"


def test_holidays_and_the_organization_are_sections_of_their_own(engine: Engine) -> None:
    store = store_for(engine)
    assert store.change(TEAM_ID, "holidays", ["2026-12-25"], by=ADMIN) == []
    assert store.change(TEAM_ID, "organization", {"timezone": "Europe/Berlin"}, by=ADMIN) == []
    config = store.config_for(TEAM_ID)
    assert config.organization.timezone == "Europe/Berlin"
    assert [d.isoformat() for d in config.organization.holidays] == ["2026-12-25"]
    assert [e.section for e in store.history(TEAM_ID)] == ["organization", "holidays"]
    [problem] = store.change(TEAM_ID, "holidays", ["2026-02-30"], by=ADMIN)
    assert problem.place == "[organization] → holidays #1"


def test_the_config_file_is_applied_once_and_is_read_only_in_slack(
    engine: Engine, tmp_path: Path
) -> None:
    file = file_at(tmp_path / "liaison.toml", DEFAULT_CONFIG)
    store = store_for(engine, file=file)
    changed = store.apply_file(TEAM_ID)
    assert changed == ["organization", "holidays", "departments", "digests"]
    assert {e.changed_by for e in store.history(TEAM_ID)} == {"file"}
    current = store.current(TEAM_ID)
    assert (current.source, current.path, current.read_only) == ("file", file.path, True)
    assert current.document == jsonable(tomllib.loads(DEFAULT_CONFIG))

    assert store.apply_file(TEAM_ID) == []  # started again with the same file
    assert store.current(TEAM_ID).version == current.version

    [problem] = store.change(TEAM_ID, "nudges", {"unclaimed_after": "2h"}, by=ADMIN)
    assert file.path in problem.message and "config file" in problem.message
    assert store.current(TEAM_ID).version == current.version
    assert store.change(TEAM_ID, "nudges", {"unclaimed_after": "2h"}, by="cli") == []


def test_a_changed_file_audits_only_the_sections_it_changed(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "liaison.toml"
    store_for(engine, file=file_at(path, DEFAULT_CONFIG)).apply_file(TEAM_ID)
    edited = DEFAULT_CONFIG + '\n[nudges]\nunclaimed_after = "2h"\n'
    store = store_for(engine, file=file_at(path, edited))
    assert store.apply_file(TEAM_ID) == ["nudges"]
    latest = store.history(TEAM_ID)[0]
    assert (latest.section, latest.before, latest.after) == (
        "nudges",
        None,
        {"unclaimed_after": "2h"},
    )


def test_without_the_file_its_settings_stay_and_become_editable(
    engine: Engine, tmp_path: Path
) -> None:
    store_for(engine, file=file_at(tmp_path / "liaison.toml", DEFAULT_CONFIG)).apply_file(TEAM_ID)
    store = store_for(engine)  # started again with no file
    assert store.apply_file(TEAM_ID) == []
    current = store.current(TEAM_ID)
    assert current.source == "slack" and current.config.is_set_up
    assert store.change(TEAM_ID, "nudges", {"unclaimed_after": "2h"}, by=ADMIN) == []


def test_a_file_without_departments_gives_defaults_and_manages_nothing(tmp_path: Path) -> None:
    path = tmp_path / "liaison.toml"
    path.write_text('[organization]\ntimezone = "Asia/Tokyo"\n')
    assert read_settings_file(path, named=True) == (
        None,
        {"organization": {"timezone": "Asia/Tokyo"}},
    )
    assert read_settings_file(tmp_path / "missing.toml", named=False) == (None, {})


def test_another_process_sees_a_change_once_its_cache_is_checked_again(engine: Engine) -> None:
    ticks = Ticks()
    web = store_for(engine, monotonic=ticks, ttl=2.0)
    admin = store_for(engine)
    assert not web.config_for(TEAM_ID).is_set_up
    assert admin.change(TEAM_ID, "departments", [SALES, ENG], by=ADMIN) == []
    assert not web.config_for(TEAM_ID).is_set_up  # still within the freshness window
    ticks.now += 2.5
    assert web.config_for(TEAM_ID).is_set_up
    assert admin.config_for(TEAM_ID).is_set_up  # the process that changed it, at once


def test_sections_read_and_replaced_in_the_document() -> None:
    document = jsonable(tomllib.loads(DEFAULT_CONFIG))
    assert section_of(document, "holidays") == ["2026-12-25"]
    assert section_of(document, "organization") == {"timezone": "America/New_York"}
    assert section_of(document, "reactions") == {}
    cleared = with_section(document, "holidays", [])
    assert cleared["organization"] == {"timezone": "America/New_York"}
    assert with_section(document, "organization", {})["organization"] == {
        "holidays": ["2026-12-25"]
    }
    assert "digests" not in with_section(document, "digests", [])


@pytest.mark.parametrize("section", ["reactions", "nudges"])
def test_an_empty_table_means_the_defaults(engine: Engine, section: str) -> None:
    store = store_for(engine)
    assert store.change(TEAM_ID, section, {}, by=ADMIN) == []
    assert store.history(TEAM_ID) == []


def test_export_then_start_with_the_exported_file_changes_nothing(
    engine: Engine, tmp_path: Path
) -> None:
    store = store_for(engine)
    digest = {"channel": "C01", "departments": ["sales", "eng"], "weekday": "fri"}
    for section, value in (
        ("departments", [SALES, {**ENG, "timezone": "Asia/Tokyo"}]),
        ("holidays", ["2026-12-25", "2027-01-01"]),
        ("digests", [digest]),
        ("reactions", {"claim": ["hand"], "estimate_days": {"one": 1}}),
        ("nudges", {"cooldown": "1d4h"}),
    ):
        assert store.change(TEAM_ID, section, value, by=ADMIN) == []
    before = store.current(TEAM_ID)
    history = store.history(TEAM_ID)

    exported = dump_config_data(before.document)
    started = store_for(engine, file=file_at(tmp_path / "liaison.toml", exported))
    assert started.apply_file(TEAM_ID) == []
    after = started.current(TEAM_ID)
    assert after.config == before.config and after.document == before.document
    assert after.source == "file"  # managed by the file from now on
    assert started.history(TEAM_ID) == history  # not one section changed
    assert started.apply_file(TEAM_ID) == [] and started.current(TEAM_ID).version == after.version


def test_the_file_applied_exports_as_the_same_data(engine: Engine, tmp_path: Path) -> None:
    store = store_for(engine, file=file_at(tmp_path / "liaison.toml", DEFAULT_CONFIG))
    store.apply_file(TEAM_ID)
    exported = dump_config_data(store.current(TEAM_ID).document)
    assert jsonable(tomllib.loads(exported)) == jsonable(tomllib.loads(DEFAULT_CONFIG))
