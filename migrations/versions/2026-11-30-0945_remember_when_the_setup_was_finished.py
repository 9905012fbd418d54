"""remember when the setup was finished, workspaces.setup_finished_at

A workspace set up from the Home tab shows its admins the setup's steps until they finish it
(the digest step saved or skipped).

Revision ID: 7c3e1a9b5d20
Revises: 8d4b6e2f0c19
Create Date: 2026-11-30 09:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c3e1a9b5d20"
down_revision: str | None = "8d4b6e2f0c19"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Plain ALTER TABLE (SQLite has both since 3.35): a batch copy of `workspaces` would make SQLite
# delete every row that cascades from it when the old table is dropped.
def upgrade() -> None:
    op.add_column(
        "workspaces", sa.Column("setup_finished_at", sa.DateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:
    op.drop_column("workspaces", "setup_finished_at")
