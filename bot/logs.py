"""Logging for every command and worker process.

Nothing logged may hold what people typed, a token, a secret or a response URL. Slack's libraries
write whole request and response bodies at DEBUG (and Bolt copies the root logger's level into
each logger it makes), so their loggers are kept at INFO at least, whatever LOG_LEVEL says.
"""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SLACK_LIBRARIES = ("slack_sdk", "slack_bolt")


def configure_logging(level: str) -> None:
    """Log to stderr at `level` (LOG_LEVEL)."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    quiet_slack_libraries()


def quiet_slack_libraries() -> logging.Logger:
    """Keeps Slack's libraries' loggers at INFO at least; returns the one to give Bolt's `App`
    (`logger=`), from which it sets up every logger of its own (level and filters)."""
    for name in SLACK_LIBRARIES:
        logger = logging.getLogger(name)
        logger.setLevel(max(logging.INFO, logger.getEffectiveLevel()))
    bolt = logging.getLogger("slack_bolt")
    if not any(isinstance(f, _NoUnsignedBodies) for f in bolt.filters):
        bolt.addFilter(_NoUnsignedBodies())
    return bolt


class _NoUnsignedBodies(logging.Filter):
    """Drops Bolt's line about a failed signature check, which holds the whole body. bot/web.py
    refuses such requests before Bolt sees them; this covers one that turns stale in between."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Invalid request signature detected")
