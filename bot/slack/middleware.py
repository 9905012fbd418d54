"""Bolt middleware written as plain functions of the request and `next`, which Bolt calls as they
are: Bolt wraps a function given as middleware in one that works out the arguments it takes, by
their names, from a couple of dozen it builds on every request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import BoltRequest, BoltResponse
from slack_bolt.middleware import Middleware

# A middleware's step: the request and `next`; a response to answer with, or what `next` gave.
Step = Callable[[BoltRequest, Callable[[], BoltResponse]], Any]


class Direct(Middleware):
    """`step` as a middleware Bolt calls directly."""

    def __init__(self, step: Step) -> None:
        self._step = step

    def process(
        self,
        *,
        req: BoltRequest,
        resp: BoltResponse,
        next: Callable[[], BoltResponse],  # Bolt passes it by this name
    ) -> BoltResponse | None:
        return self._step(req, next)

    @property
    def name(self) -> str:
        return f"Direct({getattr(self._step, '__qualname__', self._step)})"
