"""Slack's encoded message text turned back into what a person would type.

Slack sends text with `&`, `<` and `>` escaped and with mentions, channels and links as
`<…>` entities (`<@U123>`, `<#C1|general>`, `<https://x|label>`, `<!date^…|fallback>`). A
modal prefilled with that would show the raw codes, so the intake modal gets
`@Display Name`, `#general`, `label (https://x)` instead. Names come from look-up functions
handed in (user id → display name), so this module stays pure and can be used before or after
the answer to Slack. The result is plain text: whatever displays it again escapes it
(bot/slack/text.py), so nothing decoded here can ping anyone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

Lookup = Callable[[str], str | None]

_ENTITY = re.compile(r"<([^<>\n]*)>")
_ESCAPED = re.compile(r"&(amp|lt|gt);")
_UNESCAPED = {"amp": "&", "lt": "<", "gt": ">"}
_MASS = frozenset({"here", "channel", "everyone"})
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def _nobody(_: str) -> str | None:
    return None


def unescape(text: str) -> str:
    """`&amp;`, `&lt;` and `&gt;` as the characters they stand for (in one pass, so `&amp;lt;`
    stays `&lt;`)."""
    return _ESCAPED.sub(lambda m: _UNESCAPED[m.group(1)], text)


def escape(text: str) -> str:
    """The inverse of `unescape`: how Slack encodes a literal `&`, `<` or `>`."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def decode(text: str | None, *, user_name: Lookup = _nobody, channel_name: Lookup = _nobody) -> str:
    """`text` as Slack encodes it, decoded for a person: entities become `@Name`, `#channel`,
    `label (url)`, dates their fallback, and escaped characters themselves. `user_name` and
    `channel_name` map an id to a name, or None when it is unknown."""
    if not text:
        return ""
    parts: list[str] = []
    at = 0
    for match in _ENTITY.finditer(text):
        parts.append(unescape(text[at : match.start()]))
        parts.append(_entity(match.group(1), user_name, channel_name))
        at = match.end()
    parts.append(unescape(text[at:]))
    return "".join(parts)


def _entity(inner: str, user_name: Lookup, channel_name: Lookup) -> str:
    target, _, label = inner.partition("|")
    label = unescape(label).strip()
    if target[:1] == "@":
        return "@" + (_name(user_name, target[1:]) or label.lstrip("@") or target[1:])
    if target[:1] == "#":
        return "#" + (label.lstrip("#") or _name(channel_name, target[1:]) or "channel")
    if target[:1] == "!":
        return _special(target[1:], label)
    url = unescape(target)
    if url.lower().startswith("mailto:"):
        address = url[len("mailto:") :]
        return address if label in ("", address, url) else f"{label} ({address})"
    if not _SCHEME.match(url):
        # Not an entity Slack makes; show it as it was typed.
        return "<" + unescape(inner) + ">"
    return url if label in ("", url) else f"{label} ({url})"


def _special(command: str, label: str) -> str:
    """`<!here>`, `<!subteam^S1|@team>`, `<!date^…|fallback>` and the like."""
    kind = command.split("^", 1)[0].lower()
    if kind in _MASS:
        return "@" + kind
    if kind == "subteam":
        return "@" + (label.lstrip("@") or "group")
    if kind == "date":
        return label or _date_fallback(command)
    return label


def _date_fallback(command: str) -> str:
    """`<!date^1700000000^{date}>` without the fallback Slack requires: the time in UTC."""
    parts = command.split("^")
    try:
        moment = datetime.fromtimestamp(int(parts[1]), UTC)
    except (IndexError, ValueError, OverflowError, OSError):
        return ""
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _name(lookup: Lookup, key: str) -> str | None:
    if not key:
        return None
    name = lookup(key)
    return name.strip() or None if name else None


# -- a message's text, wherever it is --------------------------------------------------------


def message_text(message: Mapping[str, Any]) -> str:
    """The encoded text of a Slack message: its `text`, or when it has none, the text of its
    attachments or blocks (in Slack's encoding, ready for `decode`)."""
    own = message.get("text")
    if isinstance(own, str) and own.strip():
        return own
    found = [*_attachments_text(message.get("attachments")), *_blocks_text(message.get("blocks"))]
    return "\n".join(part for part in found if part.strip())


def message_files(message: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(name, permalink) of each file shared in the message."""
    files = message.get("files")
    found = []
    for file in files if isinstance(files, list) else []:
        if not isinstance(file, dict):
            continue
        link = file.get("permalink")
        name = file.get("title") or file.get("name") or "file"
        if isinstance(link, str) and link and isinstance(name, str):
            found.append((name, link))
    return found


def _attachments_text(attachments: object) -> Iterable[str]:
    for attachment in attachments if isinstance(attachments, list) else []:
        if not isinstance(attachment, dict):
            continue
        parts = [
            attachment.get(key)
            for key in ("pretext", "title", "text")
            if isinstance(attachment.get(key), str)
        ]
        body = "\n".join(p for p in parts if p and p.strip())
        fallback = attachment.get("fallback")
        yield body or (fallback if isinstance(fallback, str) else "")
        yield from _blocks_text(attachment.get("blocks"))


def _blocks_text(blocks: object) -> Iterable[str]:
    for block in blocks if isinstance(blocks, list) else []:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind in ("section", "header"):
            yield _text_object(block.get("text"))
            fields = block.get("fields")
            for field in fields if isinstance(fields, list) else []:
                yield _text_object(field)
        elif kind == "context":
            elements = block.get("elements")
            yield " ".join(_text_object(e) for e in _list(elements))
        elif kind == "rich_text":
            yield _rich_text(block.get("elements"))


def _text_object(obj: object) -> str:
    """A Block Kit text object in Slack's encoding (plain_text is literal, so it is escaped)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
        return ""
    return obj["text"] if obj.get("type") == "mrkdwn" else escape(obj["text"])


def _rich_text(elements: object, separator: str = "\n") -> str:
    """A rich_text block's elements in Slack's encoding: its text is literal, its mentions and
    links become the entities `decode` reads."""
    out: list[str] = []
    for element in elements if isinstance(elements, list) else []:
        if not isinstance(element, dict):
            continue
        kind = element.get("type")
        if kind in ("rich_text_section", "rich_text_preformatted", "rich_text_quote"):
            out.append(_rich_text(element.get("elements"), ""))
        elif kind == "rich_text_list":
            out.extend(
                "• " + _rich_text(item.get("elements"), "")
                for item in _list(element.get("elements"))
                if isinstance(item, dict)
            )
        else:
            out.append(_rich_element(element))
    return separator.join(out)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


def _rich_element(element: Mapping[str, Any]) -> str:
    kind = element.get("type")
    value = {key: v for key, v in element.items() if isinstance(v, str)}
    if kind == "text":
        return escape(value.get("text", ""))
    if kind == "link" and value.get("url"):
        label = value.get("text")
        return f"<{escape(value['url'])}|{escape(label)}>" if label else f"<{escape(value['url'])}>"
    if kind == "user" and value.get("user_id"):
        return f"<@{value['user_id']}>"
    if kind == "channel" and value.get("channel_id"):
        return f"<#{value['channel_id']}>"
    if kind == "usergroup" and value.get("usergroup_id"):
        return f"<!subteam^{value['usergroup_id']}>"
    if kind == "broadcast" and value.get("range"):
        return f"<!{value['range']}>"
    if kind == "emoji" and value.get("name"):
        return f":{value['name']}:"
    if kind == "date":
        return escape(value.get("fallback", ""))
    return ""
