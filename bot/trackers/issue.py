"""What an issue says, whatever the tracker: drawn from the request (title, fields, the `REQ-n`
marker, the card's link, the committed date), and what a created issue is known by. Markdown for
GitHub and Linear; Jira takes the same lines as an Atlassian Document (`adf`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.domain.models import Request
from bot.domain.workflow.tracker_sync import IssueSnapshot

LABEL = "liaison"
TITLE_LIMIT = 250  # GitHub takes 256, Jira's summary 255
FIELD_LIMIT = 4000


@dataclass(frozen=True)
class IssueDraft:
    """An issue to create. `lines` are (label, text) pairs shown under the summary; `marker` is
    what a search for an issue already created for the request looks for."""

    title: str
    marker: str
    lines: tuple[tuple[str, str], ...]
    card_url: str | None
    due_on: date | None
    labels: tuple[str, ...] = (LABEL,)
    assignee: str | None = None  # the tracker's account, when the claimer is mapped

    def markdown(self) -> str:
        parts = [f"**{label}:** {value}" for label, value in self.lines]
        parts.append(self.footer())
        return "\n\n".join(parts)

    def footer(self) -> str:
        card = f" · [the request's card in Slack]({self.card_url})" if self.card_url else ""
        return f"Liaison request {self.marker}{card}"

    def adf(self) -> dict[str, Any]:
        """The same description in Atlassian Document Format (Jira Cloud REST v3)."""
        content: list[dict[str, Any]] = []
        for label, value in self.lines:
            content.append(
                _paragraph(
                    {"type": "text", "text": f"{label}: ", "marks": [{"type": "strong"}]},
                    {"type": "text", "text": value},
                )
            )
        footer: list[dict[str, Any]] = [{"type": "text", "text": f"Liaison request {self.marker}"}]
        if self.card_url:
            footer.append({"type": "text", "text": " · "})
            footer.append(
                # The address as the text too: Jira's text search and `is_mine` read text only.
                {
                    "type": "text",
                    "text": self.card_url,
                    "marks": [{"type": "link", "attrs": {"href": self.card_url}}],
                }
            )
        content.append(_paragraph(*footer))
        return {"type": "doc", "version": 1, "content": content}

    def is_mine(self, text: str | None) -> bool:
        """Whether an issue's text carries this request's marker (and card link)."""
        return carries(text, self.marker, self.card_url)


def carries(text: str | None, marker: str, card_url: str | None) -> bool:
    """Whether an issue's text carries a request's marker (and its card's link, when it has
    one: two workspaces each have a REQ-1)."""
    if not text or not re.search(rf"(?<![\w-]){re.escape(marker)}(?!\d)", text):
        return False
    return card_url is None or card_url in text


@dataclass(frozen=True)
class CreatedIssue:
    """An issue as the tracker knows it: its id, the key people read, its web address."""

    external_id: str
    key: str
    url: str
    extra: dict[str, Any] = field(default_factory=dict)
    # What the tracker says of the issue now, when it was found rather than just created (it may
    # have been closed, or changed, before Liaison knew of it).
    seen: IssueSnapshot | None = None


def draft_for(request: Request, *, type_labels: dict[str, str] | None = None) -> IssueDraft:
    """The issue a request becomes. `type_labels` names the request type's fields (key → label);
    a field without one is shown by its key."""
    lines: list[tuple[str, str]] = []
    for label, value in (
        ("Details", request.details),
        ("Client", request.client),
        ("Business impact", request.impact),
        ("Desired date", _day(request.desired_date, hard=request.hard_deadline)),
        ("Committed date", _day(request.committed_date)),
    ):
        if value:
            lines.append((label, _clip(value)))
    for key, value in (request.type_fields or {}).items():
        shown = _field_value(value)
        if shown:
            lines.append(((type_labels or {}).get(key, key), _clip(shown)))
    return IssueDraft(
        title=_clip(request.title, TITLE_LIMIT),
        marker=request.reference,
        lines=tuple(lines),
        card_url=request.card_permalink,
        due_on=request.committed_date,
    )


def _day(value: date | None, *, hard: bool = False) -> str:
    if value is None:
        return ""
    return value.isoformat() + (" (hard deadline)" if hard else "")


def _field_value(value: Any) -> str:
    if value is True:
        return "yes"
    if value in (None, False, "", []):
        return ""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def _clip(value: str, limit: int = FIELD_LIMIT) -> str:
    value = value.strip()
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _paragraph(*content: dict[str, Any]) -> dict[str, Any]:
    return {"type": "paragraph", "content": list(content)}
