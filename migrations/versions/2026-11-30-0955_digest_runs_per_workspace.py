"""digest runs per workspace, digest_runs

A digest was posted once per channel and scheduled moment, whichever workspace it was for; with
many workspaces on one deployment, two of them may post a digest in the same (shared) channel at
the same moment, each with its own numbers. The right to post is now per workspace. A run kept
from before counts for every workspace, as it did.

Revision ID: 6a3c8e2d4b17
Revises: 5d2a7c9e1f38
Create Date: 2026-11-30 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "6a3c8e2d4b17"
down_revision: str | None = "5d2a7c9e1f38"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _old_table() -> sa.TableClause:
    """The columns both shapes of the table have, typed (so SQLite's dates are read as dates)."""
    return sa.table(
        "digest_runs",
        sa.column("channel", sa.String(32)),
        sa.column("scheduled_for", sa.DateTime(timezone=True)),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )


def upgrade() -> None:
    connection = op.get_bind()
    old = _old_table()
    runs = [dict(row._mapping) for row in connection.execute(sa.select(old))]
    workspaces = list(connection.scalars(sa.text("SELECT id FROM workspaces")))
    op.drop_table("digest_runs")
    new = op.create_table(
        "digest_runs",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_digest_runs_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id", "channel", "scheduled_for", name=op.f("pk_digest_runs")
        ),
    )
    rows = [{"workspace_id": w, **run} for run in runs for w in workspaces]
    if rows:
        op.bulk_insert(new, rows)


def downgrade() -> None:
    connection = op.get_bind()
    new = _old_table()
    runs = connection.execute(
        sa.select(
            new.c.channel, new.c.scheduled_for, sa.func.min(new.c.created_at).label("created_at")
        ).group_by(new.c.channel, new.c.scheduled_for)
    )
    rows = [dict(row._mapping) for row in runs]
    op.drop_table("digest_runs")
    old = op.create_table(
        "digest_runs",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("channel", "scheduled_for", name=op.f("pk_digest_runs")),
    )
    if rows:
        op.bulk_insert(old, rows)
