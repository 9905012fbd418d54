"""Who is who: auth.test, users.info and usergroups.*."""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from tests.fakes.slack.base import Params, _flag, _SlackError


class UsersMethods:
    """auth.test, users.* and usergroups.* handlers; use the users and groups FakeSlack sets up."""

    def _auth_test(self, params: Params) -> dict[str, Any]:
        return {
            "ok": True,
            "url": f"https://{self.team_domain}.slack.com/",
            "team": f"{self.team_domain.capitalize()} Workspace",
            "user": "liaison",
            "team_id": self.team_id,
            "user_id": self.bot_user_id,
            "bot_id": self.bot_id,
            "is_enterprise_install": False,
        }

    def _usergroups_users_list(self, params: Params) -> dict[str, Any]:
        usergroup = params.get("usergroup")
        if usergroup not in self.usergroups:
            raise _SlackError("no_such_subteam")
        return {"ok": True, "users": list(self.usergroups[usergroup])}

    def _usergroups_list(self, params: Params) -> dict[str, Any]:
        groups = []
        for group_id, users in self.usergroups.items():
            group: Params = {
                "id": group_id,
                "team_id": self.team_id,
                "is_usergroup": True,
                "name": f"Group {group_id}",
                "handle": group_id.lower(),
                "date_delete": 0,
                "user_count": len(users),
            }
            if _flag(params.get("include_users")):
                group["users"] = list(users)
            groups.append(group)
        return {"ok": True, "usergroups": groups}

    def _users_info(self, params: Params) -> dict[str, Any]:
        user_id = params.get("user")
        if not user_id or user_id in self.gone_users:
            raise _SlackError("user_not_found")
        user = self._user_profile(str(user_id))
        if "users:read.email" not in self.scopes.split(","):
            # Slack leaves the e-mail out of a profile the token may not read it from.
            user["profile"] = {k: v for k, v in user["profile"].items() if k != "email"}
        return {"ok": True, "user": user}

    def _user_profile(self, user_id: str) -> Params:
        name = user_id.lower()
        user: Params = {
            "id": user_id,
            "team_id": self.team_id,
            "name": name,
            "real_name": f"User {user_id}",
            "deleted": False,
            "is_bot": user_id == self.bot_user_id,
            "is_app_user": False,
            # A workspace's roles, as users.info reports them; tests make admins and owners.
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
            "tz": "America/New_York",
            **copy.deepcopy(self.users.get(user_id, {})),
        }
        now = datetime.now(ZoneInfo(user["tz"]))
        offset = now.utcoffset()
        user.setdefault("tz_label", now.tzname())
        user.setdefault("tz_offset", int(offset.total_seconds()) if offset else 0)
        user.setdefault(
            "profile",
            {
                "real_name": user["real_name"],
                "display_name": user["name"],
                "email": f"{name}@{self.team_domain}.example",
                "team": self.team_id,
            },
        )
        return user
