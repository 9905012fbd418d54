"""outbox effect kinds apart from message templates

Revision ID: 7d3e1f0a9b21
Revises: 1aa6f64ed25b
Create Date: 2026-11-30 06:00:00.000000+00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7d3e1f0a9b21"
down_revision: str | None = "1aa6f64ed25b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("template", sa.String(length=40), nullable=True))
    # `kind` named the template; it now names the effect (which picks the sender), and the
    # template moves beside it. A card has no template: it is drawn from the request.
    op.execute("UPDATE outbox SET template = kind WHERE kind <> 'card'")
    op.execute("UPDATE outbox SET kind = 'file' WHERE template = 'digest_chart'")
    op.execute("UPDATE outbox SET kind = 'message' WHERE kind NOT IN ('card', 'file')")


def downgrade() -> None:
    op.execute("UPDATE outbox SET kind = template WHERE template IS NOT NULL")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("template")
