"""The settings modals other than the department's (bot/slack/listeners/settings.py): holidays,
digests, reaction names and nudge thresholds; only admins open and submit them."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App

from bot.domain.workspace_settings import section_of
from bot.runtime import Runtime
from bot.slack.blocks import settings_forms as forms
from bot.slack.ids import SettingsIds
from bot.slack.listeners.settings import SettingsForms, admin_only


def register(app: App, runtime: Runtime) -> None:
    settings = SettingsForms(runtime)

    def is_admin(access: Any) -> bool:
        return bool(access.admin)

    # -- holidays ------------------------------------------------------------------------------

    holidays = admin_only(
        lambda current, value: forms.holidays_modal(section_of(current.document, "holidays"))
    )
    app.action(SettingsIds.holidays)(settings.opener(holidays))

    @app.view(SettingsIds.holidays_callback)
    def on_holidays(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        settings.submit(
            ack,
            body,
            "holidays",
            lambda current: forms.read_holidays(view),
            fields={"holidays": forms.HOLIDAYS},
            fallback=forms.HOLIDAYS,
            skip=1,
            allowed=is_admin,
        )
