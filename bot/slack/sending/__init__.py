"""Sending the outbox: the shared loop (`loop`), one sender per effect kind (`senders`, behind
the protocol in `effects`), how Slack's failures are read (`transport`), and finding posts
whose answer was lost (`recovery`)."""

from bot.slack.sending.loop import Outbox, SendReport, backoff

__all__ = ["Outbox", "SendReport", "backoff"]
