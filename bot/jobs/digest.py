"""The `post-weekly-digest` job and `liaison digest`.

Posted exactly once per workspace, channel and scheduled moment: inserting the `digest_runs` row
is the right to post, and it is committed in the same transaction as the outbox rows that carry the
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

from sqlalchemy.orm import Session

from bot.config import Digest
from bot.config.store import ConfiguredWorkspace
from bot.db.session import transaction
from bot.db.upsert import insert_ignoring_conflicts
from bot.domain import outbox
from bot.domain.digest import DigestFacts, build_digest, last_scheduled
from bot.domain.models import DigestRun, TrendsRun
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
    was not posted yet, for each workspace set up; `channel` limits it to one digest."""
    now = at or runtime.clock()
    outcomes = []
    for workspace in runtime.served_workspaces():
        for digest in workspace.config.digests:
            if channel is not None and digest.channel != channel:
                continue
            outcome = _post_digest(runtime, workspace, digest, now=now, dry_run=dry_run)
            if outcome is not None:
                outcomes.append(outcome)
    if any(o.posted for o in outcomes):
        runtime.outbox.send_due()
    return outcomes


def claim_post(
    session: Session,
    runs: type[DigestRun] | type[TrendsRun],
    workspace: ConfiguredWorkspace,
    digest: Digest,
    scheduled: datetime,
    now: datetime,
) -> bool:
    """Take the right to post into `digest`'s channel for the moment `scheduled` (a weekly digest
    or the monthly trends): one row per workspace, channel and moment, inserted once. False when
    another process (or an earlier run) has it."""
    return insert_ignoring_conflicts(
        session,
        runs,
        {
            "workspace_id": workspace.workspace_id,
            "channel": digest.channel,
            "scheduled_for": scheduled,
            "created_at": now,
        },
        ["workspace_id", "channel", "scheduled_for"],
    )


def _post_digest(
    runtime: Runtime,
    workspace: ConfiguredWorkspace,
    digest: Digest,
    *,
    now: datetime,
    dry_run: bool,
) -> DigestOutcome | None:
    scheduled = last_scheduled(digest, now)
    if now - scheduled > timedelta(hours=runtime.settings.digest_grace_hours):
        return None
    with transaction(runtime.sessions) as session:
        if not dry_run and not claim_post(session, DigestRun, workspace, digest, scheduled, now):
            return None  # already posted (or being posted) by another process
        facts = build_digest(
            session,
            config=workspace.config,
            digest=digest,
            scheduled_for=scheduled,
            workspace_id=workspace.workspace_id,
        )
        if not dry_run:
            message, _chart = (
                outbox.enqueue_message(
                    session,
                    workspace_id=workspace.workspace_id,
                    template=template,
                    channel=digest.channel,
                    payload=facts.payload,
                    now=now,
                    due=runtime.clock(),
                )
                for template in (outbox.WEEKLY_DIGEST, outbox.DIGEST_CHART)
            )
            # The full figures, in the digest's thread once it is posted.
            outbox.enqueue_reply(
                session,
                message,
                template=outbox.DIGEST_FIGURES,
                payload=facts.payload,
                now=now,
                due=runtime.clock(),
            )
    return DigestOutcome(facts=facts, posted=not dry_run)
