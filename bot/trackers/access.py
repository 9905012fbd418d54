"""How Liaison reaches each tracker: the API base, the headers that authenticate a call, and the
secret its webhooks are signed with, from the process settings (`GITHUB_TOKEN`,
`JIRA_BASE_URL`, `LINEAR_API_KEY`, ...; see `../shared/SPEC.md`, "Trackers")."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from bot.config import TrackerKind
from bot.settings import Settings

# What each kind needs from the environment, named as the operator sets it.
REQUIRED_ENV: dict[TrackerKind, tuple[str, ...]] = {
    TrackerKind.GITHUB: ("GITHUB_TOKEN",),
    TrackerKind.JIRA: ("JIRA_BASE_URL", "JIRA_EMAIL", "JIRA_API_TOKEN"),
    TrackerKind.LINEAR: ("LINEAR_API_KEY",),
}


@dataclass(frozen=True)
class TrackerAccess:
    """One tracker kind's API base, authenticating headers and webhook secret. `repr` leaves the
    headers out: they hold the credentials."""

    kind: TrackerKind
    api_url: str
    headers: dict[str, str] = field(repr=False)
    webhook_secret: str | None = field(default=None, repr=False)


def missing_env(kind: TrackerKind, settings: Settings) -> tuple[str, ...]:
    """The environment variables a tracker of `kind` needs and lacks."""
    return tuple(name for name in REQUIRED_ENV[kind] if not getattr(settings, name.lower()))


def access_for(kind: TrackerKind, settings: Settings) -> TrackerAccess | None:
    """How to call a tracker of `kind`, or None when its credentials are not set."""
    if missing_env(kind, settings):
        return None
    if kind == TrackerKind.GITHUB:
        return TrackerAccess(
            kind,
            settings.github_api_url.rstrip("/"),
            {
                "Authorization": f"Bearer {settings.github_token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
            settings.github_webhook_secret,
        )
    if kind == TrackerKind.JIRA:
        basic = f"{settings.jira_email}:{settings.jira_api_token}".encode()
        return TrackerAccess(
            kind,
            str(settings.jira_base_url).rstrip("/"),
            {
                "Authorization": "Basic " + base64.b64encode(basic).decode(),
                "Accept": "application/json",
            },
            settings.jira_webhook_secret,
        )
    # Linear takes a personal API key as it is, without "Bearer".
    return TrackerAccess(
        kind,
        settings.linear_api_url,
        {"Authorization": str(settings.linear_api_key), "Content-Type": "application/json"},
        settings.linear_webhook_secret,
    )


# The setting holding each kind's webhook secret.
_WEBHOOK_SECRETS: dict[TrackerKind, str] = {
    TrackerKind.GITHUB: "github_webhook_secret",
    TrackerKind.JIRA: "jira_webhook_secret",
    TrackerKind.LINEAR: "linear_webhook_secret",
}


def webhook_secret(kind: TrackerKind, settings: Settings) -> str | None:
    """The secret webhooks of `kind` are signed with (checked even when no credentials to call
    the tracker are set: receiving needs none)."""
    secret = getattr(settings, _WEBHOOK_SECRETS[kind])
    return secret if isinstance(secret, str) and secret else None
