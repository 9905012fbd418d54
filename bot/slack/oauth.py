"""Installing Liaison in a workspace: Bolt's OAuth flow, and the pages the installer sees.

`GET /slack/install` answers a page with an "Add to Slack" button (Bolt's), whose link carries a
state kept in our database and in a cookie of the installer's browser; `GET /slack/oauth_redirect`
is where Slack sends them back: the state must be the one issued, to this browser, and not older
than ten minutes (bot/slack/installations.py), then Bolt exchanges the code with `oauth.v2.access`
(on SLACK_API_URL, through the app's client) and stores the installation. The installer then sees
a page telling them to open Liaison's Home tab, where the workspace is set up; anything that went
wrong shows a page saying what to do.
"""

from __future__ import annotations

import html
import logging
from urllib.parse import urljoin

from slack_bolt import BoltResponse
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot.settings import Settings
from bot.slack.installations import STATE_LIFETIME, Installations
from bot.slack.manifest import bot_scopes

log = logging.getLogger(__name__)

INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"

# What the installer is told, by Bolt's reason for the failure.
_FAILURES = {
    "invalid_state": (
        "This install link has expired or was already used. Install links are good for "
        "ten minutes and once only."
    ),
    "invalid_browser": (
        "This install was started in another browser (or its cookie was blocked). Start again "
        "from the install page, in this browser."
    ),
    "access_denied": "The installation was cancelled in Slack; nothing was installed.",
    "invalid_code": "Slack did not confirm the installation (its code was refused).",
    "missing_code": "Slack did not confirm the installation (no code came back).",
    "storage_error": "Liaison could not save the installation. Please try again in a minute.",
}


def oauth_settings(settings: Settings, installations: Installations) -> OAuthSettings:
    """Bolt's OAuth flow for this deployment: the manifest's bot scopes, our stores."""
    return OAuthSettings(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        scopes=bot_scopes(),
        # Slack's authorize page is beside its Web API (slack.com, slack-gov.com, a proxy).
        authorization_url=urljoin(settings.slack_api_url, "../oauth/v2/authorize"),
        install_path=INSTALL_PATH,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=installations.store,
        installation_store_bot_only=True,
        state_store=installations.states,
        state_expiration_seconds=int(STATE_LIFETIME.total_seconds()),
        callback_options=CallbackOptions(success=_installed, failure=_failed),
        logger=log,
    )


def _installed(args: SuccessArgs) -> BoltResponse:
    installation = args.installation
    team = installation.team_name or installation.team_id or "your workspace"
    log.info("installed in workspace %s", installation.team_id)
    home = f"slack://app?team={installation.team_id}&id={installation.app_id}&tab=home"
    body = (
        f"<h1>Liaison is installed in {html.escape(team)}</h1>"
        "<p>Next, set it up: open <strong>Liaison's Home tab</strong> in Slack (find Liaison "
        "under Apps in the sidebar) and follow the steps there.</p>"
        f'<p><a href="{html.escape(home)}">Open Liaison in Slack</a></p>'
    )
    return _page(200, "Liaison is installed", body, clear_cookie=args.settings)


def _failed(args: FailureArgs) -> BoltResponse:
    reason = _FAILURES.get(args.reason, "Slack did not complete the installation.")
    log.info("an installation failed: %s", args.reason)
    body = (
        "<h1>Liaison was not installed</h1>"
        f"<p>{html.escape(reason)}</p>"
        f'<p><a href="{INSTALL_PATH}">Start the installation again</a></p>'
    )
    status = args.suggested_status_code if args.suggested_status_code >= 400 else 400
    return _page(status, "Liaison was not installed", body, clear_cookie=args.settings)


def _page(status: int, title: str, body: str, *, clear_cookie: OAuthSettings) -> BoltResponse:
    document = (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title></head>"
        f'<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">{body}'
        "</body></html>"
    )
    return BoltResponse(
        status=status,
        body=document,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Set-Cookie": clear_cookie.state_utils.build_set_cookie_for_deletion(),
            "Cache-Control": "no-store",
        },
    )
