"""`liaison check-config --online`, for trackers: each linked tracker's credentials are set in
the environment and accepted, and its target (repository, project, team) exists; each problem
named with its place in the file."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.config import LiaisonConfig, Tracker, TrackerKind
from bot.settings import Settings
from bot.trackers.access import REQUIRED_ENV
from bot.trackers.clients import NotConfigured, http_client, tracker_client
from bot.trackers.http import TrackerError

# The file's key naming each kind's target.
TARGET_KEY = {TrackerKind.GITHUB: "repo", TrackerKind.JIRA: "project", TrackerKind.LINEAR: "team"}


@dataclass
class TrackerReport:
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def check_trackers(config: LiaisonConfig, settings: Settings) -> TrackerReport:
    """Ask each linked tracker whether Liaison's credentials work and its target exists."""
    report = TrackerReport()
    for index, tracker in enumerate(config.trackers):
        place = f'[[trackers]] #{index + 1} (department "{tracker.department}")'
        problem = _problem(tracker, settings)
        if problem is None:
            report.notes.append(f"{place}: {tracker.kind} {tracker.target} is reachable")
        else:
            report.problems.append(f"{place} → {problem}")
    return report


def _problem(tracker: Tracker, settings: Settings) -> str | None:
    target = f"{TARGET_KEY[tracker.kind]}: {tracker.kind} {tracker.target}"
    try:
        http = http_client(tracker.kind, settings)
    except NotConfigured as error:
        return f"kind: {error.message}"
    with http:
        try:
            tracker_client(tracker, settings, http).check()
        except TrackerError as error:
            if error.status in (401, 403) or "authentic" in error.message.lower():
                names = " / ".join(REQUIRED_ENV[tracker.kind])
                return f"kind: {tracker.kind} refused {names}: {error.message}"
            return f"{target}: {error.message}"
    return None
