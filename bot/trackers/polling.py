"""What a poll asks a tracker and what it learns: the linked issues to ask about, and those among
them that changed since the last poll, read into the same snapshots webhooks are
(bot/trackers/changes.py). Each kind's client asks its own way (`changed_since` in
bot/trackers/github.py, jira.py and linear.py), through the shared HTTP layer."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.domain.workflow.tracker_sync import IssueSnapshot

# Issues asked about in one call (Jira's and Linear's page sizes).
BATCH = 100


@dataclass(frozen=True)
class Linked:
    """A linked issue as stored: the tracker's id and key; `unseen` until a webhook or poll
    told anything of it."""

    external_id: str | None
    key: str | None
    unseen: bool = False


@dataclass(frozen=True)
class Polled:
    """What a poll found: the issues that changed, and the validator of the answer (GitHub's
    ETag) to send next time; `unchanged` when the tracker said nothing changed (a 304)."""

    snapshots: list[IssueSnapshot]
    etag: str | None = None
    unchanged: bool = False
    # The latest change in the answer, linked issues or not: where the next poll starts, so a
    # page full of other issues' changes does not hold it back.
    latest: datetime | None = None


def polled(found: Sequence[IssueSnapshot]) -> Polled:
    """The answer of a poll that returns only the linked issues asked about."""
    latest = max((seen.updated_at for seen in found if seen.updated_at), default=None)
    return Polled(list(found), latest=latest)


def iso(moment: datetime) -> str:
    """A moment as the trackers' filters take it (UTC, to the second)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
