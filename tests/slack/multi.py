"""Steps shared by the multi-workspace tests: installing Liaison in a workspace the way a person
does (the install page, Slack's authorize page, the redirect back) and Slack for that workspace."""

from __future__ import annotations

import html
import re
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.conftest import DEFAULT_CONFIG, SIGNING_SECRET, Liaison
from tests.fakes.signer import SlackClientSim

STATE_COOKIE = "slack-app-oauth-state"


class Browser:
    """A person's browser on Liaison's pages. Liaison's state cookie is `Secure`, which a cookie
    jar keeps off plain http; this browser keeps it by hand, as one on https would."""

    def __init__(self, liaison: Liaison) -> None:
        self._http = httpx.Client(base_url=liaison.url, timeout=10.0)
        self.cookies: dict[str, str] = {}

    def get(self, path: str, **params: str) -> httpx.Response:
        cookie = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        response = self._http.get(path, params=params, headers={"Cookie": cookie} if cookie else {})
        for header in response.headers.get_list("set-cookie"):
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value == "deleted":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return response

    def close(self) -> None:
        self._http.close()


def authorize_link(page: httpx.Response) -> str:
    """The "Add to Slack" link on the install page."""
    assert page.status_code == 200, page.text
    links = re.findall(r'href="([^"]+)"', page.text)
    found = [html.unescape(link) for link in links if "/oauth/v2/authorize" in link]
    assert found, page.text
    return found[0]


INSTALLER = "UINSTALLER"


def install(
    liaison: Liaison, team_id: str, user_id: str = INSTALLER, *, set_up: bool = True
) -> httpx.Response:
    """Install Liaison in `team_id` from its install page, then (`set_up`) give the workspace the
    test config's departments and digests as its admin would from the Home tab; the page the
    installer ends on."""
    browser = Browser(liaison)
    try:
        link = authorize_link(browser.get("/slack/install"))
        redirect = liaison.fake.approve_install(link, team_id=team_id, user_id=user_id)
        page = browser.get("/slack/oauth_redirect", **redirect)
    finally:
        browser.close()
    if set_up and page.status_code == 200:
        set_up_workspace(liaison, team_id, by=user_id)
    return page


def set_up_workspace(
    liaison: Liaison, team_id: str, *, by: str = INSTALLER, config_text: str = DEFAULT_CONFIG
) -> None:
    """The departments and digests of `config_text`, saved as the workspace's settings."""
    document = tomllib.loads(config_text)
    store = liaison.runtime.workspace_settings
    for section in ("departments", "digests"):
        assert store.change(team_id, section, document.get(section, []), by=by) == []


@contextmanager
def slack_of(liaison: Liaison, team_id: str, domain: str) -> Iterator[SlackClientSim]:
    """Slack sending the app what happens in workspace `team_id`."""
    with SlackClientSim(
        liaison.url,
        SIGNING_SECRET,
        team_id=team_id,
        team_domain=domain,
        bot_user_id=liaison.fake.team(team_id).bot_user_id,
        response_url_base=liaison.fake.root_url,
        workspace=liaison.fake,
    ) as client:
        yield client
