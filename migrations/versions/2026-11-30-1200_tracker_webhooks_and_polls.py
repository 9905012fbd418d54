"""tracker webhooks and polls: where a stored event came from, and each tracker's last poll

`inbox_events.source` says who sent a stored event (`slack`, or a tracker kind: `github`,
`jira`, `linear`), so tracker webhooks are stored and handled the one way Slack events are;
`tracker_polls` keeps, per workspace and tracker, when its linked issues were last asked for and
up to when changes were seen (the next poll asks for those since), and the validator (ETag) of
that answer, for installations that poll instead of receiving webhooks.

Revision ID: 5e2a7c1d9f40
Revises: 9b1d4f6a2c30
Create Date: 2026-11-30 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e2a7c1d9f40"
down_revision: str | None = "9b1d4f6a2c30"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_events") as batch:
        batch.add_column(
            sa.Column("source", sa.String(16), server_default=sa.text("'slack'"), nullable=False)
        )
    op.create_table(
        "tracker_polls",
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("kind", sa.String(16), primary_key=True),
        sa.Column("target", sa.String(200), primary_key=True),
        sa.Column("polled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("since", sa.DateTime(timezone=True), nullable=True),
        sa.Column("etag", sa.String(200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("tracker_polls")
    with op.batch_alter_table("inbox_events") as batch:
        batch.drop_column("source")
