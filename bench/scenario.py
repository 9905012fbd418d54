"""The benchmark's company: five departments, 200 people, one digest, and the fixed "now"."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.config import LiaisonConfig, parse_config

# Monday 10:00 in New York, 16:00 in Berlin: business time for every department, so the
# nudge pass evaluates (and would send) everything that is due.
NOW = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
HISTORY = timedelta(days=730)
REQUESTS = 100_000
SEED = 20261130
TEAM_ID = "T0BENCH"
DIGEST_CHANNEL = "C0BENCHSHARED"


@dataclass(frozen=True)
class Team:
    key: str
    name: str
    role: str
    size: int
    timezone: str
    intake_channel: str | None = None
    usergroup: str | None = None


TEAMS = (
    Team("sales", "Sales", "requester", 60, "America/New_York"),
    Team("success", "Customer Success", "requester", 40, "Europe/London"),
    Team("marketing", "Marketing", "requester", 30, "America/New_York"),
    Team("eng", "Engineering", "fulfiller", 50, "Europe/Berlin", "C0BENCHENG", "S0BENCHENG"),
    Team("data", "Data", "fulfiller", 20, "America/New_York", "C0BENCHDATA"),
)
LEADS_PER_TEAM = 2


def people() -> dict[str, list[str]]:
    """Each team's Slack user ids (U0000001…U0000200); the first two of each are its leads."""
    members: dict[str, list[str]] = {}
    number = 0
    for team in TEAMS:
        members[team.key] = [f"U{number + i:07d}" for i in range(1, team.size + 1)]
        number += team.size
    return members


def config_data() -> dict[str, Any]:
    """The config file's content, as parsed TOML."""
    members = people()
    departments = []
    for team in TEAMS:
        department: dict[str, Any] = {
            "key": team.key,
            "name": team.name,
            "role": team.role,
            "members": members[team.key],
            "leads": members[team.key][:LEADS_PER_TEAM],
            "timezone": team.timezone,
        }
        if team.intake_channel:
            department["intake_channel"] = team.intake_channel
        if team.usergroup:
            department["usergroup"] = team.usergroup
        departments.append(department)
    return {
        "organization": {
            "timezone": "America/New_York",
            "holidays": [
                "2024-12-25",
                "2025-01-01",
                "2025-07-04",
                "2025-11-27",
                "2025-12-25",
                "2026-01-01",
                "2026-07-03",
                "2026-11-26",
                "2026-12-25",
            ],
        },
        "departments": departments,
        "digests": [
            {
                "channel": DIGEST_CHANNEL,
                "departments": [team.key for team in TEAMS],
                "weekday": "mon",
                "time": "09:00",
                "timezone": "America/New_York",
            }
        ],
    }


def bench_config() -> LiaisonConfig:
    return parse_config(config_data(), "<bench>")
