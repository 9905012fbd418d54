"""The config file (`config/liaison.toml`): departments, digests, reactions and nudge timings.

`models` holds what the configuration is; `loader` reads the TOML file and validates it.
"""

from __future__ import annotations

from bot.config.loader import ConfigError, example_config, load_config, parse_config
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
    "ReactionAction",
    "ReactionKind",
    "Reactions",
    "Role",
    "example_config",
    "load_config",
    "parse_config",
]
