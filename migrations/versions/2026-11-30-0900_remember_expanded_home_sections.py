"""remember which Home sections a person expanded, home_visits.expanded

A section someone clicked "Show more" on stays listed at length in every later publish of their
Home, until they click "Show fewer".

Revision ID: 5f2a9c7d1e63
Revises: 5f2a9c7d1e84
Create Date: 2026-11-30 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5f2a9c7d1e63"
down_revision: str | None = "5f2a9c7d1e84"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("home_visits") as batch:
        batch.add_column(
            sa.Column("expanded", sa.String(length=64), server_default="", nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("home_visits") as batch:
        batch.drop_column("expanded")
