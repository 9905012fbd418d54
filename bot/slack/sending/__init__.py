"""Sending the outbox: the shared loop (`loop`), one attempt and its outcome (`attempts`), one
sender per effect kind (`senders`, behind the protocol in `effects`), how Slack's failures are
read (`transport`), the leases a process holds (`leases`), and finding posts whose answer was
lost (`recovery`)."""

from bot.slack.sending.attempts import SendReport, backoff
from bot.slack.sending.loop import Outbox

__all__ = ["Outbox", "SendReport", "backoff"]
