"""Forgetting a workspace: everything Liaison keeps about it, deleted (`liaison workspace purge`).

A workspace that uninstalled Liaison keeps its data (people may come back, and an operator may
want an export first) until an operator purges it. Rows of a workspace are found by its row in
`workspaces` (departments, requests and all that hangs off them, the outbox, channel notes, Home
visits, digests posted, its settings and their history; deleted with the row through their
`ON DELETE CASCADE` keys too) or by its Slack team id (user groups kept, stored events).
"""

from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from bot.domain.models import (
    ChannelAccess,
    Department,
    DigestRun,
    HomeVisit,
    InboxEvent,
    OutboxMessage,
    Request,
    SettingsChange,
    TrendsRun,
    UsergroupMember,
    UsergroupRead,
    Workspace,
    WorkspaceSettings,
)


def workspace_summary(session: Session, *, team_id: str) -> dict[str, int]:
    """How many requests and departments Liaison keeps for `team_id` (empty when none)."""
    workspace_id = session.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
    if workspace_id is None:
        return {}
    return {
        "requests": _count(session, Request, Request.workspace_id == workspace_id),
        "departments": _count(session, Department, Department.workspace_id == workspace_id),
    }


def purge_workspace(session: Session, *, team_id: str) -> dict[str, int]:
    """Delete every row of workspace `team_id`; how many of each kind were deleted."""
    deleted: dict[str, int] = {}
    workspace_id = session.scalar(select(Workspace.id).where(Workspace.team_id == team_id))
    if workspace_id is not None:
        # Requests first: their estimates, events, nudges and outbox rows go with them, and
        # the departments they name can go after.
        for name, model, column in (
            ("requests", Request, Request.workspace_id),
            ("outbox", OutboxMessage, OutboxMessage.workspace_id),
            ("channel notes", ChannelAccess, ChannelAccess.workspace_id),
            ("home visits", HomeVisit, HomeVisit.workspace_id),
            ("digests posted", DigestRun, DigestRun.workspace_id),
            ("monthly trends posted", TrendsRun, TrendsRun.workspace_id),
            ("departments", Department, Department.workspace_id),
            ("settings", WorkspaceSettings, WorkspaceSettings.workspace_id),
            ("settings changes", SettingsChange, SettingsChange.workspace_id),
            ("workspaces", Workspace, Workspace.id),
        ):
            deleted[name] = session.execute(delete(model).where(column == workspace_id)).rowcount
    for name, model, column in (
        ("user group members", UsergroupMember, UsergroupMember.team_id),
        ("user group reads", UsergroupRead, UsergroupRead.team_id),
    ):
        deleted[name] = session.execute(delete(model).where(column == team_id)).rowcount
    # Stored events name their team inside the JSON body Slack sent; read in Python, which
    # every database can do the same way.
    stored = [
        row_id
        for row_id, body in session.execute(select(InboxEvent.id, InboxEvent.body))
        if isinstance(body, dict) and body.get("team_id") == team_id
    ]
    if stored:
        session.execute(delete(InboxEvent).where(InboxEvent.id.in_(stored)))
    deleted["stored events"] = len(stored)
    return {name: count for name, count in deleted.items() if count}


def _count(session: Session, model: type, condition: object) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(condition)) or 0)  # type: ignore[arg-type]
