"""What a sender is handed and what it answers: the seam between the shared outbox loop
(bot/slack/sending/loop.py) and the one sender each effect kind has."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from slack_sdk import WebClient
from sqlalchemy.orm import Session

from bot.config import LiaisonConfig
from bot.domain.models import OutboxMessage, Request


@dataclass(frozen=True)
class Effect:
    """One queued effect as its sender sees it: the row, the request as it is now (None for an
    effect about no request), and what the sender's builder made of them."""

    row: OutboxMessage
    request: Request | None
    # When this attempt began: a post whose answer is lost is looked for from here on.
    started: datetime
    content: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.row.id

    @property
    def kind(self) -> str:
        return self.row.kind

    @property
    def unconfirmed_since(self) -> datetime | None:
        """When an attempt whose answer was lost started (Slack may have done it)."""
        return self.row.unconfirmed_since


@dataclass(frozen=True)
class SendResult:
    """What Slack answered: the message's ts, kept on the row, and what the request remembers
    of it (the card's channel, ts and link)."""

    ts: str | None = None
    request_updates: dict[str, Any] = field(default_factory=dict)


class Sender(Protocol):
    """Sends one effect kind. The loop around it gives it order, leases, retries with backoff,
    joining a channel on `not_in_channel`, and telling the leads about a permanent failure. A
    sender raises `Retry` or `Failed` (bot/slack/sending/transport.py), or lets Slack's errors
    and network errors through to be classified."""

    # True when every pending effect of this kind for a request is served by one send, because
    # what is sent is drawn from the current state (the card).
    coalesces: bool

    def build(self, effect: Effect, session: Session, config: LiaisonConfig) -> dict[str, Any]:
        """What to send, from the row and the current state (it only reads, in the transaction
        that leases the effect, or that records the answer of the one sent before it)."""
        ...

    def conversation(self, effect: Effect) -> str | None:
        """The channel (or user, for a DM) the effect goes to, joined when Slack answers
        `not_in_channel`; None when it goes to no conversation."""
        ...

    def send(self, effect: Effect, client: WebClient) -> SendResult:
        """One attempt; no transaction is open."""
        ...
