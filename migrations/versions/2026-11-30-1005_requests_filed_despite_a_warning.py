"""requests filed despite a warning: the intake modal said the date was likely at risk

Filing anyway stays allowed; the request remembers it, and `liaison stats` counts such requests.

Revision ID: 4c7e1a9b2d56
Revises: 4c7e1a9b2d58
Create Date: 2026-11-30 09:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "4c7e1a9b2d56"
down_revision: str | None = "4c7e1a9b2d58"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(
            sa.Column(
                "filed_despite_warning", sa.Boolean(), server_default=sa.false(), nullable=False
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("filed_despite_warning")
