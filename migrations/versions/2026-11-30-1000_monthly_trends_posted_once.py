"""monthly trends posted once: one row per digest channel and month

The monthly trends post in each digest channel is posted once per scheduled moment, as the
weekly digest is (digest_runs): inserting the row is the right to post it.

Revision ID: 4c7e1a9b2d58
Revises: 6a3c8e2d4b17
Create Date: 2026-11-30 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4c7e1a9b2d58"
down_revision: str | None = "6a3c8e2d4b17"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trends_runs",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("scheduled_for", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_trends_runs_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "workspace_id", "channel", "scheduled_for", name=op.f("pk_trends_runs")
        ),
    )


def downgrade() -> None:
    op.drop_table("trends_runs")
