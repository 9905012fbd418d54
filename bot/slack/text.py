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
# No word boundary after the word: cutting "@everyone_x" to a limit would make one.
_MASS_MENTION = re.compile(r"@(?=(channel|here|everyone))", re.IGNORECASE)
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
    escaped = _escape(clean(text))
    if len(escaped) <= limit:
        return escaped
    return _cut(escaped, limit)


def quote(text: str | None, limit: int = 3000) -> str:
    """User text as a mrkdwn block quote, so formatting characters in it cannot reach our own; at
    most `limit` characters, the quote markers included."""
    lines = _escape(clean(text)).split("\n")
    quoted = "\n".join("> " + line if line else ">" for line in lines)
    if len(quoted) <= limit:
        return quoted
    # No trailing newline before the ellipsis: it would start a line outside the quote.
    return _cut(quoted, limit, strip="\n")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def cut_mrkdwn(escaped: str, limit: int) -> str:
    """Already-escaped mrkdwn cut to `limit`, never ending in half an entity such as `&am`."""
    return escaped if len(escaped) <= limit else _cut(escaped, limit)


def _cut(escaped: str, limit: int, strip: str = "") -> str:
    """`escaped` cut to `limit` with an ellipsis, never ending in half an entity (nor in any of
    the characters in `strip`)."""
    head = _ENTITY_TAIL.sub("", escaped[: max(limit - 1, 0)])
    return head.rstrip(strip) + ELLIPSIS
