"""The outbox's sender for `tracker` effects: creates the request's issue in its department's
tracker, once, and tells Slack where it is.

Before asking the tracker it marks the request's `tracker_issues` row `creating` in a transaction
of its own; an attempt that finds the row already `creating` (an earlier answer was lost, or the
process stopped mid-call) or `failed` (a lead's retry) first searches the tracker for an issue
carrying the request's marker and adopts it instead of creating a second, as it is then (one
closed meanwhile delivers the request). Once created, the row holds the issue's key and address
and the card, its thread and the requester hear of it.

The effect is about no request, so the loop never holds the request's Slack messages behind it;
it is sent right after the change that queued it all the same (`Outbox.send_issue_of`).

The tracker's refusals come out as the outbox's `Retry` (rate limits with their Retry-After, 5xx,
timeouts) or `Failed` (stored on the row; the loop tells the department's leads, who get a
"Retry" button). The Slack client the loop hands over is used only to read the claimer's e-mail
(`users.info`) when the tracker's `users` map does not name them.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import LiaisonConfig, Tracker, TrackerKind
from bot.db.session import transaction
from bot.domain import outbox, trackers
from bot.domain.models import Request
from bot.domain.usergroups import directory_for_workspace
from bot.domain.workflow import Workflow
from bot.settings import Settings
from bot.slack.sending.effects import Effect, SendResult
from bot.slack.sending.transport import MAX_ATTEMPTS, NETWORK_ERRORS, Failed, Retry
from bot.trackers.clients import TrackerClient, http_client, tracker_client
from bot.trackers.http import TrackerError, Unanswered, documented_shape
from bot.trackers.issue import CreatedIssue, IssueDraft, draft_for

log = logging.getLogger(__name__)

# How long after an unanswered attempt the next one (which searches first) waits: a tracker's
# search index (GitHub's above all) lags behind a creation by up to about a minute.
UNANSWERED_WAIT = timedelta(minutes=1)


class TrackerSender:
    """Sends `tracker` effects; holds one httpx client per tracker kind. Without `settings` and
    `sessions` (the bare registry) every effect fails: nothing was wired to reach a tracker."""

    coalesces = False

    def __init__(
        self,
        *,
        settings: Settings | None = None,
        sessions: sessionmaker[Session] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self._settings = settings
        self._sessions = sessions
        self._clock = clock
        self._http: dict[TrackerKind, httpx.Client] = {}
        self._lock = threading.Lock()

    def build(self, effect: Effect, session: Session, config: LiaisonConfig) -> dict[str, Any]:
        request_id = (effect.row.payload or {}).get("request_id")
        request = session.get(Request, request_id) if request_id is not None else None
        row = trackers.issue_of(session, request.id) if request is not None else None
        if request is None or row is None:
            return {"skip": "the request is gone"}
        if row.state in (trackers.OPEN, trackers.CLOSED):
            return {"skip": f"already created as {row.key}"}
        tracker = trackers.tracker_of(config, request)
        if tracker is None or tracker.kind.value != row.kind or tracker.target != row.target:
            return {
                "error": "the department no longer links this tracker",
                "request_id": request.id,
            }
        kind = config.request_type(request.fulfilling_department.key, request.request_type)
        labels = {f.key: f.label for f in kind.fields} if kind is not None else {}
        return {
            "request_id": request.id,
            "tracker": tracker,
            "draft": draft_for(request, type_labels=labels),
            "claimer": request.claimer_id,
            "config": config,
        }

    def conversation(self, effect: Effect) -> str | None:
        return None  # not a Slack conversation

    def send(self, effect: Effect, client: WebClient) -> SendResult:
        content = effect.content
        if "skip" in content:
            return SendResult()
        if "error" in content:
            self._failed(content["request_id"], content["error"])
            raise Failed(content["error"])
        tracker: Tracker = content["tracker"]
        try:
            api = tracker_client(tracker, self._need_settings(), self._client(tracker.kind))
        except TrackerError as error:  # credentials not set
            self._failed(content["request_id"], error.message)
            raise Failed(f"{tracker.kind}: {error.message}") from error
        draft: IssueDraft = content["draft"]
        assignee = self._assignee(tracker, api, content.get("claimer"), client)
        if assignee:
            draft = dataclasses.replace(draft, assignee=assignee)
        asked_before = self._mark_creating(content["request_id"])
        try:
            with documented_shape():
                issue = (api.find(draft) if asked_before else None) or api.create(draft)
        except TrackerError as error:
            raise self._refused(effect, content["request_id"], tracker, error) from error
        self._created(content["request_id"], issue, draft, content["config"])
        return SendResult()

    # -- the steps ---------------------------------------------------------------------------

    def _assignee(
        self, tracker: Tracker, api: TrackerClient, claimer: str | None, client: WebClient
    ) -> str | None:
        """The claimer's tracker account: from the tracker's `users` map, else the tracker's
        account with the e-mail Slack has for them. Not finding one is no reason to fail."""
        if claimer is None:
            return None
        if claimer in tracker.users:
            return tracker.users[claimer]
        try:
            email = (
                (client.users_info(user=claimer).get("user") or {}).get("profile", {}).get("email")
            )
            return api.account_for(str(email)) if email else None
        except (SlackApiError, TrackerError, *NETWORK_ERRORS) as error:
            log.info("no %s account found for %s: %s", tracker.kind, claimer, error)
            return None

    def _mark_creating(self, request_id: int) -> bool:
        """Record that the tracker is about to be asked; whether it may have been asked before."""
        with transaction(self._need_sessions()) as session:
            row = trackers.issue_of(session, request_id)
            assert row is not None
            asked_before = row.state != trackers.QUEUED
            row.state = trackers.CREATING
            row.updated_at = self._now()
            return asked_before

    def _refused(
        self, effect: Effect, request_id: int, tracker: Tracker, error: TrackerError
    ) -> Retry | Failed:
        message = f"{tracker.kind}: {error.message}"
        if error.retryable and effect.row.attempts + 1 < MAX_ATTEMPTS:
            after = timedelta(seconds=error.retry_after) if error.retry_after is not None else None
            if isinstance(error, Unanswered):
                # The issue may exist: look for it once the tracker's search can see it.
                after = max(after or UNANSWERED_WAIT, UNANSWERED_WAIT)
            return Retry(message, after)
        self._failed(request_id, error.message)
        return Failed(message)

    def _failed(self, request_id: int, message: str) -> None:
        with transaction(self._need_sessions()) as session:
            row = trackers.issue_of(session, request_id)
            request = session.get(Request, request_id)
            if row is None or request is None:
                return
            row.state = trackers.FAILED
            row.last_error = message
            row.updated_at = self._now()
            outbox.refresh_card(session, request, now=self._now())  # it says the tracker refused

    def _created(
        self, request_id: int, issue: CreatedIssue, draft: IssueDraft, config: LiaisonConfig
    ) -> None:
        """Keep the issue on the row; refresh the card, note it in the thread, tell the
        requester. An issue found rather than created may have changed before Liaison knew of
        it (closed, say, while the creation's answer was lost): what it is now is followed as
        a webhook would be."""
        now = self._now()
        with transaction(self._need_sessions()) as session:
            row = trackers.issue_of(session, request_id)
            request = session.get(Request, request_id, with_for_update={"of": Request})
            if row is None or request is None:
                return
            row.state = trackers.OPEN
            row.external_id = issue.external_id
            row.key = issue.key
            row.url = issue.url
            row.due_on = draft.due_on
            row.assignee = draft.assignee
            row.last_error = None
            row.updated_at = now
            outbox.refresh_card(session, request, now=now)
            facts = {"change": "issue_created", "issue_key": issue.key, "issue_url": issue.url}
            for channel, in_thread in ((None, True), (request.requester_id, False)):
                outbox.enqueue_message(
                    session,
                    workspace_id=request.workspace_id,
                    template=outbox.THREAD_NOTE if in_thread else outbox.DIRECT_NOTE,
                    request=request,
                    channel=channel,
                    in_thread=in_thread,
                    payload=facts,
                    now=now,
                )
            if issue.seen is not None:
                directory = directory_for_workspace(
                    session, config=config, workspace_id=request.workspace_id
                )
                workflow = Workflow(session, config=config, directory=directory, now=now)
                # Without its time: a search's answer may lag (GitHub's does), so the issue
                # counts as not seen yet and the next poll asks about it from its creation.
                workflow.follow_issue(
                    request, row, dataclasses.replace(issue.seen, updated_at=None)
                )

    # -- what it holds -------------------------------------------------------------------------

    def _client(self, kind: TrackerKind) -> httpx.Client:
        with self._lock:
            if kind not in self._http:
                self._http[kind] = http_client(kind, self._need_settings())
            return self._http[kind]

    def close(self) -> None:
        with self._lock:
            for http in self._http.values():
                http.close()
            self._http.clear()

    def _need_settings(self) -> Settings:
        if self._settings is None:
            raise Failed("no tracker settings were wired")
        return self._settings

    def _need_sessions(self) -> sessionmaker[Session]:
        if self._sessions is None:
            raise Failed("no database was wired for tracker issues")
        return self._sessions

    def _now(self) -> datetime:
        if self._clock is None:
            raise Failed("no clock was wired for tracker issues")
        return self._clock()
