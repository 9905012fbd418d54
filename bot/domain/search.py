"""Finding requests by number, by words of their title, details or client, or by a person, among
those the searcher may see (bot/domain/requests.py `may_see`), newest first, bounded."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session, aliased

from bot.domain.models import Department, Request
from bot.domain.requests import Page, may_see, parse_reference

# How many results the search modal lists; the rest are counted ("and 12 more").
SEARCH_LIMIT = 20
# Words past this many are ignored: each one is a condition of the query.
MAX_WORDS = 8

_FULFILLING = aliased(Department, name="search_fulfilling")
_REQUESTING = aliased(Department, name="search_requesting")


def search(
    session: Session,
    *,
    workspace_id: int,
    user_id: str,
    departments: Collection[str],
    words: str = "",
    person: str | None = None,
    limit: int = SEARCH_LIMIT,
) -> Page[Request]:
    """The newest `limit` requests of the workspace that `user_id` (of `departments`) may see and
    that match: `words` is a request number ("REQ-12", "12") or words each found in the title,
    details or client; `person` filed or claimed them. Both given: both must match."""
    where: list[ColumnElement[bool]] = [
        Request.workspace_id == workspace_id,
        or_(
            Request.requester_id == user_id,
            _FULFILLING.key.in_(departments),
            _REQUESTING.key.in_(departments),
        ),
    ]
    number = parse_reference(words.strip()) if words.strip() else None
    if number is not None:
        where.append(Request.number == number)
    elif words.strip():
        where += [_mentions(word) for word in words.split()[:MAX_WORDS]]
    if person:
        where.append(or_(Request.requester_id == person, Request.claimer_id == person))

    def scoped(statement: Any) -> Any:
        return (
            statement.join(_FULFILLING, _FULFILLING.id == Request.fulfilling_department_id)
            .outerjoin(_REQUESTING, _REQUESTING.id == Request.requesting_department_id)
            .where(*where)
        )

    found = list(
        session.scalars(scoped(select(Request)).order_by(Request.number.desc()).limit(limit))
    )
    total = len(found)
    if total == limit:
        total = session.scalar(scoped(select(func.count(Request.id)))) or 0
    # The query already keeps to what the person may see; the rule itself has the last word.
    visible = [r for r in found if may_see(r, user_id=user_id, departments=departments)]
    return Page(visible, total - (len(found) - len(visible)))


def _mentions(word: str) -> ColumnElement[bool]:
    """`word` appears, as typed (its % and _ are not wildcards), in the title, details or client."""
    pattern = "%" + _escape_like(word) + "%"
    return or_(
        *(
            column.ilike(pattern, escape="\\")
            for column in (Request.title, Request.details, Request.client)
        )
    )


def _escape_like(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
