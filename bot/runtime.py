"""What every handler and job is handed: settings, the database, the clock, Slack clients and the
two queues (stored events, the outbox). It is built by bot/wiring.py; nothing here builds it."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from slack_sdk import WebClient
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from bot.config import LiaisonConfig
from bot.config.store import ConfiguredWorkspace, SettingsStore
from bot.domain.filing import DepartmentRows
from bot.domain.realistic import Realistic
from bot.domain.requests import TeamIds
from bot.settings import Settings
from bot.slack.cache import ExpiringCache
from bot.slack.permissions import Permissions

if TYPE_CHECKING:
    from bot.slack.installations import Installations

Clock = Callable[[], datetime]
log = logging.getLogger(__name__)

# The work after an answer waits until this process has had nobody to answer for QUIET_SECONDS
# (between two requests of a burst there is no time to spare), and at most ANSWERS_FIRST_SECONDS
# after it was queued: under a load the process cannot keep up with, answers keep their 3-second
# promise and the work queued during the burst (stored, so nothing is lost) runs once it passes,
# or this late (less than the minute a stored event stays leased to the process that stored it).
QUIET_SECONDS = 0.05
ANSWERS_FIRST_SECONDS = 30.0
# How long a department's realistic date is reused (see `Runtime.realistic`): reading its open
# queue costs a submission more than everything else before its answer, and a forecast counted
# in working days does not move in seconds.
REALISTIC_SECONDS = 10.0
# Keyed by workspace, fulfilling department and settings version.
RealisticCache = ExpiringCache[tuple[str, str, int], Realistic]


def system_clock() -> datetime:
    return datetime.now(UTC)


class Stoppable(Protocol):
    """Work under leases that a stopping process lets finish, then gives back."""

    def stop(self) -> None: ...

    def wait_idle(self, timeout: float) -> bool: ...

    def release_leases(self) -> int: ...


class OutboxSender(Stoppable, Protocol):
    """Sends what changes left in the outbox (bot/slack/sending/)."""

    def send_request(self, request_id: int) -> Any: ...

    def send_issue_of(self, request_id: int) -> Any: ...

    def send_due(self) -> Any: ...

    def send_homes(self) -> Any: ...


class TimeZones(Protocol):
    """People's own time zones, for reminders in their working hours (bot/slack/people.py)."""

    def zone(self, team_id: str, user_id: str) -> ZoneInfo | None: ...


class StoredEvents(Stoppable, Protocol):
    """Slack events kept from their answer until they are handled (bot/slack/inbox.py)."""

    def store(
        self, body: dict[str, Any], *, source: str = "slack", handle_here: bool = False
    ) -> int: ...

    def handle(self, row_id: int) -> None: ...

    def handle_due(self, *, limit: int = 500) -> int: ...


class Answering:
    """Counts the Slack requests this process is answering, so that the work after an answer
    can let them go first: Slack needs an answer within 3 seconds, a message sent a moment later
    is as good. Threads of one process share one interpreter lock, so work running beside an
    answer slows it down as much as another answer would."""

    def __init__(self, *, quiet: float = QUIET_SECONDS) -> None:
        self._quiet = quiet
        self._count = 0
        self._stopped = False
        self._idle_since = time.monotonic() - quiet
        self._changed = threading.Condition()

    @contextmanager
    def one(self) -> Iterator[None]:
        with self._changed:
            self._count += 1
        try:
            yield
        finally:
            with self._changed:
                self._count -= 1
                if self._count == 0:
                    self._idle_since = time.monotonic()
                    if not self._quiet:
                        self._changed.notify_all()

    def stop_waiting(self) -> None:
        """Let every wait end now and none begin (a stopping process has no answers to wait for,
        and the work waiting ends quickly once it sees the process stopping)."""
        with self._changed:
            self._stopped = True
            self._changed.notify_all()

    def wait_until_quiet(self, timeout: float) -> bool:
        """Return once no request has been answered for the quiet period (True), or after
        `timeout` seconds anyway (False), so the work goes on, if more slowly, while requests
        keep coming."""
        with self._changed:
            end = time.monotonic() + timeout
            while True:
                now = time.monotonic()
                if self._stopped:
                    return True
                if self._count == 0 and now >= self._idle_since + self._quiet:
                    return True
                if now >= end:
                    return False
                # With a quiet period, the waiting threads look again once it could be over
                # rather than being woken each time the count drops to zero (under a load,
                # hundreds of times a second, each waking every waiting thread); without one,
                # they are woken then.
                wake = self._idle_since + self._quiet if self._count == 0 else now + self._quiet
                self._changed.wait(min(wake, end) - now if self._quiet else end - now)


@dataclass
class Runtime:
    settings: Settings
    # Each workspace's settings (departments, digests, ...): see bot/config/store.py.
    workspace_settings: SettingsStore
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    client_for: Callable[[str], WebClient]
    outbox: OutboxSender
    inbox: StoredEvents
    time_zones: TimeZones
    # Who may see and change settings in Slack (bot/slack/permissions.py).
    permissions: Permissions
    # Where the work after an answer runs (handling stored events, sending the outbox), so the
    # threads that answer Slack (and must acknowledge within 3 s) are never held up by it.
    background: Executor
    # Where the calls to issue trackers run, apart: a tracker that is slow or down holds none
    # of the threads that send Slack messages.
    tracker_background: Executor
    answering: Answering = field(default_factory=Answering)
    # Per thread: the work after an answer this background thread still has to do (`_soon`).
    _background_work: threading.local = field(default_factory=threading.local, repr=False)
    # The Slack team of each workspace row, remembered (shared with the outbox).
    teams: TeamIds = field(default_factory=TeamIds)
    # Each workspace's department rows as of its settings version, for filing (remembered).
    departments: DepartmentRows = field(default_factory=DepartmentRows)
    # Each department's realistic date, reused for REALISTIC_SECONDS (bot/slack/listeners/
    # promise.py `realistic_of`); a change of the workspace's settings gives it a new key.
    realistic: RealisticCache = field(
        default_factory=lambda: ExpiringCache(ttl=REALISTIC_SECONDS, max_entries=1000)
    )
    # Multi-workspace mode (OAuth): the installations, each workspace's bot token (see
    # bot/slack/installations.py); None with one bot token (SLACK_BOT_TOKEN).
    installations: Installations | None = None
    # In that mode, a client without a token that Bolt copies for each request (with the
    # workspace's token) and calls oauth.v2.access with: the base URL and retries of ours.
    bare_client: WebClient | None = None

    def config_for(self, team_id: str) -> LiaisonConfig:
        """The settings of the workspace `team_id` (cached; see bot/config/store.py)."""
        return self.workspace_settings.config_for(team_id)

    def config_of(self, session: Session, workspace_id: int) -> LiaisonConfig:
        """The settings of the workspace whose row is `workspace_id` (a request's, say)."""
        return self.config_for(self.teams.of(session, workspace_id))

    def installer_of(self, team_id: str) -> str | None:
        """Who installed Liaison in the workspace `team_id` (a user id), for deciding who may
        change its settings; None with one bot token (nobody installed it through Liaison), or
        once the workspace uninstalled it."""
        if self.installations is None:
            return None
        return self.installations.installer_of(team_id)

    def served_workspaces(self) -> list[ConfiguredWorkspace]:
        """The workspaces the jobs work for, each with its settings: those set up and, in
        multi-workspace mode, installed (one that uninstalled Liaison is left alone)."""
        configured = self.workspace_settings.configured_workspaces()
        if self.installations is None:
            return configured
        installed = set(self.installations.teams())
        return [workspace for workspace in configured if workspace.team_id in installed]

    @property
    def works_inline(self) -> bool:
        """True when this process does the work after the answer (LIAISON_BACKGROUND=inline)."""
        return self.settings.liaison_background == "inline"

    def store_event(self, body: dict[str, Any], *, source: str = "slack") -> None:
        """Store an event (from Slack, or a tracker's webhook) before it is answered (raises when
        the database cannot take it), then have it handled in the background (or leave it to
        the worker process)."""
        row_id = self.inbox.store(body, source=source, handle_here=self.works_inline)
        self._soon(lambda: self.inbox.handle(row_id), f"handling stored event {row_id}")

    def send_soon(self, request_id: int, *, issue: bool = False) -> None:
        """Send what a change queued for this request, in the background (or leave it to the
        worker process); with `issue` (the change queued the creation of its issue in a
        tracker: bot/domain/trackers.py `issue_queued`), that creation beside it."""
        self._soon(
            lambda: self.outbox.send_request(request_id), f"sending for request {request_id}"
        )
        if issue:
            self._soon(
                lambda: self.outbox.send_issue_of(request_id),
                f"creating the issue of request {request_id}",
                on=self.tracker_background,
            )

    def work_soon(self, work: Callable[[], object], what: str) -> None:
        """Run `work` after the answer, in the background (or leave it to the worker process's
        jobs, which do the same)."""
        self._soon(work, what)

    def stop(self, *, grace: float) -> int:
        """Stop the work that follows answers (SIGTERM): nothing new starts, what is under way
        gets `grace` seconds to finish, then the leases still held are given back so another
        process takes that work up at once; how many were given back."""
        self.outbox.stop()
        self.inbox.stop()
        self.answering.stop_waiting()
        for pool in (self.background, self.tracker_background):
            pool.shutdown(wait=False, cancel_futures=True)  # the scheduler re-finds the work
        deadline = time.monotonic() + grace
        for queue in (self.outbox, self.inbox):
            queue.wait_idle(deadline - time.monotonic())
        try:
            released = self.outbox.release_leases() + self.inbox.release_leases()
        except SQLAlchemyError:
            log.warning("could not give back the leases held; they run out within a minute")
            return 0
        if released:
            log.warning("gave back %s leases of work that did not finish in time", released)
        return released

    def _soon(self, work: Callable[[], object], what: str, *, on: Executor | None = None) -> None:
        """Run `work` on the background pool (or `on`) when this process does the work after the
        answer (LIAISON_BACKGROUND=inline), once the answers in flight are out (see
        `Answering`); the worker process does it otherwise."""
        if not self.works_inline:
            return

        follow_ups: list[tuple[Callable[[], object], str]] | None = getattr(
            self._background_work, "queued", None
        )
        if follow_ups is not None:
            # This thread is doing the work after an answer already (handling an event that
            # queued messages, say): the new work follows it here, without another wake-up.
            follow_ups.append((work, what))
            return
        latest = time.monotonic() + ANSWERS_FIRST_SECONDS

        def run() -> None:
            queued = [(work, what)]
            self._background_work.queued = queued
            try:
                while queued:
                    # Before each piece, not only the first: an answer that came in meanwhile
                    # goes first.
                    self.answering.wait_until_quiet(latest - time.monotonic())
                    next_work, next_what = queued.pop(0)
                    try:
                        next_work()
                    except Exception:  # the scheduler's next pass takes up whatever is left
                        log.exception("%s failed; the scheduler will retry", next_what)
            finally:
                self._background_work.queued = None

        try:
            (on or self.background).submit(run)
        except RuntimeError:  # stopping: the scheduler's next pass (here or elsewhere) has it
            log.info("%s left to the scheduler: stopping", what)
