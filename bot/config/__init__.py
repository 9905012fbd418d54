"""The configuration: departments, digests, reactions and nudge timings.

`models` holds what the configuration is; `loader` reads the TOML file and validates it (the
same validation applies to settings changed in Slack); `store` keeps each workspace's settings
(bot/domain/workspace_settings.py stores them) and hands them out.
"""

from __future__ import annotations

from bot.config.loader import (
    ConfigError,
    Problem,
    check_config,
    dump_config_data,
    example_config,
    load_config,
    parse_config,
    read_config_data,
)
from bot.config.models import (
    WEEKDAYS,
    Department,
    Digest,
    LiaisonConfig,
    Nudges,
    Organization,
    ReactionAction,
    ReactionKind,
    Reactions,
    Role,
)

__all__ = [
    "WEEKDAYS",
    "ConfigError",
    "Department",
    "Digest",
    "LiaisonConfig",
    "Nudges",
    "Organization",
    "Problem",
    "ReactionAction",
    "ReactionKind",
    "Reactions",
    "Role",
    "check_config",
    "dump_config_data",
    "example_config",
    "load_config",
    "parse_config",
    "read_config_data",
]
