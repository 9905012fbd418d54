"""Making user text safe to echo into Slack.

Everything a person typed goes through here before it reaches a message: it is escaped for mrkdwn
(so `<!channel>` or `<@U123>` show as text instead of pinging anyone), mass-mention words are
defused, control characters are dropped, and it is cut to Block Kit's limits. The database keeps
the original text; only what is displayed is changed.
"""

from __future__ import annotations

import re

ELLIPSIS = "…"
# Word joiner: invisible, but stops Slack from reading "@channel" as a mention.
_JOINER = "\u2060"
_MASS_MENTION = re.compile(r"@(?=(channel|here|everyone)\b)", re.IGNORECASE)
# C0/C1 controls except tab and newline, and bidi overrides/isolates that can reorder our text.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")
# In plain_text Slack shows "<" literally, but keep even the look of a mention or link out of it.
_SPECIAL_OPEN = re.compile(r"<(?=[!@#])")


def clean(text: str | None) -> str:
    """Drop control and direction-override characters and defuse mass-mention words."""
    if not text:
        return ""
    return _MASS_MENTION.sub("@" + _JOINER, _UNSAFE.sub("", text))


def truncate(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, with an ellipsis when something was cut."""
    if len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + ELLIPSIS


def plain(text: str | None, limit: int) -> str:
    """For `plain_text` objects: Slack shows them literally; we still break up `<!…>` and `<@…>`
    so no client or integration that reads the text could take it for a mention."""
    return truncate(_SPECIAL_OPEN.sub("<" + _JOINER, clean(text)), limit)


def mrkdwn(text: str | None, limit: int = 3000) -> str:
    """For `mrkdwn` objects and message `text`: escaped, cleaned, cut without splitting `&amp;`."""
    escaped = clean(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if len(escaped) <= limit:
        return escaped
    head = escaped[: max(limit - 1, 0)]
    return _ENTITY_TAIL.sub("", head) + ELLIPSIS


def quote(text: str | None, limit: int = 3000) -> str:
    """User text as a mrkdwn block quote, so formatting characters in it cannot reach our own."""
    body = mrkdwn(text, limit - 2 * (text or "").count("\n") - 2)
    return "\n".join("> " + line if line else ">" for line in body.split("\n"))
