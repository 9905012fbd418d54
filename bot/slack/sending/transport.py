"""How a Slack call's failure is read: retry later (and when), or give up for good."""

from __future__ import annotations

from datetime import datetime, timedelta

from slack_sdk.errors import SlackApiError

from bot.domain.numbers import whole_number

MAX_ATTEMPTS = 12
# Network trouble (urllib's URLError is an OSError): Slack may never have heard the call.
NETWORK_ERRORS = (OSError, TimeoutError)
# Errors that the same call will hit again however often it is retried.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "invalid_blocks",
        "invalid_arguments",
        "msg_too_long",
        "no_text",
        "restricted_action",
        "team_access_not_granted",
        "missing_scope",
        "not_authed",
        "invalid_auth",
        "token_revoked",
    }
)


class Retry(Exception):
    """The effect stays pending and is tried again after `after` (or the backoff)."""

    def __init__(
        self,
        reason: str,
        after: timedelta | None = None,
        *,
        unconfirmed_since: datetime | None = None,
    ) -> None:
        super().__init__(reason)
        self.after = after
        # Set when a post may have reached Slack: when that attempt started.
        self.unconfirmed_since = unconfirmed_since


class Failed(Exception):
    """The effect cannot be sent, however often it is tried: it fails and the leads are told."""


def error_code(error: SlackApiError) -> str | None:
    return error.response.get("error")


def classify(error: SlackApiError, *, attempts: int) -> Retry | Failed:
    """What to do after Slack refused an effect already tried `attempts` times before."""
    status = error.response.status_code
    code = error_code(error) or f"HTTP {status}"
    if status == 429:
        after = error.response.headers.get("retry-after") or error.response.headers.get(
            "Retry-After"
        )
        # Read strictly: a header such as "²" or 10**30 seconds from a proxy is no answer.
        seconds = whole_number(after, low=0, high=int(timedelta(days=1).total_seconds()))
        wait = timedelta(seconds=seconds) if seconds is not None else None
        return Retry(f"rate limited: {code}", wait)
    if code in PERMANENT_ERRORS:
        return Failed(code)
    if attempts + 1 >= MAX_ATTEMPTS:
        return Failed(f"{code} (gave up after {MAX_ATTEMPTS} attempts)")
    return Retry(code)
