"""Checking that a webhook comes from the tracker it claims to, before its body is read.

- GitHub signs the raw body with HMAC-SHA256 keyed on `GITHUB_WEBHOOK_SECRET`:
  `X-Hub-Signature-256: sha256=<hex>`. Each delivery has an id (`X-GitHub-Delivery`) that a
  redelivery keeps.
- Jira Cloud signs the webhooks an administrator registers with a secret (System > WebHooks >
  Secret) the WebSub way: `X-Hub-Signature: sha256=<hex>`, HMAC-SHA256 of the raw body keyed on
  `JIRA_WEBHOOK_SECRET`. Its `X-Atlassian-Webhook-Identifier` names the delivery across retries.
  (Webhooks that apps register are not signed, so they are refused.)
- Linear signs the raw body with HMAC-SHA256 keyed on the webhook's signing secret
  (`LINEAR_WEBHOOK_SECRET`): `Linear-Signature: <hex>`, and puts the time it sent it in the body
  (`webhookTimestamp`, milliseconds); a signed body older than a minute is a replay. Its
  `Linear-Delivery` header names the delivery.

Digests are compared in constant time. Nothing here logs a body or a secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.config import TrackerKind

# How far from now Linear's `webhookTimestamp` may be (Linear's own advice: a minute).
LINEAR_WINDOW = timedelta(minutes=1)

# The header (WSGI environ key) carrying each kind's signature, and its prefix.
_SIGNATURE: dict[TrackerKind, tuple[str, str]] = {
    TrackerKind.GITHUB: ("HTTP_X_HUB_SIGNATURE_256", "sha256="),
    TrackerKind.JIRA: ("HTTP_X_HUB_SIGNATURE", "sha256="),
    TrackerKind.LINEAR: ("HTTP_LINEAR_SIGNATURE", ""),
}
# The header naming the delivery, kept by the tracker's retries and redeliveries.
_DELIVERY: dict[TrackerKind, str] = {
    TrackerKind.GITHUB: "HTTP_X_GITHUB_DELIVERY",
    TrackerKind.JIRA: "HTTP_X_ATLASSIAN_WEBHOOK_IDENTIFIER",
    TrackerKind.LINEAR: "HTTP_LINEAR_DELIVERY",
}
# The header naming what happened, where the kind sends one (GitHub: "issues", "ping", ...).
_EVENT: dict[TrackerKind, str] = {TrackerKind.GITHUB: "HTTP_X_GITHUB_EVENT"}
# Stored event ids are at most 64 characters.
_MAX_DELIVERY = 48


def unsigned(
    kind: TrackerKind, secret: str | None, raw: bytes, headers: Mapping[str, Any]
) -> str | None:
    """Why the webhook `raw` (with its WSGI `headers`) is not signed with `secret`, or None
    when it is."""
    if not secret:
        return "no webhook secret is set for this tracker"
    name, prefix = _SIGNATURE[kind]
    signature = headers.get(name)
    if not isinstance(signature, str) or not signature:
        return "no signature"
    expected = prefix + hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), signature.strip().encode()):
        return "wrong signature"
    return None


def read_payload(raw: bytes) -> dict[str, Any] | None:
    """The verified body as a JSON object, or None when it is not one."""
    try:
        payload = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        return None
    return payload if isinstance(payload, dict) else None


def stale(kind: TrackerKind, payload: Mapping[str, Any], now: datetime) -> str | None:
    """Why a signed payload is too old (or too far ahead) to be taken, or None. Only Linear
    signs the time it sent a webhook."""
    if kind != TrackerKind.LINEAR:
        return None
    sent = payload.get("webhookTimestamp")
    if isinstance(sent, bool) or not isinstance(sent, int | float):
        return "no webhookTimestamp"
    if abs(now.timestamp() * 1000 - sent) > LINEAR_WINDOW.total_seconds() * 1000:
        return "webhookTimestamp outside the one-minute window"
    return None


def delivery_id(kind: TrackerKind, raw: bytes, headers: Mapping[str, Any]) -> str:
    """The id that recognises a redelivery of this webhook: the tracker's delivery header, or
    (without one) a digest of the body, which a retry sends unchanged."""
    given = headers.get(_DELIVERY[kind])
    if isinstance(given, str) and given.strip():
        return f"{kind.value}:{given.strip()[:_MAX_DELIVERY]}"
    return f"{kind.value}:{hashlib.sha256(raw).hexdigest()[:_MAX_DELIVERY]}"


def event_name(kind: TrackerKind, headers: Mapping[str, Any]) -> str | None:
    """What happened, as the header that names it says (GitHub's `X-GitHub-Event`); None for
    kinds that name it in the body."""
    header = _EVENT.get(kind)
    value = headers.get(header) if header else None
    return value if isinstance(value, str) else None
