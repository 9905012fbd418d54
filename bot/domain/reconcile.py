"""What Slack has on a request's card that Liaison never heard of: reactions and thread replies
whose events were lost (Slack stops retrying an event after about five minutes).

Nothing is kept about what was compared before. A reaction counts as applied when the request's
recorded state or events show it: a claim event by that person, an estimate event with those
days, a question asked by them, a decline waiting for their reason, a delivery by them (a
reopened card keeps the reaction of the delivery it undid). So applying what is missed
records exactly what makes the next comparison find nothing, and running it twice changes
nothing the second time. Reactions by people who may not act are left alone, quietly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from bot.config import Department, Reactions
from bot.domain.lifecycle import EventKind, Status, Surface
from bot.domain.models import Request, RequestEvent
from bot.domain.people import Directory, MembershipUnknown

# Surfaces whose claim events stand for a reaction on the card.
REACTION_SURFACES = frozenset({Surface.REACTION.value, Surface.RECONCILE.value})


class MissedKind(StrEnum):
    CLAIM = "claim"
    UNCLAIM = "unclaim"
    ESTIMATE = "estimate"
    ANSWER = "answer"
    NEEDS_INFO = "needs_info"
    DECLINE = "decline"
    DECLINE_REASON = "decline_reason"
    DELIVER = "deliver"


@dataclass(frozen=True)
class Reply:
    """A person's message in the card's thread, as Slack has it."""

    user: str
    at: datetime
    text: str


@dataclass(frozen=True)
class CardInSlack:
    """What Slack has on one card: who reacted with what (in Slack's order), and the replies in
    its thread that were asked for (empty unless the request waits for one)."""

    reactions: Mapping[str, Sequence[str]]
    replies: Sequence[Reply] = ()


@dataclass(frozen=True)
class Missed:
    """One thing a person did in Slack that the request does not show yet."""

    kind: MissedKind
    user: str
    days: int | None = None
    text: str | None = None
    # When a reply was written (answers and decline reasons).
    at: datetime | None = None

    def describe(self) -> str:
        what = {
            MissedKind.CLAIM: "claim",
            MissedKind.UNCLAIM: "release the claim",
            MissedKind.ESTIMATE: f"estimate {self.days} d",
            MissedKind.ANSWER: "answer to the question",
            MissedKind.NEEDS_INFO: "question for the requester",
            MissedKind.DECLINE: "decline (asks for the reason)",
            MissedKind.DECLINE_REASON: "reason for declining",
            MissedKind.DELIVER: "delivered",
        }[self.kind]
        return f"{what} by {self.user}"


def missed(
    request: Request,
    events: Iterable[RequestEvent],
    card: CardInSlack,
    *,
    reactions: Reactions,
    department: Department | None,
    directory: Directory,
    decline_asked_at: datetime | None = None,
) -> list[Missed]:
    """What Slack shows on `request`'s card that its state and `events` do not, in the order to
    apply it (claims first, delivery last)."""
    if not request.status.is_open or department is None:
        return []
    history = list(events)
    by_kind: dict[str, list[str]] = {}
    estimates: list[tuple[str, int]] = []
    for name, users in card.reactions.items():
        action = reactions.action_for(name)
        if action is None:
            continue
        if action.kind == "estimate" and action.days is not None:
            estimates += [(user, action.days) for user in users]
        else:
            by_kind.setdefault(action.kind, []).extend(users)

    def member(user: str) -> bool:
        try:
            return directory.is_member(user, department)
        except MembershipUnknown:  # the group is not read yet: a later run decides
            return False

    found: list[Missed] = []
    claimers = by_kind.get("claim", [])
    holder = request.claimer_id
    if request.claimer_id is None:
        holder = next((u for u in claimers if member(u) and _claim_missed(history, u)), None)
        if holder is not None:
            found.append(Missed(MissedKind.CLAIM, holder))
    elif request.claimer_id not in claimers and _claimed_by_reaction(history, request.claimer_id):
        found.append(Missed(MissedKind.UNCLAIM, request.claimer_id))
    for user, days in estimates:
        if member(user) and not _estimated(history, user, days):
            found.append(Missed(MissedKind.ESTIMATE, user, days=days))
    if request.status is Status.NEEDS_INFO and not _sent_back(history):
        asked_at = _last(history, EventKind.NEEDS_INFO)
        answer = _first_reply(card.replies, request.requester_id, after=asked_at)
        if answer is not None:
            found.append(Missed(MissedKind.ANSWER, answer.user, text=answer.text, at=answer.at))
    asker = next(
        (u for u in by_kind.get("needs_info", []) if member(u) and not _asked(history, u)), None
    )
    if asker is not None:
        found.append(Missed(MissedKind.NEEDS_INFO, asker))
    if request.decline_pending_by is None:
        decliner = next((u for u in by_kind.get("decline", []) if member(u)), None)
        if decliner is not None:
            found.append(Missed(MissedKind.DECLINE, decliner))
    elif decline_asked_at is not None:
        reason = _first_reply(card.replies, request.decline_pending_by, after=decline_asked_at)
        if reason is not None:
            found.append(
                Missed(MissedKind.DECLINE_REASON, reason.user, text=reason.text, at=reason.at)
            )
    deliverer = next(
        (
            u
            for u in by_kind.get("deliver", [])
            if (u == holder or directory.is_lead(u, department)) and not _delivered(history, u)
        ),
        None,
    )
    if deliverer is not None and not any(m.kind is MissedKind.UNCLAIM for m in found):
        found.append(Missed(MissedKind.DELIVER, deliverer))
    return found


def _by(history: list[RequestEvent], user: str, *kinds: EventKind) -> list[RequestEvent]:
    return [e for e in history if e.actor == user and e.kind in kinds]


def _claim_missed(history: list[RequestEvent], user: str) -> bool:
    """`user`'s claim reaction is on the card and nobody has the request. It was missed unless
    they claimed and let go since: a release by reaction means the reaction came back after it;
    a release another way (a button) leaves an old reaction behind that means nothing now."""
    changes = _by(history, user, EventKind.CLAIMED, EventKind.UNCLAIMED)
    if not changes:
        return True
    last = changes[-1]
    return last.kind == EventKind.UNCLAIMED and last.surface in REACTION_SURFACES


def _claimed_by_reaction(history: list[RequestEvent], user: str) -> bool:
    """`user` holds the request through a claim reaction that is gone: its removal was missed."""
    changes = _by(history, user, EventKind.CLAIMED, EventKind.UNCLAIMED)
    return (
        bool(changes)
        and changes[-1].kind == EventKind.CLAIMED
        and changes[-1].surface in (REACTION_SURFACES)
    )


def _estimated(history: list[RequestEvent], user: str, days: int) -> bool:
    """`user` once estimated these days: the reaction was seen, even if a later estimate (or an
    edit that cleared the estimates) replaced it."""
    return any((e.data or {}).get("days") == days for e in _by(history, user, EventKind.ESTIMATED))


def _delivered(history: list[RequestEvent], user: str) -> bool:
    """`user` delivered it before: their reaction was seen, and the request is open again
    because a lead reopened it since, which an old reaction does not undo."""
    return bool(_by(history, user, EventKind.DELIVERED))


def _sent_back(history: list[RequestEvent]) -> bool:
    """It waits as not ready: a reply in the thread does not complete its fields."""
    asked = [e for e in history if e.kind in (EventKind.NEEDS_INFO, EventKind.NOT_READY)]
    return bool(asked) and asked[-1].kind == EventKind.NOT_READY


def _asked(history: list[RequestEvent], user: str) -> bool:
    return bool(_by(history, user, EventKind.NEEDS_INFO))


def _last(history: list[RequestEvent], kind: EventKind) -> datetime | None:
    moments = [e.at for e in history if e.kind == kind]
    return _aware(max(moments)) if moments else None


def _first_reply(replies: Sequence[Reply], user: str, *, after: datetime | None) -> Reply | None:
    if after is None:
        return None
    after = _aware(after)
    return next((r for r in replies if r.user == user and r.at > after), None)


def _aware(moment: datetime) -> datetime:
    """SQLite hands datetimes back without their zone; every stored one is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
