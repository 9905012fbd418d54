"""Logging for every command and worker process: plain lines, or one JSON object per line
(LOG_FORMAT=json) for platforms that index logs.

Nothing logged may hold what people typed, a token, a secret or a response URL. Slack's libraries
write whole request and response bodies at DEBUG (and Bolt copies the root logger's level into
each logger it makes), so their loggers are kept at INFO at least, whatever LOG_LEVEL says.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import IO, Literal

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
SLACK_LIBRARIES = ("slack_sdk", "slack_bolt")
LogFormat = Literal["plain", "json"]
# Marks the handler configure_logging installed, so configuring again replaces it.
_OURS = "liaison_handler"


def configure_logging(
    level: str, log_format: LogFormat = "plain", *, stream: IO[str] | None = None
) -> logging.Handler:
    """Log to `stream` (stderr) at `level` (LOG_LEVEL) in `log_format` (LOG_FORMAT); returns the
    handler it installed on the root logger."""
    root = logging.getLogger()
    for old in [h for h in root.handlers if getattr(h, _OURS, False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(log_format))
    setattr(handler, _OURS, True)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    quiet_slack_libraries()
    return handler


def formatter(log_format: LogFormat) -> logging.Formatter:
    return JsonFormatter() if log_format == "json" else logging.Formatter(FORMAT)


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line: `time` (ISO 8601, UTC), `level`, `logger`,
    `message`, and `exception` (the traceback's text) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        # Newlines in a message or traceback are escaped, so every record stays one line.
        return json.dumps(entry, ensure_ascii=False)


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
