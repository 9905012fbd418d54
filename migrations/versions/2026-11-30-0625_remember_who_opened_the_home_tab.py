"""remember who opened the Home tab, home_visits

Changes to a request publish the Home tab again only for people who have opened it.

Revision ID: 3b8d5e1c0a47
Revises: 7c1e2f4a9b30
Create Date: 2026-11-30 06:25:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3b8d5e1c0a47"
down_revision: str | None = "7c1e2f4a9b30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "home_visits",
        sa.Column("workspace_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("first_opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["workspace_id"],
            ["workspaces.id"],
            name=op.f("fk_home_visits_workspace_id_workspaces"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("workspace_id", "user_id", name=op.f("pk_home_visits")),
    )


def downgrade() -> None:
    op.drop_table("home_visits")
