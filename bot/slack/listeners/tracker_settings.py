"""The tracker modal of the Settings section: a fulfilling department's tracker linked, changed
or unlinked, by an admin or the department's leads, through the one way settings change
(`SettingsForms`: who is asking, the config file's say, validation on the right field, audit)."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.config import Role
from bot.domain.workspace_settings import CurrentSettings, section_of
from bot.jobs.trackers import create_missing_issues
from bot.runtime import Runtime
from bot.slack.blocks import tracker_settings as form
from bot.slack.blocks.intake import view_metadata
from bot.slack.blocks.settings import notice_modal
from bot.slack.ids import SettingsIds
from bot.slack.listeners.settings import GONE, Gone, SettingsForms
from bot.slack.permissions import SettingsAccess
from bot.slack.teams import team_of


def register(app: App, runtime: Runtime) -> None:
    forms = SettingsForms(runtime)

    def edit_tracker(
        access: SettingsAccess, current: CurrentSettings, key: str
    ) -> dict[str, Any] | None:
        if not access.may_edit_department(key):
            return None
        department = current.config.find_department(key)
        if department is None or department.role == Role.REQUESTER:
            return notice_modal("Settings", GONE)
        return form.tracker_modal(department, current.config.tracker_for(key))

    app.action(SettingsIds.tracker)(forms.opener(edit_tracker))

    @app.view(SettingsIds.tracker_callback)
    def on_tracker(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        key = view_metadata(view).get("department")
        key = key if isinstance(key, str) and key else None
        saved = forms.submit(
            ack,
            body,
            "trackers",
            lambda current: trackers_with(current, view, key),
            fields=form.FIELDS,
            fallback=form.KIND,
            skip=2,
            allowed=lambda access: key is not None and access.may_edit_department(key),
        )
        if saved:
            # The department's requests committed (or claimed) before get their issues now.
            team = team_of(body)
            runtime.work_soon(
                lambda: create_missing_issues(runtime, team_id=team),
                f"creating the issues missing in {team}",
            )


def trackers_with(current: CurrentSettings, view: dict[str, Any], key: str | None) -> Any:
    """The trackers section with the department's tracker as submitted (added, replaced or
    removed); `Gone` when the department is no longer there."""
    if key is None or current.config.find_department(key) is None:
        return Gone
    tables = [t for t in section_of(current.document, "trackers") if t.get("department") != key]
    table = form.read_tracker(view, key)
    if table is None:
        return tables
    where = next(
        (
            i
            for i, t in enumerate(section_of(current.document, "trackers"))
            if t.get("department") == key
        ),
        len(tables),
    )
    return [*tables[:where], table, *tables[where:]]
