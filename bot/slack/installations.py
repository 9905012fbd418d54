"""Workspaces that installed Liaison through OAuth, and each one's Slack client.

In multi-workspace mode (SLACK_CLIENT_ID and SLACK_CLIENT_SECRET, no SLACK_BOT_TOKEN) every
workspace installs the app from /slack/install and gets its own bot token. The installations and
bots are kept by slack_sdk's SQLAlchemy installation store and the OAuth states of installs under
way by its state store, both on our engine, in the tables our migrations create
(bot/db/slack_tables.py). Bolt reads the installation store to authorize each request; everything
else asks `TeamClients` for a workspace's client, which holds that workspace's current token.

A workspace that uninstalled Liaison, or whose bot token was revoked, has no token: asking for
its client raises `NotInstalled` (its outbox effects are held, its jobs skip it), while its data
stays until an operator purges it (`liaison workspace purge`).
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, and_, delete, desc, select
from sqlalchemy.orm import Session

from bot.db import slack_tables
from bot.db.session import read_only

log = logging.getLogger(__name__)

# How long an install link is good for: from /slack/install to Slack's redirect back.
STATE_LIFETIME = timedelta(minutes=10)
# Workspace clients kept at once; one more is built (cheaply) when a workspace comes back.
MAX_CLIENTS = 256


class NotInstalled(Exception):
    """The workspace has no bot token: never installed, uninstalled, or its token revoked."""

    def __init__(self, team_id: str) -> None:
        super().__init__(f"Liaison is not installed in workspace {team_id or '(none)'}")
        self.team_id = team_id


class ClockedStateStore(SQLAlchemyOAuthStateStore):
    """slack_sdk's SQLAlchemy state store, on the process's clock rather than the system's (so
    an expired install link can be tested without waiting), and tidy: consuming a state also
    deletes the ones that expired."""

    def __init__(self, *, engine: Engine, clock: Callable[[], datetime]) -> None:
        super().__init__(
            expiration_seconds=int(STATE_LIFETIME.total_seconds()), engine=engine, logger=log
        )
        self._clock = clock

    def _now(self) -> datetime:
        # The store's column is a naive DateTime: UTC, as slack_sdk stores it.
        return self._clock().astimezone(UTC).replace(tzinfo=None)

    def issue(self, *args: object, **kwargs: object) -> str:
        state = str(uuid.uuid4())
        with self.engine.begin() as connection:
            connection.execute(
                self.oauth_states.insert(),
                {"state": state, "expire_at": self._now() + STATE_LIFETIME},
            )
        return state

    def consume(self, state: str) -> bool:
        states = self.oauth_states
        now = self._now()
        with self.engine.begin() as connection:
            used = connection.execute(
                delete(states).where(states.c.state == state, states.c.expire_at > now)
            ).rowcount
            connection.execute(delete(states).where(states.c.expire_at <= now))
        return bool(used)


class Installations:
    """The installations of this app (by its client id): who has a bot token, and taking it
    away when a workspace uninstalls Liaison or revokes its token."""

    def __init__(self, *, client_id: str, engine: Engine, clock: Callable[[], datetime]) -> None:
        # Saving and deleting through `store`; Bolt's authorization of every request only reads,
        # through `reader` (on SQLite, without waiting for the write lock), as `bot_token` does.
        self.store = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)
        self.reader = SQLAlchemyInstallationStore(
            client_id=client_id, engine=read_only(engine), logger=log
        )
        self.states = ClockedStateStore(engine=engine, clock=clock)
        self._client_id = client_id
        self._engine = read_only(engine)

    def bot_token(self, team_id: str) -> str | None:
        """The workspace's current bot token (the latest installation's), if it has one. Looked
        up by team alone: a workspace of an Enterprise Grid has one bot token too."""
        bots = self.store.bots
        with self._engine.connect() as connection:
            return connection.scalar(
                select(bots.c.bot_token)
                .where(
                    and_(
                        bots.c.client_id == self._client_id,
                        bots.c.team_id == team_id,
                        bots.c.bot_token.is_not(None),
                    )
                )
                .order_by(desc(bots.c.installed_at))
                .limit(1)
            )

    def installer_of(self, team_id: str) -> str | None:
        """The user who installed Liaison in the workspace (its latest installation's), while it
        is installed; None otherwise."""
        rows = self.store.installations
        with self._engine.connect() as connection:
            return connection.scalar(
                select(rows.c.user_id)
                .where(rows.c.client_id == self._client_id, rows.c.team_id == team_id)
                .order_by(desc(rows.c.installed_at))
                .limit(1)
            )

    def teams(self) -> list[str]:
        """Every workspace with a bot token, in order."""
        bots = self.store.bots
        with self._engine.connect() as connection:
            rows = connection.scalars(
                select(bots.c.team_id)
                .where(
                    bots.c.client_id == self._client_id,
                    bots.c.team_id.is_not(None),
                    bots.c.bot_token.is_not(None),
                )
                .distinct()
            )
            return sorted(str(team) for team in rows)

    def uninstall(self, *, enterprise_id: str | None, team_id: str) -> None:
        """Forget every token of the workspace (`app_uninstalled`, or its bot token revoked)."""
        self.store.delete_bot(enterprise_id=enterprise_id, team_id=team_id)
        self.store.delete_installation(enterprise_id=enterprise_id, team_id=team_id)
        log.info("workspace %s: its tokens are deleted", team_id)

    def revoke_user_tokens(
        self, *, enterprise_id: str | None, team_id: str, user_ids: Sequence[str]
    ) -> None:
        """Forget the installations made with the user tokens revoked (`tokens_revoked`)."""
        for user_id in user_ids:
            self.store.delete_installation(
                enterprise_id=enterprise_id, team_id=team_id, user_id=user_id
            )


def forget_team(session: Session, *, team_id: str) -> int:
    """Delete the installations and bots of `team_id` (of any client id) in `session`'s
    transaction, for `liaison workspace purge`; how many rows went."""
    deleted = 0
    for table in (slack_tables.bots, slack_tables.installations):
        deleted += session.execute(delete(table).where(table.c.team_id == team_id)).rowcount
    return deleted


class TeamClients:
    """A Slack client per workspace, with the workspace's current bot token (read each time, so
    a token deleted by another process is never used again here); the most recently used
    `size` clients are kept."""

    def __init__(
        self,
        token_of: Callable[[str], str | None],
        make: Callable[[str], WebClient],
        *,
        size: int = MAX_CLIENTS,
    ) -> None:
        self._token_of = token_of
        self._make = make
        self._size = size
        self._clients: OrderedDict[str, WebClient] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, team_id: str) -> WebClient:
        token = self._token_of(team_id) if team_id else None
        with self._lock:
            if token is None:
                self._clients.pop(team_id, None)
                raise NotInstalled(team_id)
            client = self._clients.get(team_id)
            if client is None or client.token != token:
                client = self._make(token)
                self._clients[team_id] = client
            self._clients.move_to_end(team_id)
            while len(self._clients) > self._size:
                self._clients.popitem(last=False)
            return client
