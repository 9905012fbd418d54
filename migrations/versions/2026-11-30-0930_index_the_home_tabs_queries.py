"""index the Home tab's queries: a person's requests, their claims, a workspace's open requests

A person's requests newest first, their claimed open requests, and the open requests of a
workspace (team queues, the leads' attention list) are found from an index instead of walking
every request of the workspace (bench/home.py: 100,000 requests).

Revision ID: 8d4b6e2f0c19
Revises: 5f2a9c7d1e63
Create Date: 2026-11-30 09:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "8d4b6e2f0c19"
down_revision: str | None = "5f2a9c7d1e63"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index(
            "ix_requests_requester_number", ["workspace_id", "requester_id", "number"], unique=False
        )
        batch_op.create_index(
            "ix_requests_claimer_status", ["workspace_id", "claimer_id", "status"], unique=False
        )
        batch_op.create_index(
            "ix_requests_workspace_status", ["workspace_id", "status"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_workspace_status")
        batch_op.drop_index("ix_requests_claimer_status")
        batch_op.drop_index("ix_requests_requester_number")
