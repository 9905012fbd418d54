"""The `post-weekly-digest` job and `liaison digest`.

Posted exactly once per channel per scheduled moment: inserting the `digest_runs` row is the
right to post, and it is committed in the same transaction as the outbox rows that carry the
digest. A scheduler that crashes before that commit leaves nothing behind (the next pass builds
it again); one that crashes after it leaves the digest in the outbox, which delivers it. The
outbox delivers at least once, so the only possible double post is a crash in the instant
between Slack accepting the message and the outbox marking it sent, which we accept over losing
a digest.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from bot.db.session import transaction
from bot.db.upsert import insert_ignoring_conflicts
from bot.domain import outbox
from bot.domain.digest import DigestFacts, build_digest, last_scheduled
from bot.domain.models import DigestRun, Workspace
from bot.runtime import Runtime

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestOutcome:
    facts: DigestFacts
    posted: bool  # False for a dry run, or when another process already posted it


def post_digests(
    runtime: Runtime,
    *,
    at: datetime | None = None,
    channel: str | None = None,
    dry_run: bool = False,
) -> list[DigestOutcome]:
    """Post every digest whose scheduled moment has passed (within the grace period) and that
    was not posted yet; `channel` limits it to one digest."""
    now = at or runtime.clock()
    grace = timedelta(hours=runtime.settings.digest_grace_hours)
    outcomes = []
    for digest in runtime.config.digests:
        if channel is not None and digest.channel != channel:
            continue
        scheduled = last_scheduled(digest, now)
        if now - scheduled > grace:
            continue
        with transaction(runtime.sessions) as session:
            workspace_id = session.scalar(select(Workspace.id).order_by(Workspace.id).limit(1))
            if workspace_id is None:
                log.info("no workspace has used Liaison yet: no digest for %s", digest.channel)
                continue
            if not dry_run and not insert_ignoring_conflicts(
                session,
                DigestRun,
                {"channel": digest.channel, "scheduled_for": scheduled, "created_at": now},
                ["channel", "scheduled_for"],
            ):
                continue  # already posted (or being posted) by another process
            facts = build_digest(
                session, config=runtime.config, digest=digest, scheduled_for=scheduled
            )
            if not dry_run:
                for template in (outbox.WEEKLY_DIGEST, outbox.DIGEST_CHART):
                    outbox.enqueue_message(
                        session,
                        workspace_id=workspace_id,
                        template=template,
                        channel=digest.channel,
                        payload=facts.payload,
                        now=now,
                        due=runtime.clock(),
                    )
        outcomes.append(DigestOutcome(facts=facts, posted=not dry_run))
    if any(o.posted for o in outcomes):
        runtime.outbox.send_due()
    return outcomes
