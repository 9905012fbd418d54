"""The tables of slack_sdk's SQLAlchemy installation and OAuth state stores, on our metadata.

Multi-workspace mode keeps each workspace's installation (its bot token) and the OAuth states of
installs under way with slack_sdk's own stores, on our engine. Their tables are built here by the
stores' own table builders, on `Base.metadata`, so that Alembic creates them (the migration that
does is written to match) and `alembic check` compares them like ours; the stores never create
tables themselves. The names are the stores' defaults.
"""

from __future__ import annotations

from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore

from bot.db.base import Base

INSTALLATIONS = SQLAlchemyInstallationStore.default_installations_table_name
BOTS = SQLAlchemyInstallationStore.default_bots_table_name
OAUTH_STATES = SQLAlchemyOAuthStateStore.default_table_name

installations = SQLAlchemyInstallationStore.build_installations_table(Base.metadata, INSTALLATIONS)
bots = SQLAlchemyInstallationStore.build_bots_table(Base.metadata, BOTS)
oauth_states = SQLAlchemyOAuthStateStore.build_oauth_states_table(Base.metadata, OAUTH_STATES)
