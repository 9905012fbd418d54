"""duplicate Slack events are recognised in one place, processed_events

The inbox stores whatever Slack sends; a retry or a twin is recognised in the transaction of the
change it would make.

Revision ID: 7c1e2f4a9b30
Revises: 7d3e1f0a9b21
Create Date: 2026-11-30 06:15:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7c1e2f4a9b30"
down_revision: str | None = "7d3e1f0a9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_events") as batch_op:
        batch_op.drop_constraint("uq_inbox_events_event_id", type_="unique")


def downgrade() -> None:
    # Twins stored while the constraint was away would stop it from coming back: keep the first.
    inbox = sa.table("inbox_events", sa.column("id"), sa.column("event_id"))
    first = sa.select(sa.func.min(inbox.c.id)).group_by(inbox.c.event_id)
    op.execute(inbox.delete().where(inbox.c.id.not_in(first)))
    with op.batch_alter_table("inbox_events") as batch_op:
        batch_op.create_unique_constraint("uq_inbox_events_event_id", ["event_id"])
