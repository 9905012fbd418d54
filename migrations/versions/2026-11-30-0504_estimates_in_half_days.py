"""estimates in half days: one decimal, so 2.5 working days can be stored exactly

Revision ID: d8ddc2e7ddf8
Revises: 8edbe7ef7f78
Create Date: 2026-11-30 05:04:39.793915+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "d8ddc2e7ddf8"
down_revision: str | None = "8edbe7ef7f78"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("estimates", schema=None) as batch_op:
        batch_op.alter_column(
            "days",
            existing_type=sa.INTEGER(),
            type_=sa.Numeric(precision=5, scale=1, asdecimal=False),
            existing_nullable=False,
        )


def downgrade() -> None:
    # PostgreSQL rounds half days away from zero on the way back to whole days.
    with op.batch_alter_table("estimates", schema=None) as batch_op:
        batch_op.alter_column(
            "days",
            existing_type=sa.Numeric(precision=5, scale=1, asdecimal=False),
            type_=sa.INTEGER(),
            existing_nullable=False,
        )
