"""Links to Slack messages that came back to us in a payload: only a permalink of the
workspace's own Slack address is kept, rebuilt from its checked parts."""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

log = logging.getLogger(__name__)

# What chat.getPermalink answers: /archives/<channel>/p<ts without the dot>, and for a reply in
# a thread ?thread_ts=<ts>&cid=<channel>.
_PATH = re.compile(r"/archives/[A-Z0-9]{1,32}/p[0-9]{1,32}")
_QUERY = re.compile(r"thread_ts=[0-9]{1,20}\.[0-9]{1,10}&cid=[A-Z0-9]{1,32}")


def own_permalink(url: object, *, host: str | None) -> str | None:
    """`url` when it is a message permalink on `host` (the workspace's Slack address), else
    None. The link returned is rebuilt from parts that can hold nothing but the permalink's own
    characters, so it can neither run script nor break out of a mrkdwn link."""
    if not host or not isinstance(url, str) or len(url) > 300:
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if (
        parts.scheme != "https"
        or parts.netloc != host
        or port is not None
        or parts.fragment
        or not _PATH.fullmatch(parts.path)
        or (parts.query and not _QUERY.fullmatch(parts.query))
    ):
        return None
    query = f"?{parts.query}" if parts.query else ""
    return f"https://{host}{parts.path}{query}"


def link_url(url: object) -> str | None:
    """A permalink Slack gave us (a card's, from chat.getPermalink), fit for a link button: on a
    Slack address and of a permalink's shape (`own_permalink`), else None."""
    if not isinstance(url, str) or len(url) > 300:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host or not host.endswith(".slack.com"):
        return None
    return own_permalink(url, host=host)


class WorkspaceHosts:
    """The host of each workspace's Slack address (`acme.slack.com`), from `auth.test` with that
    workspace's token, asked once. When Slack cannot answer nothing is kept, and no link is
    accepted until it can."""

    def __init__(self, client_for: Callable[[str], WebClient]) -> None:
        self._client_for = client_for
        self._lock = threading.Lock()
        self._hosts: dict[str, str] = {}

    def host(self, team_id: str) -> str | None:
        with self._lock:
            known = self._hosts.get(team_id)
        if known is not None:
            return known
        try:
            answer = self._client_for(team_id).auth_test()
        except (SlackApiError, OSError) as error:
            log.warning("could not ask Slack for the workspace's address: %r", error)
            return None
        host = urlsplit(str(answer.get("url") or "")).hostname
        if answer.get("team_id") != team_id or not host:
            return None
        with self._lock:
            self._hosts[team_id] = host
        return host
