"""The Slack app manifest shipped with Liaison: the scopes its bot token must have."""

from __future__ import annotations

from importlib import resources

# bot/manifest.yml links to the manifest at the project's root, which people paste into Slack;
# the wheel carries a copy, so an installed Liaison knows its scopes too.
MANIFEST = "manifest.yml"


def manifest_text() -> str:
    return resources.files("bot").joinpath(MANIFEST).read_text(encoding="utf-8")


def bot_scopes(text: str | None = None) -> list[str]:
    """The bot scopes listed under `oauth_config.scopes.bot`, in the manifest's order."""
    lines = (text if text is not None else manifest_text()).splitlines()
    scopes: list[str] = []
    path: list[tuple[int, str]] = []  # (indentation, key) of the mappings we are inside
    for line in lines:
        content = line.split("#", 1)[0].rstrip()
        if not content.strip():
            continue
        indent = len(content) - len(content.lstrip())
        item = content.strip()
        while path and path[-1][0] >= indent and not item.startswith("- "):
            path.pop()
        if item.startswith("- "):
            if [key for _, key in path] == ["oauth_config", "scopes", "bot"]:
                scopes.append(item[2:].strip().strip("\"'"))
        elif item.endswith(":"):
            path.append((indent, item[:-1].strip()))
    return scopes
