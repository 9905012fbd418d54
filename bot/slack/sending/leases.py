"""The leases one process holds (on a request's outbox, an effect being sent, a stored event), so
that when it stops it can let work under way finish, then give back what is still held: another
process takes it up at once instead of when the lease runs out."""

from __future__ import annotations

import threading
from collections.abc import Hashable
from datetime import datetime


class HeldLeases:
    """Which leases this process holds, each with the expiry it wrote (giving one back is a
    conditional write on that value, so a lease that ran out and was taken by another process is
    never taken from it); and whether the process is stopping, so no new lease is taken."""

    def __init__(self) -> None:
        self._held: dict[Hashable, datetime] = {}
        self._changed = threading.Condition()
        self._stopping = threading.Event()

    @property
    def stopping(self) -> bool:
        return self._stopping.is_set()

    def stop(self) -> None:
        """Take no new lease from now on (those held are given back as their work ends)."""
        self._stopping.set()

    def hold(self, key: Hashable, until: datetime) -> None:
        with self._changed:
            self._held[key] = until

    def drop(self, key: Hashable) -> None:
        with self._changed:
            self._held.pop(key, None)
            self._changed.notify_all()

    def held(self) -> dict[Hashable, datetime]:
        with self._changed:
            return dict(self._held)

    def wait_until_none(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the work under way to give its leases back; True when
        none is held any more."""
        with self._changed:
            return self._changed.wait_for(lambda: not self._held, timeout=max(timeout, 0))
