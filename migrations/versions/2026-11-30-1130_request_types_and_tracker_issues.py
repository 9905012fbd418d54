"""request types and tracker issues: what a request was filed as, and the issue it became

`requests.request_type` and `requests.type_fields` keep the type a request was filed with and
its fields' values; `tracker_issues` links a request to the issue created for it in GitHub,
Jira or Linear.

Revision ID: 9b1d4f6a2c30
Revises: 4c7e1a9b2d56
Create Date: 2026-11-30 11:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "9b1d4f6a2c30"
down_revision: str | None = "4c7e1a9b2d56"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("request_type", sa.String(32), nullable=True))
        batch.add_column(
            sa.Column("type_fields", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )
    op.create_table(
        "tracker_issues",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "workspace_id",
            sa.Integer(),
            sa.ForeignKey("workspaces.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("requests.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("target", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("external_id", sa.String(128), nullable=True),
        sa.Column("key", sa.String(128), nullable=True),
        sa.Column("url", sa.Text(), nullable=True),
        sa.Column("due_on", sa.Date(), nullable=True),
        sa.Column("assignee", sa.String(200), nullable=True),
        sa.Column("remote_updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("request_id"),
    )
    op.create_index("ix_tracker_issues_lookup", "tracker_issues", ["kind", "external_id"])
    op.create_index("ix_tracker_issues_open", "tracker_issues", ["workspace_id", "state"])


def downgrade() -> None:
    op.drop_index("ix_tracker_issues_open", table_name="tracker_issues")
    op.drop_index("ix_tracker_issues_lookup", table_name="tracker_issues")
    op.drop_table("tracker_issues")
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("type_fields")
        batch.drop_column("request_type")
