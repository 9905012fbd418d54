"""A small bounded cache whose entries expire, for what Liaison reads from Slack about people and
channels (names, time zones): shared by every thread of a process, keyed by workspace."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class ExpiringCache(Generic[K, V]):
    """At most `max_entries` values, each fresh for `ttl` seconds; the least recently kept is
    forgotten first. A stale value is still handed out by `last`, for when Slack cannot answer."""

    def __init__(
        self, *, ttl: float, max_entries: int, monotonic: Callable[[], float] = time.monotonic
    ) -> None:
        self._ttl = ttl
        self._max_entries = max_entries
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()

    def fresh(self, key: K) -> tuple[bool, V | None]:
        """(True, value) when `key` holds a value younger than the ttl, else (False, None)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or self._monotonic() - entry[0] >= self._ttl:
                return False, None
            self._entries.move_to_end(key)
            return True, entry[1]

    def last(self, key: K) -> V | None:
        """The value kept for `key`, however old; None when there is none."""
        with self._lock:
            entry = self._entries.get(key)
        return entry[1] if entry else None

    def put(self, key: K, value: V) -> None:
        with self._lock:
            self._entries[key] = (self._monotonic(), value)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
