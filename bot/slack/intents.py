"""One click or one form submission is one intent, however many times its request arrives.

Slack accepts a signed request for five minutes, so one click can be replayed, and a person can
click a button again before the card changes. The state of a request stops repeats that would
change nothing (bot/domain/workflow.py); the key here stops a replay of the very same click or
submission. It is kept with the handled event ids (`processed_events`, forgotten after a week),
recorded in the transaction of the change it made.
"""

from __future__ import annotations

import hashlib
from typing import Any

# A view submission is keyed by its view, so a form sent twice acts once.
_VIEW = "view"
# A click is keyed by its trigger (new for every click, the same in a replay).
_CLICK = "click"


def intent_key(body: dict[str, Any]) -> str | None:
    """The key of the click or submission `body` reports, scoped to its workspace; None when
    the payload names neither a trigger nor a view."""
    team = _text((body.get("team") or {}).get("id")) or _text(
        (body.get("user") or {}).get("team_id")
    )
    user = _text((body.get("user") or {}).get("id"))
    if body.get("type") == "view_submission":
        parts = (_VIEW, team, _text((body.get("view") or {}).get("id")))
    else:
        action = (body.get("actions") or [{}])[0]
        action = action if isinstance(action, dict) else {}
        trigger = _text(body.get("trigger_id"))
        parts = (
            _CLICK,
            team,
            user,
            _text(action.get("action_id")),
            trigger or _text(action.get("action_ts")),
        )
    if not parts[-1]:
        return None
    # Hashed: payload fields have no length limit, the key column has.
    digest = hashlib.blake2b("\x1f".join(parts).encode(), digest_size=24).hexdigest()
    return f"{parts[0]}:{digest}"


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""
