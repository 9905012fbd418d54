"""Forgetting handled Slack event ids once Slack can no longer send those events again.

An event id (and a submitted form's view id) is kept so that a retry or a duplicate changes
nothing twice. Slack retries an unanswered event for about an hour and a form lives as long as
its modal, so a week is ample; without pruning the table would grow with every event forever.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, select

from bot.db.session import transaction
from bot.domain.models import ProcessedEvent
from bot.runtime import Runtime

KEPT_FOR = timedelta(days=7)
# Rows deleted per transaction, so that on SQLite other writers never wait long behind a prune.
CHUNK = 2000


def prune_handled_events(runtime: Runtime, *, max_chunks: int = 50) -> int:
    """Delete event ids handled more than KEPT_FOR ago; how many were deleted."""
    cutoff = runtime.clock() - KEPT_FOR
    deleted = 0
    for _ in range(max_chunks):
        with transaction(runtime.sessions) as session:
            oldest = (
                select(ProcessedEvent.event_id)
                .where(ProcessedEvent.received_at < cutoff)
                .limit(CHUNK)
                .scalar_subquery()
            )
            count = session.execute(
                delete(ProcessedEvent).where(ProcessedEvent.event_id.in_(oldest))
            ).rowcount
        deleted += count
        if count < CHUNK:
            break
    return deleted
