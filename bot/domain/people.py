"""Who belongs where: department membership from the config and from Slack user groups."""

from __future__ import annotations

from collections.abc import Callable

from bot.config import Department, LiaisonConfig

# A user group's members as last read from Slack; None when it has never been read.
UsergroupMembers = Callable[[str], frozenset[str] | None]


class MembershipUnknown(Exception):
    """The answer depends on a user group whose members have not been read from Slack yet."""

    def __init__(self, usergroup: str) -> None:
        super().__init__(f"the members of user group {usergroup} are not known yet")
        self.usergroup = usergroup


class Directory:
    """Answers membership questions; user-group members come from an injected lookup, which
    never waits on Slack (see bot/domain/usergroups.py)."""

    def __init__(self, config: LiaisonConfig, usergroup_members: UsergroupMembers) -> None:
        self._config = config
        self._usergroup_members = usergroup_members

    def is_member(self, user_id: str, department: Department) -> bool:
        """Raises MembershipUnknown when only the department's unread user group could say."""
        if user_id in department.members or user_id in department.leads:
            return True
        if not department.usergroup:
            return False
        members = self._usergroup_members(department.usergroup)
        if members is None:
            raise MembershipUnknown(department.usergroup)
        return user_id in members

    def is_lead(self, user_id: str, department: Department) -> bool:
        return user_id in department.leads

    def requesting_department_for(self, user_id: str) -> Department | None:
        """The department a person files requests for: the first requesting department they
        belong to, else one that accepts requests from anyone; None when they may not file.
        Raises MembershipUnknown when an unread user group might still name them."""
        requesting = self._config.requesting_departments()
        unknown: MembershipUnknown | None = None
        for department in requesting:
            if department.open_to_everyone:
                continue
            try:
                if self.is_member(user_id, department):
                    return department
            except MembershipUnknown as error:
                unknown = unknown or error
        if unknown is not None:
            raise unknown
        return next((d for d in requesting if d.open_to_everyone), None)
