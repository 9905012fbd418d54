"""Each workspace's settings for the process that serves it: read from the database, cached,
changed, audited, and the config file applied as code.

    store = runtime.workspace_settings
    config = runtime.config_for(team_id)        # LiaisonConfig; the hot path, cached
    current = store.current(team_id)            # + document, source, path, version, read_only
    problems = store.change(team_id, "departments", [...], by=user_id)
    entries = store.history(team_id)            # AuditEntry rows, newest first

- `config_for(team_id)` returns the workspace's settings; a workspace with none stored gets the
  defaults (the config file's sections other than departments, digests, trackers and request
  types, or the built-in ones): no departments, so `config.is_set_up` is False and nothing can
  be filed or nudged yet.
  `is_set_up` turns True once a department requests and one fulfils.
- `current(team_id)` adds what a Settings screen needs: `document` (the stored sections, in the
  shapes `change` takes), `source` ("file", "slack", or None before anything is stored), `path`
  (the config file's, when `read_only`) and `version`.
- `change(team_id, section, value, by=...)` replaces one section (see
  bot/domain/workspace_settings.py for the sections and their shapes, which are the config
  file's). It returns the problems (`bot.config.Problem`: `loc` such as
  ("departments", 1, "timezone"), `place` and `message` as `liaison check-config` words them)
  and changes nothing when there are any, or when the settings are managed by the config file
  and `by` is a Slack user (the problem then names the file). Otherwise it writes the new
  settings and one audit row, keeps the departments table in step, and this process sees the
  change at once. Departments may be saved one at a time (a requesting one first). Who may
  change settings is not checked here: that is the Slack layer's decision. `by` is the user id,
  or "file"/"cli".
- Freshness: an entry is trusted for `ttl` seconds (2 by default), then its version is read again
  (one small query) and the document parsed again only when it changed. A change made by another
  process is therefore seen within `ttl` seconds.
- The config file: when it names departments, `apply_file(team_id)` makes it the settings of the
  single-token workspace (the one `auth.test` names; every payload past the gate in
  bot/slack/teams.py is for it). It runs at start (bot/slack/membership.py) and again, once per
  process, the first time a workspace is served (bot/slack/teams.py), in case Slack could not be
  reached at start. A file with the same settings as those stored changes nothing; with no file
  managing them, settings the file used to manage stay and become editable in Slack.
- Installed through OAuth (many workspaces), the file manages no workspace: its departments and
  digests are ignored with a warning at start (`read_settings_file`), so `apply_file` only lets
  settings a file managed before become editable; each workspace is set up from its Home tab.
- The jobs go through `configured_workspaces()`: the workspaces set up, each with its settings
  (`Runtime.served_workspaces()` keeps those installed, in multi-workspace mode).

Nothing here calls Slack. Reads run in a short read-only transaction of their own (harmless
beside one the caller has open); `change` and `apply_file` write, so call them with no
transaction open (on SQLite a second writer in the same thread would wait on the first).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.config.loader import ConfigError, Problem, check_config, read_config_data
from bot.config.models import LiaisonConfig
from bot.db.session import reading, transaction
from bot.domain import workspace_settings as stored
from bot.domain.models import Workspace
from bot.domain.requests import ensure_workspace
from bot.domain.workspace_settings import AuditEntry, CurrentSettings

log = logging.getLogger(__name__)

DEFAULT_TTL = 2.0


@dataclass(frozen=True)
class SettingsFile:
    """A config file that manages the single-token workspace's settings."""

    path: str
    document: dict[str, Any]


@dataclass(frozen=True)
class ConfiguredWorkspace:
    """A workspace whose settings let requests be filed, for the jobs."""

    workspace_id: int
    team_id: str
    config: LiaisonConfig


def read_settings_file(
    path: Path, *, named: bool, many_workspaces: bool = False
) -> tuple[SettingsFile | None, dict[str, Any]]:
    """The config file at `path` as (the file that manages the workspace's settings when it has
    departments, the defaults for workspaces set up in Slack). No file at all is a first run;
    `named`: LIAISON_CONFIG was set, so a missing file is worth a warning. With
    `many_workspaces` (installed through OAuth) the file manages no workspace: its departments
    and digests are ignored, with a warning. A file that does not validate raises ConfigError."""
    if not path.exists():
        (log.warning if named else log.info)(
            "no config file at %s: workspaces are set up from Liaison's Home tab", path
        )
        return None, {}
    data = read_config_data(path)
    config, problems = check_config(data)
    if config is None:
        raise ConfigError([str(p) for p in problems], str(path))
    document = stored.jsonable(data)
    # Sections naming departments belong to the workspace the file sets up, not to defaults.
    defaults = {k: v for k, v in document.items() if k not in stored.PER_WORKSPACE}
    if many_workspaces and (config.departments or config.digests):
        log.warning(
            "%s: its departments and digests are ignored: Liaison is installed through OAuth, "
            "so each workspace is set up from Liaison's Home tab (the file's other sections are "
            "the defaults of a new workspace)",
            path,
        )
        return None, defaults
    if not config.departments:
        return None, defaults
    # The absolute path: the same file named from another directory is the same source.
    return SettingsFile(str(path.resolve()), document), defaults


@dataclass
class _Entry:
    current: CurrentSettings
    checked: float


class SettingsStore:
    """Workspaces' settings for one process; safe to use from many threads."""

    def __init__(
        self,
        *,
        sessions: sessionmaker[Session],
        clock: Callable[[], datetime],
        file: SettingsFile | None = None,
        defaults: dict[str, Any] | None = None,
        ttl: float = DEFAULT_TTL,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._clock = clock
        self.file = file
        self.defaults = defaults or {}
        stored.read_document(self.defaults)  # fail at start, not at the first request
        self._ttl = ttl
        self._monotonic = monotonic
        self._cache: dict[str, _Entry] = {}
        self._applied: set[str] = set()
        self._lock = threading.Lock()

    # -- reading ---------------------------------------------------------------------------

    def config_for(self, team_id: str) -> LiaisonConfig:
        """The workspace's settings (the defaults, with no departments, before it is set up)."""
        return self.current(team_id).config

    def current(self, team_id: str) -> CurrentSettings:
        """The workspace's settings with where they come from and their version."""
        now = self._monotonic()
        entry = self._cache.get(team_id)
        if entry is not None and now - entry.checked < self._ttl:
            return entry.current
        with reading(self._sessions) as session:
            version = stored.settings_version(session, team_id=team_id)
            if entry is None or entry.current.version != version:
                current = stored.current_settings(session, team_id=team_id, defaults=self.defaults)
            else:
                current = entry.current
        with self._lock:
            self._cache[team_id] = _Entry(current, now)
        return current

    def history(self, team_id: str, *, limit: int = 50) -> list[AuditEntry]:
        """The workspace's settings changes, newest first."""
        with reading(self._sessions) as session:
            workspace_id = session.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
            if workspace_id is None:
                return []
            return stored.settings_history(session, workspace_id=workspace_id, limit=limit)

    def teams(self) -> list[str]:
        """The team ids of every workspace Liaison has seen."""
        with reading(self._sessions) as session:
            return list(session.scalars(select(Workspace.team_id).order_by(Workspace.id)))

    def configured_workspaces(self) -> list[ConfiguredWorkspace]:
        """Every workspace set up enough to file requests, with its settings (for the jobs:
        the others have nothing to nudge, digest or reconcile)."""
        with reading(self._sessions) as session:
            rows = list(session.execute(select(Workspace.id, Workspace.team_id)))
        found = []
        for workspace_id, team_id in rows:
            config = self.config_for(team_id)
            if config.is_set_up:
                found.append(ConfiguredWorkspace(workspace_id, team_id, config))
        return found

    # -- changing --------------------------------------------------------------------------

    def change(self, team_id: str, section: str, value: Any, *, by: str) -> list[Problem]:
        """Replace one section of the workspace's settings (see the module's docstring); the
        problems, or [] once it is stored (or was already so)."""
        with transaction(self._sessions) as session:
            workspace = ensure_workspace(session, team_id=team_id, now=self._clock())
            problems = stored.change_settings(
                session,
                workspace=workspace,
                section=section,
                value=value,
                by=by,
                now=self._clock(),
                defaults=self.defaults,
            )
        self.invalidate(team_id)
        return problems

    def apply_file(self, team_id: str) -> list[str]:
        """Apply the config file to the workspace (or, with no file managing settings, let
        settings it managed before be edited in Slack); the sections it changed."""
        with transaction(self._sessions) as session:
            workspace = ensure_workspace(session, team_id=team_id, now=self._clock())
            if self.file is None:
                if stored.release_file(session, workspace=workspace, now=self._clock()):
                    log.info("settings of %s are no longer managed by a config file", team_id)
                changed = []
            else:
                changed = stored.apply_file(
                    session,
                    workspace=workspace,
                    document=self.file.document,
                    path=self.file.path,
                    now=self._clock(),
                )
                if changed:
                    log.info("applied %s to %s: %s", self.file.path, team_id, ", ".join(changed))
        with self._lock:
            self._applied.add(team_id)
        self.invalidate(team_id)
        return changed

    def apply_file_once(self, team_id: str) -> None:
        """`apply_file` the first time this process serves the workspace."""
        if team_id not in self._applied:
            self.apply_file(team_id)

    def invalidate(self, team_id: str | None = None) -> None:
        """Forget what is cached (for one workspace, or all): the next read asks the database."""
        with self._lock:
            if team_id is None:
                self._cache.clear()
            else:
                self._cache.pop(team_id, None)
