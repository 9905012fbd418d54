"""The settings modals other than the department's (bot/slack/listeners/settings.py): holidays,
digests, reaction names, nudge thresholds, and the settings history; only admins open them."""

from __future__ import annotations

from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient

from bot.config.models import Nudges
from bot.domain.numbers import whole_number
from bot.domain.workspace_settings import CurrentSettings, section_of
from bot.runtime import Runtime
from bot.slack.blocks import settings_forms as forms
from bot.slack.blocks.intake import view_metadata
from bot.slack.blocks.settings import HISTORY_PAGE, history_modal, notice_modal
from bot.slack.ids import SettingsIds
from bot.slack.listener_pool import after_answer
from bot.slack.listeners.operations import update_modal
from bot.slack.listeners.settings import GONE, Gone, SettingsForms, admin_only
from bot.slack.teams import team_of


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

    # -- digests -------------------------------------------------------------------------------

    def edit_digest(current: CurrentSettings, value: str) -> dict[str, Any]:
        number = whole_number(value, low=0)
        digests = current.config.digests
        if number is None or number >= len(digests):
            return notice_modal("Settings", GONE)
        return forms.digest_modal(digests[number], current.config, number=number)

    add_digest = admin_only(
        lambda current, value: forms.digest_modal(None, current.config, number=None)
    )
    app.action(SettingsIds.add_digest)(settings.opener(add_digest))
    app.action(SettingsIds.edit_digest)(settings.opener(admin_only(edit_digest)))

    @app.view(SettingsIds.digest_callback)
    def on_digest(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        number = whole_number(view_metadata(view).get("number"), low=0)
        table = forms.read_digest(view)

        def digests(current: CurrentSettings) -> Any:
            tables = section_of(current.document, "digests")
            if number is None:
                return [*tables, table] if table is not None else tables
            if not 0 <= number < len(tables):
                return Gone
            return [*tables[:number], *([table] if table else []), *tables[number + 1 :]]

        def channel(current: CurrentSettings) -> tuple[str | None, str | None, str]:
            digests = current.config.digests
            before = (
                digests[number].channel if number is not None and number < len(digests) else None
            )
            return (table or {}).get("channel"), before, forms.DIGEST_CHANNEL

        settings.submit(
            ack,
            body,
            "digests",
            digests,
            fields=forms.DIGEST_FIELDS,
            fallback=forms.DIGEST_CHANNEL,
            skip=2,
            allowed=is_admin,
            channel=channel,
        )

    # -- reactions -----------------------------------------------------------------------------

    reactions = admin_only(lambda current, value: forms.reactions_modal(current.config))
    app.action(SettingsIds.reactions)(settings.opener(reactions))

    @app.view(SettingsIds.reactions_callback)
    def on_reactions(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        settings.submit(
            ack,
            body,
            "reactions",
            lambda current: forms.read_reactions(view, section_of(current.document, "reactions")),
            fields=forms.REACTION_FIELDS,
            fallback=forms.REACTION_FIELDS["claim"],
            skip=1,
            allowed=is_admin,
        )

    # -- nudge thresholds ----------------------------------------------------------------------

    nudges = admin_only(lambda current, value: forms.nudges_modal(current.config))
    app.action(SettingsIds.nudges)(settings.opener(nudges))

    @app.view(SettingsIds.nudges_callback)
    def on_nudges(ack: Ack, body: dict[str, Any], view: dict[str, Any]) -> None:
        def thresholds(current: CurrentSettings) -> dict[str, str]:
            stored = section_of(current.document, "nudges")
            defaults = Nudges()
            # A threshold left at its default stays out, as it would in the file.
            return {
                name: typed
                for name, typed in forms.read_nudges(view).items()
                if name in stored or typed != str(getattr(defaults, name))
            }

        settings.submit(
            ack,
            body,
            "nudges",
            thresholds,
            fields=forms.NUDGE_FIELDS,
            fallback=forms.NUDGE_FIELDS["unclaimed_after"],
            skip=1,
            allowed=is_admin,
        )

    # -- the settings history ------------------------------------------------------------------

    store = runtime.workspace_settings

    def history_page(team: str, page: int) -> dict[str, Any]:
        rows = store.history(team, limit=(page + 1) * HISTORY_PAGE + 1)
        shown = rows[page * HISTORY_PAGE : (page + 1) * HISTORY_PAGE]
        return history_modal(shown, page=page, more=len(rows) > (page + 1) * HISTORY_PAGE)

    @app.action(SettingsIds.history)
    def on_history(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        after_answer(lambda: open_history(body, client), "opening the history")

    def open_history(body: dict[str, Any], client: WebClient) -> None:
        team = team_of(body)
        history = admin_only(lambda current, value: history_page(team, 0))
        settings.open_for(body, client, history, edits=False)

    @app.action(SettingsIds.history_page)
    def on_history_page(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        """Show another page of the history in the same modal."""
        ack()
        after_answer(lambda: show_history_page(body, client), "a page of the history")

    def show_history_page(body: dict[str, Any], client: WebClient) -> None:
        team, user = team_of(body), body["user"]["id"]
        page = whole_number(((body.get("actions") or [{}])[0]).get("value"), low=0, high=1000)
        view = body.get("view") or {}
        if page is None or not runtime.permissions.is_admin(team, user):
            return
        opened = {"id": view.get("id"), "hash": view.get("hash")}
        update_modal(client, opened, history_page(team, page))
