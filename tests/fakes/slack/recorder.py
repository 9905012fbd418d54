"""The recorder: every answered call kept for tests to read and wait for, and the failures a
test injects (errors, slow answers, answers lost after the work was done)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from tests.fakes.slack.base import Matcher, Params, _Answer

EDGE_500_BODY = b"<html><body><h1>500 Internal Server Error</h1></body></html>"


@dataclass
class Call:
    """One answered Web API request."""

    method: str
    params: Params
    headers: dict[str, str]  # lower-cased names
    raw_body: bytes
    status: int
    response: dict[str, Any]
    team_id: str = ""  # the workspace of the call's token ("" when it had none Slack knew)


@dataclass
class _Failure:
    error: str | None  # None: answer normally, only later
    status: int
    retry_after: int | None
    delay: float
    remaining: int
    match: dict[str, Matcher]  # only calls whose params match are affected
    handle_first: bool = False  # handle the call at once and hold only the answer back


class Recorder:
    """What tests read and steer; uses the lock, calls and failures FakeSlack sets up."""

    @property
    def calls(self) -> list[Call]:
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str, **match: Matcher) -> list[Call]:
        """Recorded calls of ``method`` whose params match (== or a predicate) every ``match``."""
        return [c for c in self.calls if c.method == method and _matches(c.params, match)]

    def wait_for(
        self, method: str, count: int = 1, timeout: float = 5.0, **match: Matcher
    ) -> list[Call]:
        """Block until at least ``count`` matching calls were recorded; return them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self.calls_to(method, **match)
                remaining = deadline - time.monotonic()
                if len(found) >= count or remaining <= 0:
                    break
                self._cond.wait(remaining)
        if len(found) < count:
            calls = self.calls
            same_method = [c.params for c in calls if c.method == method]
            raise AssertionError(
                f"expected {count} call(s) to {method} matching {match} within {timeout}s, "
                f"got {len(found)}; methods seen: {[c.method for c in calls]}; "
                f"params of calls to {method}: {same_method}"
            )
        return found

    def assert_no_call(self, method: str, **match: Matcher) -> None:
        found = self.calls_to(method, **match)
        if found:
            raise AssertionError(
                f"expected no call to {method} matching {match}, got {len(found)}: "
                f"{[c.params for c in found]}"
            )

    def fail(
        self,
        method: str,
        error: str | None = None,
        *,
        status: int = 200,
        times: int = 1,
        retry_after: int | None = None,
        delay: float = 0.0,
        **match: Matcher,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (whose params match ``match``, as in
        ``calls_to``) fail, after ``delay`` seconds; nothing they ask for is done.

        ``error`` defaults to "ratelimited" for 429 and "internal_error" otherwise; 429 sends
        Retry-After (default 1); 5xx answers a non-JSON page like Slack's edge does.
        """
        if error is None:
            error = "ratelimited" if status == 429 else "internal_error"
        if status == 429 and retry_after is None:
            retry_after = 1
        self._add_failure(method, _Failure(error, status, retry_after, delay, times, match))

    def slow_down(self, method: str, seconds: float, *, times: int = 1, **match: Matcher) -> None:
        """Answer the next ``times`` matching calls of ``method`` normally, but only after
        ``seconds`` (the call takes effect then too)."""
        self._add_failure(method, _Failure(None, 200, None, seconds, times, match))

    def accept_then_time_out(
        self, method: str, seconds: float, *, times: int = 1, **match: Matcher
    ) -> None:
        """Carry out the next ``times`` matching calls of ``method`` at once (a message is
        posted) but answer only after ``seconds``: a client with a shorter timeout gives up
        without learning that Slack did what it asked, as when an answer is lost."""
        self._add_failure(
            method, _Failure(None, 200, None, seconds, times, match, handle_first=True)
        )

    def _add_failure(self, method: str, failure: _Failure) -> None:
        with self._cond:
            self._failures.setdefault(method, []).append(failure)

    def _take_failure(self, method: str, params: Params) -> _Failure | None:
        with self._cond:
            queue = self._failures.get(method, [])
            failure = next((f for f in queue if _matches(params, f.match)), None)
            if failure is None:
                return None
            failure.remaining -= 1
            if failure.remaining <= 0:
                queue.remove(failure)
            return failure

    def _record_response_url(self, path: str, body: bytes) -> None:
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {"raw": body.decode(errors="replace")}
        call = Call("response_url", params, {"path": path}, body, 200, {"ok": True})
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()


def _matches(params: Params, match: dict[str, Matcher]) -> bool:
    for key, expected in match.items():
        actual = params.get(key)
        if callable(expected):
            if not expected(actual):
                return False
        elif actual != expected:
            return False
    return True


def _failure_answer(failure: _Failure) -> _Answer:
    headers = {}
    if failure.retry_after is not None:
        headers["Retry-After"] = str(failure.retry_after)
    body = {"ok": False, "error": failure.error}
    raw = EDGE_500_BODY if failure.status >= 500 else None
    return _Answer(failure.status, body, headers, raw)
