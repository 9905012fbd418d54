"""Calling a tracker over HTTP and reading its refusals: a retryable failure (rate limits with the
wait the tracker asks for, 5xx, 408) or a permanent one, with the tracker's own message
(GitHub's `message` and validation `errors`, Jira's `errorMessages` and `errors`, Linear's
GraphQL `errors`). A request that got no answer may still have been carried out: `Unanswered`."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from bot.domain.numbers import whole_number

# The longest wait a tracker's Retry-After is trusted for; past it the outbox's backoff decides.
MAX_RETRY_AFTER = 24 * 3600
# How much of a tracker's message is kept (it is shown to leads and stored).
MESSAGE_LIMIT = 500


class TrackerError(Exception):
    """The tracker refused. `retryable`: the same call may work later (after `retry_after`
    seconds when the tracker said so); otherwise it will not, and `message` says why in the
    tracker's words."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool = False,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.retryable = retryable
        self.retry_after = retry_after


class Unanswered(TrackerError):
    """No answer came (a timeout, a dropped connection): the tracker may have done it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, retryable=True)


@dataclass(frozen=True)
class Reply:
    """A tracker's answer: its status (2xx, or 304 to a conditional request), JSON body (None
    for a 304) and headers (GitHub's ETag)."""

    status: int
    body: Any
    headers: httpx.Headers


def send(http: httpx.Client, method: str, url: str, **kwargs: Any) -> Any:
    """One call; its JSON answer, or TrackerError. Nothing is retried here: the outbox does."""
    return exchange(http, method, url, **kwargs).body


def exchange(http: httpx.Client, method: str, url: str, **kwargs: Any) -> Reply:
    """One call; the whole answer (a 304 Not Modified included), or TrackerError."""
    try:
        response = http.request(method, url, **kwargs)
    except httpx.TimeoutException as error:
        raise Unanswered(f"no answer in time ({type(error).__name__})") from error
    except httpx.TransportError as error:
        raise Unanswered(f"connection failed ({type(error).__name__})") from error
    if response.status_code == 304:
        return Reply(304, None, response.headers)
    body = _json(response)
    if response.is_success:
        return Reply(response.status_code, body, response.headers)
    raise refusal(response, body)


def require(http: httpx.Client, url: str, missing: str) -> None:
    """GET `url`, which must exist: a 404 is said as `missing`, with the tracker's words."""
    try:
        send(http, "GET", url)
    except TrackerError as error:
        if error.status == 404:
            raise TrackerError(f"{missing} ({error.message})", status=404) from error
        raise


@contextmanager
def documented_shape() -> Iterator[None]:
    """Read a tracker's answer: one not in the documented shape (a proxy's page, an API change)
    is a retryable TrackerError, not a crash."""
    try:
        yield
    except (KeyError, TypeError, ValueError, AttributeError) as error:
        raise TrackerError(f"unexpected answer ({error!r})", retryable=True) from error


def refusal(response: httpx.Response, body: Any) -> TrackerError:
    """What an unsuccessful answer means."""
    status = response.status_code
    message = vendor_message(body) or f"HTTP {status} {response.reason_phrase}".strip()
    retry_after = _retry_after(response)
    limited = status == 429 or (
        # GitHub answers an exhausted rate limit with 403 (or 429) and no more requests left.
        status == 403
        and (response.headers.get("x-ratelimit-remaining") == "0" or retry_after is not None)
    )
    if limited:
        return TrackerError(
            f"rate limited: {message}", status=status, retryable=True, retry_after=retry_after
        )
    graphql = graphql_refusal(body) if status < 500 else None
    if graphql is not None:  # Linear answers errors (a rate limit too) as GraphQL, often 400
        graphql.status = status
        return graphql
    retryable = status >= 500 or status == 408
    return TrackerError(message, status=status, retryable=retryable, retry_after=retry_after)


def vendor_message(body: Any) -> str:
    """The tracker's own words in an error body, or ""."""
    parts: list[str] = []
    if isinstance(body, dict):
        if isinstance(body.get("message"), str):  # GitHub
            parts.append(body["message"])
            for error in body.get("errors") or []:
                if isinstance(error, dict):
                    described = error.get("message") or " ".join(
                        str(error[k]) for k in ("field", "code") if error.get(k)
                    )
                    if described:
                        parts.append(str(described))
        for message in body.get("errorMessages") or []:  # Jira
            parts.append(str(message))
        errors = body.get("errors")
        if isinstance(errors, dict):
            parts.extend(f"{field}: {message}" for field, message in errors.items())
        elif isinstance(errors, list) and "message" not in body:  # Linear (GraphQL)
            for error in errors:
                if isinstance(error, dict):
                    extensions = error.get("extensions") or {}
                    parts.append(
                        str(extensions.get("userPresentableMessage") or error.get("message", ""))
                    )
    elif isinstance(body, str) and body.strip() and not body.lstrip().startswith("<"):
        parts.append(body.strip())  # Jira's plain-text 401
    return "; ".join(p for p in parts if p)[:MESSAGE_LIMIT]


def graphql_refusal(body: Any) -> TrackerError | None:
    """A GraphQL answer that carries errors (Linear answers many with HTTP 200 or 400)."""
    errors = body.get("errors") if isinstance(body, dict) else None
    if not errors or not isinstance(errors, list) or "message" in body:  # GitHub's has one
        return None
    first = errors[0] if isinstance(errors[0], dict) else {}
    code = str((first.get("extensions") or {}).get("code", "")).upper()
    message = vendor_message(body) or "GraphQL error"
    if code == "RATELIMITED":
        return TrackerError(f"rate limited: {message}", retryable=True)
    return TrackerError(message, retryable=code == "INTERNAL_SERVER_ERROR")


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        return response.text[:MESSAGE_LIMIT]


def _retry_after(response: httpx.Response) -> int | None:
    """Seconds the tracker asks to wait: Retry-After (seconds), else GitHub's reset time."""
    after = whole_number(response.headers.get("retry-after"), low=0, high=MAX_RETRY_AFTER)
    if after is not None:
        return after
    reset = whole_number(response.headers.get("x-ratelimit-reset"), low=0, high=2**40)
    if reset is not None and response.headers.get("x-ratelimit-remaining") == "0":
        wait = reset - int(datetime.now(UTC).timestamp())
        return min(max(wait, 0), MAX_RETRY_AFTER)
    return None
