"""Each workspace's settings, kept in the database: one document in the config file's shape
(`config/liaison.toml` read as data, dates written as "YYYY-MM-DD"), where it comes from, and an
audit row for every change of a section.

The document is what people wrote (a department without a time zone has none in it: it takes the
organization's when it is read), so exporting it gives back the file it came from.

Sections, each changed and audited on its own (`section_of` reads one from a document):
  "organization"  the `[organization]` table without its holidays: {"timezone": "Europe/Berlin"}
  "holidays"      `[organization] holidays`: ["2026-12-25", ...]
  "departments"   `[[departments]]`: a list of tables
  "digests"       `[[digests]]`: a list of tables
  "reactions"     `[reactions]`: a table
  "nudges"        `[nudges]`: a table of durations ("4h", "1d")
  "trackers"      `[[trackers]]`: a list of tables (one per fulfilling department)

Functions take the session as a keyword argument and never commit: the caller owns the
transaction (bot/config/store.py is the caller every process uses).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.config import LiaisonConfig, Problem, check_config
from bot.config.loader import LIST_SECTIONS
from bot.config.loader import SECTIONS as FILE_SECTIONS
from bot.domain.models import SettingsChange, Workspace, WorkspaceSettings
from bot.domain.requests import sync_departments

# The file's sections, with the organization's holidays apart (they are edited on their own).
SECTIONS = (FILE_SECTIONS[0], "holidays", *FILE_SECTIONS[1:])
# Where settings come from, and who changed them when it was not a person.
FILE = "file"
SLACK = "slack"
CLI = "cli"

_LISTS = ("holidays", *LIST_SECTIONS)
# Sections that name departments: they belong to one workspace, never a default for others.
PER_WORKSPACE = ("departments", "digests", "trackers", "request_types")


@dataclass(frozen=True)
class CurrentSettings:
    """A workspace's settings as they are now: validated, and as the document they were read from.
    `source` is None when nothing is stored yet (the defaults apply), and `version` then 0."""

    config: LiaisonConfig
    document: dict[str, Any]
    source: str | None
    path: str | None
    version: int

    @property
    def read_only(self) -> bool:
        """True when the config file manages them: Slack users cannot change them."""
        return self.source == FILE


@dataclass(frozen=True)
class AuditEntry:
    """One row of a workspace's settings history."""

    section: str
    changed_by: str
    changed_at: datetime
    before: Any
    after: Any


def jsonable(data: Any) -> Any:
    """TOML data as JSON: dates become "YYYY-MM-DD", tuples lists; the rest is kept."""
    if isinstance(data, dict):
        return {str(key): jsonable(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [jsonable(value) for value in data]
    if isinstance(data, date) and not isinstance(data, datetime):
        return data.isoformat()
    return data


def section_of(document: dict[str, Any], section: str) -> Any:
    """One section's value in `document` (an empty list or table when it is not set)."""
    organization = document.get("organization") or {}
    if section == "holidays":
        return list(organization.get("holidays") or [])
    if section == "organization":
        return {key: value for key, value in organization.items() if key != "holidays"}
    return copy.deepcopy(document.get(section) or ([] if section in _LISTS else {}))


def with_section(document: dict[str, Any], section: str, value: Any) -> dict[str, Any]:
    """A copy of `document` with one section replaced (an empty value removes it)."""
    new = copy.deepcopy(document)
    if section in ("organization", "holidays"):
        organization = dict(new.get("organization") or {})
        if section == "holidays":
            organization = {k: v for k, v in organization.items() if k != "holidays"}
            if value:
                organization["holidays"] = value
        else:
            holidays = organization.get("holidays")
            organization = {**value, **({"holidays": holidays} if holidays else {})}
        section, value = "organization", organization
    if value:
        new[section] = value
    else:
        new.pop(section, None)
    return new


def read_document(document: dict[str, Any]) -> LiaisonConfig:
    """The settings a stored document holds (it was validated when written)."""
    config, problems = check_config(document, complete=False)
    if config is None:
        raise ValueError("stored settings no longer validate: " + "; ".join(map(str, problems)))
    return config


def stored_settings(session: Session, *, team_id: str) -> WorkspaceSettings | None:
    return session.scalar(
        select(WorkspaceSettings)
        .join(Workspace, Workspace.id == WorkspaceSettings.workspace_id)
        .where(Workspace.team_id == team_id)
    )


def settings_version(session: Session, *, team_id: str) -> int:
    """The version of a workspace's settings (0 when none are stored): cheap to ask often."""
    version = session.scalar(
        select(WorkspaceSettings.version)
        .join(Workspace, Workspace.id == WorkspaceSettings.workspace_id)
        .where(Workspace.team_id == team_id)
    )
    return version or 0


def current_settings(
    session: Session, *, team_id: str, defaults: dict[str, Any]
) -> CurrentSettings:
    """A workspace's settings; `defaults` (a document) when none are stored."""
    row = stored_settings(session, team_id=team_id)
    if row is None:
        return CurrentSettings(read_document(defaults), defaults, None, None, 0)
    return CurrentSettings(
        read_document(row.document), row.document, row.source, row.source_path, row.version
    )


def change_settings(
    session: Session,
    *,
    workspace: Workspace,
    section: str,
    value: Any,
    by: str,
    now: datetime,
    defaults: dict[str, Any],
) -> list[Problem]:
    """Replace one section, validated as the config file is (problems name the place, e.g.
    '[[departments]] #2 (key "eng") → timezone'); the change is audited and the departments
    table follows. Nothing is written when there are problems or nothing changes. Settings
    that the config file manages are changed only by the file and the CLI. A workspace with
    nothing stored starts from `defaults`. Departments need not include both roles yet
    (`LiaisonConfig.is_set_up` says when they do)."""
    if section not in SECTIONS:
        return [Problem((section,), section, f"not a section: one of {', '.join(SECTIONS)}")]
    row = _locked(session, workspace)
    if row is not None and row.source == FILE and by not in (FILE, CLI):
        message = (
            f"these settings come from the config file {row.source_path}: change them there,"
            " and Liaison applies them when it starts"
        )
        return [Problem((), "", message)]
    value = jsonable(value)
    shape = _shape_problem(section, value)
    if shape is not None:
        return [shape]
    document = row.document if row is not None else defaults
    new = with_section(document, section, value)
    config, problems = check_config(new, complete=False)
    if config is None:
        return problems
    before, after = section_of(document, section), section_of(new, section)
    if before == after:
        return []
    _write(session, workspace=workspace, row=row, document=new, source=SLACK, path=None, now=now)
    _audit(
        session, workspace=workspace, section=section, before=before, after=after, by=by, now=now
    )
    if section == "departments":
        sync_departments(session, workspace=workspace, config=config)
    return []


def _shape_problem(section: str, value: Any) -> Problem | None:
    """A section given as the wrong kind of value (the config file's checks expect the right)."""
    place = f"[[{section}]]" if section in PER_WORKSPACE else f"[{section}]"
    if section in _LISTS and not isinstance(value, list):
        return Problem((section,), place, "must be a list")
    if section not in _LISTS and not isinstance(value, dict):
        return Problem((section,), place, "must be a table")
    if section == "organization" and "holidays" in value:
        return Problem((section, "holidays"), place, 'change holidays as the "holidays" section')
    return None


def apply_file(
    session: Session, *, workspace: Workspace, document: dict[str, Any], path: str, now: datetime
) -> list[str]:
    """Make the config file's document (validated by the caller) the workspace's settings,
    managed by the file at `path`; each section it changes is audited as changed by "file".
    The sections changed (none when the file says what is stored already)."""
    row = _locked(session, workspace)
    before = row.document if row is not None else {}
    changed = [s for s in SECTIONS if section_of(before, s) != section_of(document, s)]
    if row is not None and row.source == FILE and row.source_path == path and not changed:
        return []
    _write(
        session, workspace=workspace, row=row, document=document, source=FILE, path=path, now=now
    )
    for section in changed:
        _audit(
            session,
            workspace=workspace,
            section=section,
            before=section_of(before, section),
            after=section_of(document, section),
            by=FILE,
            now=now,
        )
    if row is None or "departments" in changed:
        sync_departments(session, workspace=workspace, config=read_document(document))
    return changed


def release_file(session: Session, *, workspace: Workspace, now: datetime) -> bool:
    """When the config file no longer manages a workspace's settings (it was removed, or lost its
    departments), they stay as they are and become editable in Slack. True if they were the
    file's."""
    row = _locked(session, workspace)
    if row is None or row.source != FILE:
        return False
    # Set up already: its admins get the usual Home with Settings, not the first-run steps.
    workspace.setup_finished_at = workspace.setup_finished_at or now
    _write(
        session,
        workspace=workspace,
        row=row,
        document=row.document,
        source=SLACK,
        path=None,
        now=now,
    )
    return True


def settings_history(session: Session, *, workspace_id: int, limit: int = 50) -> list[AuditEntry]:
    """The workspace's settings changes, newest first."""
    rows = session.scalars(
        select(SettingsChange)
        .where(SettingsChange.workspace_id == workspace_id)
        .order_by(SettingsChange.id.desc())
        .limit(limit)
    )
    return [
        AuditEntry(row.section, row.changed_by, row.changed_at, row.before, row.after)
        for row in rows
    ]


def _locked(session: Session, workspace: Workspace) -> WorkspaceSettings | None:
    """The settings row, read after locking the workspace's row: two changes at once are made
    one after the other, each on the document the other left (SQLite writers queue anyway)."""
    session.execute(select(Workspace.id).where(Workspace.id == workspace.id).with_for_update())
    return session.get(WorkspaceSettings, workspace.id, populate_existing=True)


def _write(
    session: Session,
    *,
    workspace: Workspace,
    row: WorkspaceSettings | None,
    document: dict[str, Any],
    source: str,
    path: str | None,
    now: datetime,
) -> None:
    if row is None:
        row = WorkspaceSettings(workspace_id=workspace.id, version=0)
        session.add(row)
    row.document = document
    row.source = source
    row.source_path = path
    row.version += 1
    row.updated_at = now
    session.flush()


def _audit(
    session: Session,
    *,
    workspace: Workspace,
    section: str,
    before: Any,
    after: Any,
    by: str,
    now: datetime,
) -> None:
    session.add(
        SettingsChange(
            workspace_id=workspace.id,
            changed_by=by,
            changed_at=now,
            section=section,
            before=before or None,
            after=after or None,
        )
    )
