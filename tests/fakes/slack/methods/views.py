"""views.*: modals (opened with a trigger id, updated by id or external id) and home tabs."""

from __future__ import annotations

import copy
import time
from typing import Any

from tests.fakes.slack.base import Params, _invalid_arguments, _SlackError
from tests.fakes.slack.blockkit import view_errors
from tests.fakes.slack.strictness import TRIGGER_LIFETIME


class ViewsMethods:
    """views.* handlers; use the views and triggers FakeSlack sets up."""

    def _views_open(self, params: Params) -> dict[str, Any]:
        trigger_id = params.get("trigger_id")
        if not trigger_id:
            raise _invalid_arguments("missing required field: trigger_id")
        view = self._valid_view(params)
        issued = self._triggers.get(trigger_id)
        if issued is not None and self.clock() - issued > TRIGGER_LIFETIME:
            raise _SlackError("expired_trigger_id")
        if trigger_id in self._used_triggers:
            raise _SlackError("exchanged_trigger_id")
        self._used_triggers.add(trigger_id)
        return {"ok": True, "view": self._store_view(view, self._next_id("V"))}

    def _views_update(self, params: Params) -> dict[str, Any]:
        view = self._valid_view(params)
        view_id, external_id = params.get("view_id"), params.get("external_id")
        if not view_id and not external_id:
            raise _invalid_arguments("either view_id or external_id is required")
        current = self.views.get(view_id) if view_id else self._view_by_external_id(external_id)
        if current is None:
            raise _SlackError("not_found")
        if params.get("hash") and params["hash"] != current["hash"]:
            raise _SlackError("hash_conflict")
        stored = self._store_view(view, current["id"])
        stored["root_view_id"] = current["root_view_id"]
        stored["previous_view_id"] = current["previous_view_id"]
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _views_publish(self, params: Params) -> dict[str, Any]:
        user_id = params.get("user_id")
        if not user_id:
            raise _invalid_arguments("invalid `user_id`")
        view = self._valid_view(params)
        if view.get("type") != "home":
            raise _invalid_arguments("must be home [json-pointer:/view/type]")
        current = self.home_tabs.get(user_id)
        stored = self._store_view(view, current["id"] if current else self._next_id("V"))
        self.home_tabs[user_id] = stored
        return {"ok": True, "view": copy.deepcopy(stored)}

    def _valid_view(self, params: Params) -> Params:
        view = params.get("view")
        if not isinstance(view, dict):
            raise _invalid_arguments("missing required field: view")
        problems = view_errors(view)
        if problems:
            raise _invalid_arguments(*problems)
        return view

    def _view_by_external_id(self, external_id: str | None) -> Params | None:
        return next((v for v in self.views.values() if v["external_id"] == external_id), None)

    def _store_view(self, view: Params, view_id: str) -> Params:
        stored: Params = {
            "id": view_id,
            "team_id": self.team_id,
            "type": view["type"],
            "title": view.get("title"),
            "blocks": view.get("blocks", []),
            "close": view.get("close"),
            "submit": view.get("submit"),
            "private_metadata": view.get("private_metadata", ""),
            "callback_id": view.get("callback_id", ""),
            "state": {"values": {}},
            "hash": f"{int(time.time())}.{next(self._ids):08d}",
            "clear_on_close": view.get("clear_on_close", False),
            "notify_on_close": view.get("notify_on_close", False),
            "external_id": view.get("external_id", ""),
            "previous_view_id": None,
            "root_view_id": view_id,
            "app_id": self.app_id,
            "app_installed_team_id": self.team_id,
            "bot_id": self.bot_id,
        }
        self.views[view_id] = copy.deepcopy(stored)
        return stored
