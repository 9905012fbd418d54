"""The `post-monthly-trends` job and `liaison trends`: on the 1st of each month, at its digest's
time, each digest channel gets the twelve weeks' trends (bot/domain/trends.py) and their charts.

Posted once per channel per month, as the weekly digest is (bot/jobs/digest.py): inserting the
`trends_runs` row is the right to post, committed with the outbox rows that carry the post.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.config import Digest
from bot.config.store import ConfiguredWorkspace
from bot.db.session import transaction
from bot.domain import outbox
from bot.domain.models import TrendsRun
from bot.domain.trends import SERIES, compute_trends, last_monthly
from bot.jobs.digest import claim_post
from bot.runtime import Runtime


@dataclass(frozen=True)
class TrendsOutcome:
    channel: str
    scheduled_for: datetime
    payload: dict[str, Any]
    posted: bool  # False for a dry run, or when another process already posted it


def post_trends(
    runtime: Runtime, *, at: datetime | None = None, dry_run: bool = False
) -> list[TrendsOutcome]:
    """Post the monthly trends in every digest channel whose moment has passed (within the
    digest's grace period) and that has not had them yet, for each workspace set up."""
    now = at or runtime.clock()
    outcomes = []
    for workspace in runtime.served_workspaces():
        for digest in workspace.config.digests:
            outcome = _post(runtime, workspace, digest, now=now, dry_run=dry_run)
            if outcome is not None:
                outcomes.append(outcome)
    if any(o.posted for o in outcomes):
        runtime.outbox.send_due()
    return outcomes


def _post(
    runtime: Runtime,
    workspace: ConfiguredWorkspace,
    digest: Digest,
    *,
    now: datetime,
    dry_run: bool,
) -> TrendsOutcome | None:
    scheduled = last_monthly(digest, now)
    if now - scheduled > timedelta(hours=runtime.settings.digest_grace_hours):
        return None
    with transaction(runtime.sessions) as session:
        if not dry_run and not claim_post(session, TrendsRun, workspace, digest, scheduled, now):
            return None  # already posted (or being posted) by another process
        [trends] = compute_trends(
            session,
            config=workspace.config,
            at=scheduled,
            zone=digest.zone,
            workspace_id=workspace.workspace_id,
            departments=digest.departments,
        )
        names = {d.key: d.name for d in workspace.config.departments}
        payload = trends.payload(names)
        if not dry_run:
            common = {
                "workspace_id": workspace.workspace_id,
                "channel": digest.channel,
                "now": now,
                "due": runtime.clock(),
            }
            outbox.enqueue_message(session, template=outbox.TRENDS, payload=payload, **common)
            for series in SERIES:
                outbox.enqueue_message(
                    session,
                    template=outbox.TRENDS_CHART,
                    payload=payload | {"series": series},
                    **common,
                )
    return TrendsOutcome(digest.channel, scheduled, payload, posted=not dry_run)
