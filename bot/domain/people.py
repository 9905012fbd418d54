"""Who belongs where: department membership from the config and from Slack user groups."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Department, LiaisonConfig

UsergroupMembers = Callable[[str], frozenset[str]]


class Directory:
    """Answers membership questions; user-group members come from an injected lookup."""

    def __init__(self, config: LiaisonConfig, usergroup_members: UsergroupMembers) -> None:
        self._config = config
        self._usergroup_members = usergroup_members

    def is_member(self, user_id: str, department: Department) -> bool:
        if user_id in department.members or user_id in department.leads:
            return True
        return bool(department.usergroup) and user_id in self._usergroup_members(
            department.usergroup
        )

    def is_lead(self, user_id: str, department: Department) -> bool:
        return user_id in department.leads

    def requesting_department_for(self, user_id: str) -> Department | None:
        """The department a person files requests for: the first requesting department they
        belong to, else one that accepts requests from anyone; None when they may not file."""
        requesting = self._config.requesting_departments()
        for department in requesting:
            if not department.open_to_everyone and self.is_member(user_id, department):
                return department
        return next((d for d in requesting if d.open_to_everyone), None)
