"""The configuration: departments, digests, reactions, nudge timings, trackers and request types.

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
    CreateOn,
    Department,
    Digest,
    FieldKind,
    LiaisonConfig,
    Nudges,
    Organization,
    ReactionAction,
    ReactionKind,
    Reactions,
    RequestType,
    Role,
    Tracker,
    TrackerKind,
    TypeField,
)

__all__ = [
    "WEEKDAYS",
    "ConfigError",
    "CreateOn",
    "Department",
    "Digest",
    "FieldKind",
    "LiaisonConfig",
    "Nudges",
    "Organization",
    "Problem",
    "ReactionAction",
    "ReactionKind",
    "Reactions",
    "RequestType",
    "Role",
    "Tracker",
    "TrackerKind",
    "TypeField",
    "check_config",
    "dump_config_data",
    "example_config",
    "load_config",
    "parse_config",
    "read_config_data",
]
