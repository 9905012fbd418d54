"""Process settings: secrets and URLs from the environment (and a `.env` file when present)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SLACK_API_URL = "https://slack.com/api/"
DEFAULT_DATABASE_URL = "sqlite:///liaison.db"

MISSING_CREDENTIALS_HELP = """\
Liaison cannot start: {missing} not set.

Set them in the environment or in a .env file in the working directory:
  SLACK_BOT_TOKEN       the Bot User OAuth Token (xoxb-...): your app's settings page,
                        "OAuth & Permissions", after "Install to Workspace"
  SLACK_SIGNING_SECRET  "Basic Information" > "App Credentials" > Signing Secret
  SLACK_APP_TOKEN       optional, for Socket Mode (no public URL needed): "Basic Information" >
                        "App-Level Tokens", with the connections:write scope
Create the app from manifest.yml at https://api.slack.com/apps ("Create New App" >
"From an app manifest") and install it to your workspace.
"""

BOTH_MODES = """\
Liaison cannot start: SLACK_BOT_TOKEN is set, and so are SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET. Choose one: SLACK_BOT_TOKEN for one workspace, or the client id and secret
(without SLACK_BOT_TOKEN) for an app that any workspace installs from /slack/install, each with
its own token (see "Multi-workspace install" in the README).
"""

OAUTH_OVER_SOCKET_MODE = """\
Liaison cannot start: SLACK_APP_TOKEN (Socket Mode) is set with SLACK_CLIENT_ID and
SLACK_CLIENT_SECRET. Workspaces install Liaison through its pages /slack/install and
/slack/oauth_redirect, which need the HTTP server: unset SLACK_APP_TOKEN and give Slack a public
URL (see "Multi-workspace install" in the README).
"""

MISSING_SIGNING_SECRET = """\
Liaison cannot start: SLACK_SIGNING_SECRET is not set. Installing through OAuth
(SLACK_CLIENT_ID and SLACK_CLIENT_SECRET) needs it too: "Basic Information" >
"App Credentials" > Signing Secret.
"""


class MissingCredentials(Exception):
    """Raised when the process lacks what it needs to talk to Slack."""


class Settings(BaseSettings):
    """Everything that differs between deployments and is not business configuration."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = DEFAULT_SLACK_API_URL
    # Seconds to wait for Slack's answer to a Web API call (a post whose answer does not come in
    # time is looked for in Slack before it is sent again).
    slack_timeout_seconds: float = Field(default=10, gt=0)
    database_url: str = DEFAULT_DATABASE_URL
    liaison_config: Path = Path("config/liaison.toml")
    port: int = 3000
    log_level: str = "INFO"
    # "plain" lines, or "json": one JSON object per line (time, level, logger, message,
    # exception) for platforms that index logs.
    log_format: Literal["plain", "json"] = "plain"
    web_concurrency: int = 2
    # How long an idle HTTP connection stays open, and how long a client has to send a request's
    # head; keep it above the load balancer's idle timeout (see bot/serve.py).
    http_keep_alive_seconds: float = Field(default=75, gt=0)
    # How long a client has to send a request's body once its head arrived (Slack's arrive at
    # once; 408 and the connection closed otherwise).
    http_body_timeout_seconds: float = Field(default=10, gt=0)
    # A digest missed while no scheduler ran is still posted within this many hours.
    digest_grace_hours: float = 24
    # The work that follows an answer to Slack: handling the events it stored and sending the
    # messages changes left in the outbox. "inline": the process that answered does it as soon
    # as it has nobody left to answer (bot/runtime.py `Answering`).
    # "worker": web processes only answer and commit, and `liaison worker` does it (every
    # `background_poll_seconds`), which keeps web workers' answers fast under load.
    # LIAISON_DELIVERY and WORKER_DELIVERY_SECONDS are the deprecated names of the two.
    liaison_background: Literal["inline", "worker"] = Field(
        default="inline",
        validation_alias=AliasChoices("liaison_background", "liaison_delivery"),
    )
    background_poll_seconds: float = Field(
        default=20,
        gt=0,
        validation_alias=AliasChoices("background_poll_seconds", "worker_delivery_seconds"),
    )

    # Issue trackers (bot/trackers/): credentials, API bases (GitHub Enterprise Server, Jira Data
    # Center and tests point these elsewhere) and the secrets their webhooks are signed with.
    github_token: str | None = None
    github_api_url: str = "https://api.github.com"
    github_webhook_secret: str | None = None
    jira_base_url: str | None = None
    jira_email: str | None = None
    jira_api_token: str | None = None
    jira_webhook_secret: str | None = None
    linear_api_key: str | None = None
    linear_api_url: str = "https://api.linear.app/graphql"
    linear_webhook_secret: str | None = None
    tracker_timeout_seconds: float = Field(default=10, gt=0)

    @field_validator("database_url")
    @classmethod
    def _normalise_database_url(cls, url: str) -> str:
        # Hosting platforms hand out postgres:// URLs; SQLAlchemy wants the driver named.
        for prefix in ("postgres://", "postgresql://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @field_validator("slack_api_url")
    @classmethod
    def _trailing_slash(cls, url: str) -> str:
        return url if url.endswith("/") else url + "/"

    @property
    def oauth_enabled(self) -> bool:
        """Multi-workspace mode: each workspace installs the app and has its own bot token."""
        return bool(self.slack_client_id and self.slack_client_secret)

    @property
    def socket_mode(self) -> bool:
        return bool(self.slack_app_token)

    def require_slack_credentials(self) -> None:
        """Fail with instructions when the bot token (or, in OAuth mode, the client id and
        secret) or the signing secret is missing."""
        if self.oauth_enabled:
            if self.slack_bot_token:
                raise MissingCredentials(BOTH_MODES)
            if self.socket_mode:
                raise MissingCredentials(OAUTH_OVER_SOCKET_MODE)
            if not self.slack_signing_secret:
                raise MissingCredentials(MISSING_SIGNING_SECRET)
            return
        missing = []
        if not self.slack_signing_secret and not self.socket_mode:
            missing.append("SLACK_SIGNING_SECRET")
        if not self.slack_bot_token:
            missing.append("SLACK_BOT_TOKEN")
        if missing:
            names = " and ".join(missing)
            raise MissingCredentials(
                MISSING_CREDENTIALS_HELP.format(
                    missing=names + (" are" if len(missing) > 1 else " is")
                )
            )
