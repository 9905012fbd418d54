"""INSERT … ON CONFLICT DO NOTHING on both supported backends."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def insert_ignoring_conflicts(
    session: Session, model: type[Any], values: dict[str, Any], conflict_columns: list[str]
) -> bool:
    """Insert a row unless one with the same `conflict_columns` exists (decided by the database,
    so concurrent callers never fail). True when this call inserted it."""
    name = session.get_bind().dialect.name
    key = (name, model, tuple(conflict_columns))
    statement = _built.get(key)
    if statement is None:
        # Built once per table and backend (its columns come from the values at each call):
        # building it for each call cost more CPU than running it (see bench/README.md).
        table = model.__table__
        statement = _built[key] = (
            (postgresql if name == "postgresql" else sqlite)
            .insert(table)
            .on_conflict_do_nothing(index_elements=conflict_columns)
            # RETURNING says reliably whether a row went in; rowcount does not on every driver.
            .returning(table.c[conflict_columns[0]])
        )
    return session.execute(statement, values).first() is not None


_built: dict[tuple[str, type[Any], tuple[str, ...]], Any] = {}


def insert_many_ignoring_conflicts(
    session: Session, model: type[Any], rows: list[dict[str, Any]], conflict_columns: list[str]
) -> None:
    """Insert `rows` in one statement, skipping those whose `conflict_columns` already exist."""
    if not rows:
        return
    dialect = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(model.__table__)
        .values(rows)
        .on_conflict_do_nothing(index_elements=conflict_columns)
    )
    session.execute(statement)
