"""Logging for every command and worker process."""

from __future__ import annotations

import logging

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str) -> None:
    """Log to stderr at `level` (LOG_LEVEL)."""
    logging.basicConfig(level=level.upper(), format=FORMAT)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
