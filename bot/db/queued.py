"""Rows a change appends (its outbox rows, its request events), queued in the session and written
by one INSERT per table when the session next flushes ORM changes (the request a change moved,
before its next query) or commits. Through the ORM's unit of work, one object each cost a change
more CPU than the rest of its writes. A session with no ORM change to flush writes them only at
commit (or with `write`): code that must read back what it queued looks at `queued` first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Insert, Table, event, insert
from sqlalchemy.orm import Session, SessionTransaction

_QUEUE = "liaison_queued_rows"  # in session.info: the rows not written yet, in queue order


@dataclass(eq=False)
class QueuedRow:
    """A row queued for `table`: its column values, and its id once it is written."""

    table: Table
    values: dict[str, Any]
    id: int | None = None


def queue(session: Session, table: Table, values: dict[str, Any]) -> QueuedRow:
    """Queue a row of `table` (every row of a table with the same columns in `values`): it is
    written in this transaction, exactly when the transaction commits, after the rows queued
    before it."""
    row = QueuedRow(table, values)
    session.info.setdefault(_QUEUE, []).append(row)
    return row


def queued(session: Session, table: Table) -> list[QueuedRow]:
    """The rows of `table` queued in the session and not written yet, in queue order."""
    return [row for row in session.info.get(_QUEUE, ()) if row.table is table]


# Built once per table (building an INSERT cost more than running it).
_INSERTS: dict[Table, Insert] = {}


def write(session: Session) -> None:
    """Write the queued rows, one INSERT per table; ids follow the queue order."""
    rows: list[QueuedRow] = session.info.pop(_QUEUE, None) or []
    if not rows:
        return
    by_table: dict[Table, list[QueuedRow]] = {}
    for row in rows:
        by_table.setdefault(row.table, []).append(row)
    connection = session.connection()
    for table, group in by_table.items():
        statement = _INSERTS.get(table)
        if statement is None:
            statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            _INSERTS[table] = statement
        ids = connection.execute(statement, [row.values for row in group]).scalars().all()
        for row, row_id in zip(group, ids, strict=True):
            row.id = row_id


# Every session gets these (the tests', the CLI's and the app's alike): registering them is all
# importing this module does. (A hook before every query, "do_orm_execute", would make
# SQLAlchemy prepare each ORM statement twice, in every session: it cost more than it saved.)
@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(_QUEUE):
        write(session)


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    if session.info.get(_QUEUE):
        write(session)


@event.listens_for(Session, "after_transaction_end")
def _after_transaction(session: Session, transaction: SessionTransaction) -> None:
    # After a rollback (or a close without commit) what was queued is gone with the change.
    if transaction.parent is None:
        session.info.pop(_QUEUE, None)
