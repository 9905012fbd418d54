"""Applying Alembic migrations from code (`liaison db upgrade`, `liaison run`, the tests).

The migrations ship inside the package (`bot/_migrations`, a link to the top-level `migrations/`
in the source tree), so an installed bot migrates from any directory without `alembic.ini`.
"""

from __future__ import annotations

from importlib.resources import files

from alembic import command
from alembic.config import Config


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(files("bot") / "_migrations"))
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(database_url), revision)
