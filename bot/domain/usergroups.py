"""The members of Slack user groups as Liaison last knew them, per workspace.

Answers to people (a command, a click, a form) must come within Slack's 3 seconds and must never
wait on Slack while a database transaction is open, so membership is read from here: the
`refresh-usergroups` job reads each configured group from Slack every few minutes, and Slack's
`subteam_members_changed` / `subteam_updated` events apply changes in between. The database is
shared by every web and worker process, so one read serves them all. A group never read has no
row in `usergroup_reads`: its membership is unknown, not empty.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from bot.config import LiaisonConfig
from bot.db.session import reading
from bot.db.upsert import insert_many_ignoring_conflicts
from bot.domain.models import UsergroupMember, UsergroupRead, Workspace
from bot.domain.people import Directory


def members_of(session: Session, *, team_id: str, usergroup: str) -> frozenset[str] | None:
    """The group's members as last known; None when the group was never read."""
    read = session.get(UsergroupRead, (team_id, usergroup))
    if read is None:
        return None
    return frozenset(
        session.scalars(
            select(UsergroupMember.user_id).where(
                UsergroupMember.team_id == team_id, UsergroupMember.usergroup_id == usergroup
            )
        )
    )


def replace_members(
    session: Session,
    *,
    team_id: str,
    usergroup: str,
    members: Iterable[str],
    now: datetime,
    error: str | None = None,
) -> None:
    """Slack's whole answer for the group: it is known from now on, with exactly `members`."""
    _mark_read(session, team_id=team_id, usergroup=usergroup, now=now, error=error)
    session.execute(
        delete(UsergroupMember).where(
            UsergroupMember.team_id == team_id, UsergroupMember.usergroup_id == usergroup
        )
    )
    _add(session, team_id, usergroup, members)


def note_failed_read(session: Session, *, team_id: str, usergroup: str, error: str) -> None:
    """A read that failed: the members last known stay, with the reason kept beside them."""
    read = session.get(UsergroupRead, (team_id, usergroup))
    if read is not None:
        read.last_error = error[:64]


def apply_change(
    session: Session,
    *,
    team_id: str,
    usergroup: str,
    added: Iterable[str] = (),
    removed: Iterable[str] = (),
) -> bool:
    """A change Slack told of (an event). Only applied to a group already read, since a change
    alone does not say who else is in it; False when it was not applied."""
    if session.get(UsergroupRead, (team_id, usergroup), with_for_update=True) is None:
        return False
    removed = set(removed)
    if removed:
        session.execute(
            delete(UsergroupMember).where(
                UsergroupMember.team_id == team_id,
                UsergroupMember.usergroup_id == usergroup,
                UsergroupMember.user_id.in_(removed),
            )
        )
    _add(session, team_id, usergroup, added)
    return True


def directory_for_team(session: Session, *, config: LiaisonConfig, team_id: str) -> Directory:
    """A directory for one workspace that reads user groups from `session` (never from Slack)."""
    return directory_for(lambda: session, config=config, team_id=lambda: team_id)


@contextmanager
def directory_reading(
    sessions: sessionmaker[Session], *, config: LiaisonConfig, team_id: str
) -> Iterator[Directory]:
    """The same in a reading transaction of its own, begun only once a user group is consulted:
    with departments that list their members, deciding who someone is costs no transaction."""
    with ExitStack() as stack:
        opened: list[Session] = []

        def session() -> Session:
            if not opened:
                opened.append(stack.enter_context(reading(sessions)))
            return opened[0]

        yield directory_for(session, config=config, team_id=lambda: team_id)


def directory_for_workspace(
    session: Session, *, config: LiaisonConfig, workspace_id: int
) -> Directory:
    """The same, for a workspace row (its team is looked up only if a group is consulted)."""

    def team_id() -> str:
        return session.get_one(Workspace, workspace_id).team_id

    return directory_for(lambda: session, config=config, team_id=team_id)


def directory_for(
    session: Callable[[], Session], *, config: LiaisonConfig, team_id: Callable[[], str]
) -> Directory:
    known: dict[str, frozenset[str] | None] = {}

    def usergroup_members(usergroup: str) -> frozenset[str] | None:
        if usergroup not in known:
            known[usergroup] = members_of(session(), team_id=team_id(), usergroup=usergroup)
        return known[usergroup]

    return Directory(config, usergroup_members)


def _mark_read(
    session: Session, *, team_id: str, usergroup: str, now: datetime, error: str | None
) -> None:
    # An upsert, which also locks the row on PostgreSQL: concurrent writers of one group queue.
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    values = {"read_at": now, "last_error": error[:64] if error else None}
    session.execute(
        dialect.insert(UsergroupRead)
        .values(team_id=team_id, usergroup_id=usergroup, **values)
        .on_conflict_do_update(index_elements=["team_id", "usergroup_id"], set_=values)
    )


def _add(session: Session, team_id: str, usergroup: str, users: Iterable[str]) -> None:
    rows = [
        {"team_id": team_id, "usergroup_id": usergroup, "user_id": user}
        for user in dict.fromkeys(users)
    ]
    insert_many_ignoring_conflicts(
        session, UsergroupMember, rows, ["team_id", "usergroup_id", "user_id"]
    )
