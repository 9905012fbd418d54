"""A fulfilling department's request types in Settings (bot/slack/blocks/settings_types.py):
its page, opened from the Home tab by admins and the department's leads, and the forms pushed
over it. Every change replaces the `request_types` section through `SettingsStore.change`
(validated as the config file is, audited), then the page shows the types as they are now."""

from __future__ import annotations

import copy
import logging
from typing import Any

from slack_bolt import Ack, App
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.domain.workspace_settings import CurrentSettings, section_of
from bot.runtime import Runtime
from bot.slack.blocks import settings_types as forms
from bot.slack.blocks.intake import view_metadata
from bot.slack.blocks.settings import notice_modal
from bot.slack.ids import SettingsIds
from bot.slack.listener_pool import after_answer
from bot.slack.listeners.operations import update_modal
from bot.slack.listeners.settings import FILE_MANAGED, GONE, REFUSED, Gone, SettingsForms
from bot.slack.permissions import SUBMIT_WAIT, SettingsAccess
from bot.slack.teams import team_of

log = logging.getLogger(__name__)

SECTION = "request_types"
Tables = list[dict[str, Any]]


def page_for(current: CurrentSettings, key: str) -> dict[str, Any]:
    """The types page of the department `key` as the settings are now."""
    department = current.config.find_department(key)
    if department is None or not department.is_fulfiller:
        return notice_modal("Settings", GONE)
    types = current.config.request_types_for(key, retired=True)
    return forms.types_page(department, types, editable=not current.read_only)


def _index(tables: Tables, department: str, key: str | None) -> int | None:
    return next(
        (
            i
            for i, table in enumerate(tables)
            if table.get("department") == department and table.get("key") == key
        ),
        None,
    )


def moved(tables: Tables, department: str, key: str, step: int) -> Tables | type[Gone]:
    """The types with `key` swapped with the department's type `step` places away (-1: up);
    unchanged at either end. Other departments' types keep their places."""
    mine = [i for i, t in enumerate(tables) if t.get("department") == department]
    at = _index(tables, department, key)
    if at is None:
        return Gone
    position = mine.index(at)
    if not 0 <= position + step < len(mine):
        return tables
    other = mine[position + step]
    tables = copy.deepcopy(tables)
    tables[at], tables[other] = tables[other], tables[at]
    return tables


def retired(tables: Tables, department: str, key: str, retire: bool) -> Tables | type[Gone]:
    at = _index(tables, department, key)
    if at is None:
        return Gone
    tables = copy.deepcopy(tables)
    tables[at].pop("retired", None)
    if retire:
        tables[at]["retired"] = True
    return tables


def with_type(
    tables: Tables, department: str, key: str | None, found: dict[str, Any]
) -> Tables | type[Gone]:
    """The types with the form's name and description on `key` (a new type appended when
    `key` is None)."""
    tables = copy.deepcopy(tables)
    description = found.pop("description")
    if key is None:
        table = {"department": department, "key": found.pop("key"), **found}
        tables.append(table | ({"description": description} if description else {}))
        return tables
    at = _index(tables, department, key)
    if at is None:
        return Gone
    tables[at].update(found)
    tables[at].pop("description", None)
    if description:
        tables[at]["description"] = description
    return tables


def with_field(
    tables: Tables, department: str, key: str, field_key: str | None, table: dict[str, Any] | None
) -> Tables | type[Gone]:
    """The types with the field `field_key` of the type `key` replaced by `table` (removed when
    None; appended when `field_key` is None)."""
    at = _index(tables, department, key)
    if at is None:
        return Gone
    tables = copy.deepcopy(tables)
    fields = list(tables[at].get("fields") or [])
    if field_key is None:
        fields += [table] if table is not None else []
    else:
        keys = [f.get("key") if isinstance(f, dict) else None for f in fields]
        if field_key not in keys:
            return Gone
        where = keys.index(field_key)
        fields[where : where + 1] = [table] if table is not None else []
    tables[at]["fields"] = fields
    if not fields:
        tables[at].pop("fields")
    return tables


def register(app: App, runtime: Runtime) -> None:
    settings = SettingsForms(runtime)
    store = runtime.workspace_settings
    permissions = runtime.permissions

    def open_page(access: SettingsAccess, current: CurrentSettings, key: str) -> Any:
        return page_for(current, key) if access.may_edit_department(key) else None

    # The page shows read-only settings too; its buttons are left out then.
    app.action(SettingsIds.request_types)(settings.opener(open_page, edits=False))

    def on_page(body: dict[str, Any]) -> tuple[str, str, CurrentSettings, str] | None:
        """(team, user, settings, department) of a click on the page, when the person may
        change that department's types; None (having said why) otherwise."""
        team, user = team_of(body), body["user"]["id"]
        department = view_metadata(body.get("view") or {}).get("department")
        current = store.current(team)
        access = permissions.access(team, user, current.config, wait=SUBMIT_WAIT)
        if not isinstance(department, str) or not access.may_edit_department(department):
            log.warning("refused a request types change by %s", user)
            return None
        return team, user, current, department

    def push(client: WebClient, body: dict[str, Any], view: dict[str, Any]) -> None:
        try:
            client.views_push(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as error:
            log.warning("could not open a form: %s", error.response.get("error"))

    def refresh(client: WebClient, team: str, page: dict[str, Any], department: str) -> None:
        update_modal(client, {"id": page.get("id")}, page_for(store.current(team), department))

    def refuse(client: WebClient, body: dict[str, Any], message: str) -> None:
        push(client, body, notice_modal("Settings", message))

    def writable(
        body: dict[str, Any], client: WebClient
    ) -> tuple[str, str, CurrentSettings, str] | None:
        """`on_page` for a click that changes something: None (the person told why) when they
        may not, or when a config file manages the settings."""
        found = on_page(body)
        if found is None:
            refuse(client, body, REFUSED)
            return None
        if found[2].read_only:
            refuse(client, body, FILE_MANAGED.format(path=f"`{found[2].path}`"))
            return None
        return found

    def picked(body: dict[str, Any]) -> str:
        """The value of the option picked in a page's menu."""
        action = (body.get("actions") or [{}])[0]
        return str((action.get("selected_option") or {}).get("value") or "")

    @app.action(SettingsIds.add_type)
    def on_add_type(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        after_answer(lambda: add_type(body, client), "adding a request type")

    def add_type(body: dict[str, Any], client: WebClient) -> None:
        found = writable(body, client)
        if found is None:
            return
        department = found[3]
        page = body.get("view") or {}
        metadata = {"department": department, "page": page.get("id")}
        push(client, body, forms.type_modal(None, metadata))

    @app.action(SettingsIds.type_menu)
    def on_type_menu(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        after_answer(lambda: type_menu(body, client), "a request type's menu")

    def type_menu(body: dict[str, Any], client: WebClient) -> None:
        found = writable(body, client)
        if found is None:
            return
        team, user, current, department = found
        choice, _, key = picked(body).partition(":")
        kind = current.config.request_type(department, key)
        page = body.get("view") or {}
        metadata = {"department": department, "type": key, "page": page.get("id")}
        if kind is None:
            refuse(client, body, GONE)
        elif choice == "edit":
            push(client, body, forms.type_modal(kind, metadata))
        elif choice == "add_field":
            push(client, body, forms.field_modal(kind, None, metadata))
        elif choice in ("up", "down", "retire", "unretire"):
            tables = section_of(current.document, SECTION)
            new = (
                moved(tables, department, key, -1 if choice == "up" else 1)
                if choice in ("up", "down")
                else retired(tables, department, key, choice == "retire")
            )
            problems = store.change(team, SECTION, new, by=user) if new is not Gone else []
            if problems:
                refuse(client, body, "; ".join(str(p) for p in problems)[:2000])
                return
            refresh(client, team, page, department)
            settings.publish_home(team, user)

    @app.action(SettingsIds.field_menu)
    def on_field_menu(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        after_answer(lambda: field_menu(body, client), "a field's menu")

    def field_menu(body: dict[str, Any], client: WebClient) -> None:
        found = writable(body, client)
        if found is None:
            return
        _, _, current, department = found
        key, _, field_key = picked(body).partition(":")
        kind = current.config.request_type(department, key)
        type_field = kind.field(field_key) if kind is not None else None
        if kind is None or type_field is None:
            refuse(client, body, GONE)
            return
        page = body.get("view") or {}
        metadata = {
            "department": department,
            "type": key,
            "field": field_key,
            "page": page.get("id"),
        }
        push(client, body, forms.field_modal(kind, type_field, metadata))

    def metadata_of(view: dict[str, Any]) -> tuple[str, str | None, str | None, Any]:
        metadata = view_metadata(view)
        department, key, field_key = (metadata.get(k) for k in ("department", "type", "field"))
        return (
            department if isinstance(department, str) else "",
            key if isinstance(key, str) else None,
            field_key if isinstance(field_key, str) else None,
            metadata.get("page"),
        )

    @app.view(SettingsIds.type_callback)
    def on_type(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        department, key, _, page = metadata_of(view)
        found = forms.read_type(view, new=key is None)

        def value(current: CurrentSettings) -> Any:
            tables = section_of(current.document, SECTION)
            return with_type(tables, department, key, dict(found))

        settings.submit(
            ack,
            body,
            SECTION,
            value,
            fields=forms.TYPE_FIELDS,
            fallback=forms.TYPE_NAME,
            skip=2,
            allowed=lambda access: bool(department) and access.may_edit_department(department),
            after=lambda: refresh(client, team_of(body), {"id": page}, department),
        )

    @app.view(SettingsIds.field_callback)
    def on_field(ack: Ack, body: dict[str, Any], view: dict[str, Any], client: WebClient) -> None:
        department, key, field_key, page = metadata_of(view)
        table = forms.read_field(view)
        keep_options = bool(view_metadata(view).get(forms.KEEP_OPTIONS))

        def value(current: CurrentSettings) -> Any:
            if key is None:
                return Gone
            kind = current.config.request_type(department, key)
            before = kind.field(field_key) if kind is not None and field_key else None
            if keep_options and table is not None and before is not None:
                table["options"] = list(before.options)
            tables = section_of(current.document, SECTION)
            return with_field(tables, department, key, field_key, table)

        settings.submit(
            ack,
            body,
            SECTION,
            value,
            fields=forms.FIELD_FIELDS,
            fallback=forms.FIELD_KIND,
            skip=2,
            allowed=lambda access: bool(department) and access.may_edit_department(department),
            after=lambda: refresh(client, team_of(body), {"id": page}, department),
        )
