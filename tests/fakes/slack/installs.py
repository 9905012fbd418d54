"""Workspaces and their tokens: installing the app through OAuth v2, and uninstalling it.

The fake starts with one workspace (its "home") with the app installed and its bot token. Tests add
more workspaces (``add_team``); a workspace installs the app the way a person does it: Slack's
authorize page (``approve_install``, given the URL Liaison's install page links to) answers with
a redirect carrying a code, which the app exchanges with ``oauth.v2.access``. As in Slack:

- ``oauth.v2.access`` takes the app's client id and secret as HTTP Basic auth (what slack_sdk
  sends) or as form fields, and no token; a code is good once and for ten minutes, and only with
  the redirect_uri its authorize URL named (if it named one);
- every workspace has its own bot token (and its own bot user), and every other method is answered
  for the workspace the call's token belongs to (auth.test names it; each recorded call carries
  it as ``team_id``);
- once a workspace uninstalls the app (``uninstall``), its token answers ``token_revoked``; a
  token Slack never issued answers ``invalid_auth``.
"""

from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.slack.base import Params, _Answer

CLIENT_ID = "1111111111.2222222222"
CLIENT_SECRET = "fake-client-secret"
CODE_LIFETIME = timedelta(minutes=10)
AUTHORIZE_PATH = "/oauth/v2/authorize"


@dataclass
class Team:
    """A workspace, as the app's bot sees it."""

    team_id: str
    domain: str
    bot_user_id: str
    bot_id: str
    token: str | None  # None: the app is not installed there (or was uninstalled)


@dataclass
class _Code:
    team_id: str
    user_id: str
    redirect_uri: str | None
    issued_at: datetime


class Installs:
    """Workspaces, tokens and OAuth; uses the state FakeSlack sets up (``_teams``, ``_home``,
    ``_caller``, ``scopes``, ``clock``, ``_cond``)."""

    # -- the workspace a call is answered for ---------------------------------------------------

    @property
    def _team(self) -> Team:
        """The workspace of the call being answered, else the home workspace."""
        return self._teams[self._caller or self._home]

    @property
    def team_id(self) -> str:
        return self._team.team_id

    @property
    def team_domain(self) -> str:
        return self._team.domain

    @property
    def bot_user_id(self) -> str:
        return self._team.bot_user_id

    @property
    def bot_id(self) -> str:
        return self._team.bot_id

    @property
    def token(self) -> str | None:
        return self._team.token

    @token.setter
    def token(self, value: str) -> None:
        """Give the home workspace another token (the old one is no longer valid)."""
        with self._cond:
            self._teams[self._home].token = value

    # -- what tests arrange -------------------------------------------------------------------

    def add_team(self, team_id: str, *, domain: str) -> Team:
        """A workspace that may install the app (not installed yet), with its own bot user."""
        with self._cond:
            suffix = team_id.removeprefix("T")
            team = Team(team_id, domain, f"UBOT{suffix}", f"BBOT{suffix}", token=None)
            self._teams[team_id] = team
            return team

    def team(self, team_id: str) -> Team:
        with self._cond:
            return self._teams[team_id]

    def approve_install(self, authorize_url: str, *, team_id: str, user_id: str) -> dict[str, str]:
        """A person of ``team_id`` approves the install on Slack's authorize page at
        ``authorize_url``: the query Slack then redirects their browser with (``code`` and
        ``state``). Checks the URL as Slack does (AssertionError naming what Slack would show)."""
        url = urlsplit(authorize_url)
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        assert url.path == AUTHORIZE_PATH, f"not Slack's authorize page: {url.path}"
        assert query.get("client_id") == self.client_id, "invalid_client_id"
        asked = {scope for scope in (query.get("scope") or "").split(",") if scope}
        configured = {scope for scope in self.scopes.split(",") if scope}
        assert asked, "invalid_scope: no scopes requested"
        assert asked <= configured, f"invalid_scope: {sorted(asked - configured)}"
        with self._cond:
            assert team_id in self._teams, f"no workspace {team_id}; add it with add_team"
            code = f"{team_id}.{next(self._codes_issued)}.{self.clock().timestamp():.0f}"
            self._codes[code] = _Code(team_id, user_id, query.get("redirect_uri"), self.clock())
        answer = {"code": code}
        if "state" in query:
            answer["state"] = query["state"]
        return answer

    def uninstall(self, team_id: str) -> None:
        """The workspace removes the app: its token stops working (``token_revoked``). The app
        hears of it by the ``app_uninstalled`` event, which the test sends."""
        with self._cond:
            team = self._teams[team_id]
            if team.token is not None:
                self._revoked.add(team.token)
            team.token = None

    # -- answering --------------------------------------------------------------------------------

    def _team_of_token(self, token: str) -> str | None:
        for team in self._teams.values():
            if team.token == token:
                return team.team_id
        return None

    def _check_token(self, token: str) -> tuple[str | None, _Answer | None]:
        """The workspace of ``token``, or Slack's refusal of it."""
        with self._cond:
            if not token:
                return None, _Answer(200, {"ok": False, "error": "not_authed"}, {})
            team_id = self._team_of_token(token)
            if team_id is None:
                error = "token_revoked" if token in self._revoked else "invalid_auth"
                return None, _Answer(200, {"ok": False, "error": error}, {})
            return team_id, None

    def _oauth_v2_access(self, headers: dict[str, str], params: Params) -> _Answer:
        client_id, client_secret = _client_credentials(headers, params)
        with self._cond:
            if client_id != self.client_id:
                return _refused("invalid_client_id")
            if client_secret != self.client_secret:
                return _refused("bad_client_secret")
            code = self._codes.pop(str(params.get("code") or ""), None)
            if code is None or self.clock() - code.issued_at > CODE_LIFETIME:
                return _refused("invalid_code")
            if code.redirect_uri is not None and params.get("redirect_uri") != code.redirect_uri:
                return _refused("bad_redirect_uri")
            team = self._teams[code.team_id]
            if team.token is None:
                team.token = f"xoxb-{team.team_id}-{next(self._codes_issued)}-fake"
            body: dict[str, Any] = {
                "ok": True,
                "app_id": self.app_id,
                "authed_user": {"id": code.user_id},
                "scope": self.scopes,
                "token_type": "bot",
                "access_token": team.token,
                "bot_user_id": team.bot_user_id,
                "team": {"id": team.team_id, "name": f"{team.domain.capitalize()} Workspace"},
                "enterprise": None,
                "is_enterprise_install": False,
            }
            return _Answer(200, body, {})


def _client_credentials(headers: dict[str, str], params: Params) -> tuple[str, str]:
    """The client id and secret, from HTTP Basic auth or, failing that, the form."""
    authorization = headers.get("authorization", "")
    if authorization.startswith("Basic "):
        try:
            decoded = base64.b64decode(authorization.removeprefix("Basic ")).decode()
        except ValueError:
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return str(params.get("client_id") or ""), str(params.get("client_secret") or "")


def _refused(error: str) -> _Answer:
    return _Answer(200, {"ok": False, "error": error}, {})


def _counter() -> itertools.count[int]:
    return itertools.count(1)
