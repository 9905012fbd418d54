"""Engine and session factories. Nothing here connects at import time."""

from __future__ import annotations

import fcntl
import os
import select
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT = 30.0  # seconds a SQLite writer waits for another before giving up
_READ_ONLY = "liaison_read_only"  # an execution option: see `reading`
_WRITER = "liaison_writer"  # in a connection's info: the lock file it holds
POOL_SIZE = 24  # connections kept open per process (see make_engine)
# A pooled PostgreSQL connection unused for longer than this is pinged before it is handed out.
IDLE_PING_SECONDS = 10.0
_IDLE_SINCE = "liaison_idle_since"  # in a pooled connection's info: when it was last returned
# Execution options for an UPDATE or DELETE run by code that holds no ORM object it changes (the
# outbox's and the inbox's bookkeeping): SQLAlchemy then does not look for such objects in the
# session to change them too, which cost a quarter of such a one-statement transaction's CPU.
UNSYNCHRONIZED: dict[str, Any] = {"synchronize_session": False}


def make_engine(url: str, **kwargs: object) -> Engine:
    """An engine for `url`; SQLite gets foreign keys, WAL and a busy timeout on every connection.
    Statement parameters (which carry what people typed) never appear in logs or in errors."""
    kwargs["hide_parameters"] = True
    database = make_url(url).database
    if database not in (None, "", ":memory:"):
        # Room for every thread of a web worker (request threads, listeners, deliveries) to hold
        # a connection at once: past pool_size, connections are closed on return and opened
        # again, which costs PostgreSQL a new backend process and SQLite its setup each time.
        kwargs.setdefault("pool_size", POOL_SIZE)
        kwargs.setdefault("max_overflow", 10)
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT}, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):  # type: ignore[no-untyped-def]
            # Let SQLAlchemy own transactions: pysqlite's implicit BEGIN would defer locking.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if url not in ("sqlite://", "sqlite:///:memory:"):
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        writers = _writer_queue(database) if database and database != ":memory:" else None

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):  # type: ignore[no-untyped-def]
            if connection.get_execution_options().get(_READ_ONLY):
                connection.exec_driver_sql("BEGIN")  # WAL: readers run beside the writer
                return
            # Take the write lock up front so concurrent writers queue instead of failing with
            # "database is locked" when a reader upgrades to a writer.
            if writers is not None:
                writers.enter(connection.info)
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                if writers is not None:
                    writers.leave(connection.info)
                raise

        if writers is not None:

            @event.listens_for(engine, "commit")
            def _sqlite_commit(connection):  # type: ignore[no-untyped-def]
                # This hook runs just before SQLAlchemy commits; committing here (SQLAlchemy's
                # own commit then finds no transaction) lets the next writer in only afterwards.
                try:
                    connection.connection.dbapi_connection.commit()
                finally:
                    writers.leave(connection.info)

            @event.listens_for(engine, "rollback")
            def _sqlite_rollback(connection):  # type: ignore[no-untyped-def]
                try:
                    if not connection.invalidated:
                        connection.connection.dbapi_connection.rollback()
                finally:
                    writers.leave(connection.info)

        return engine
    engine = create_engine(url, **kwargs)
    event.listen(engine, "handle_error", _without_values)
    event.listen(engine, "connect", _note_idle)
    event.listen(engine, "checkin", _note_idle)
    event.listen(engine, "checkout", _ping_if_idle)
    return engine


def _note_idle(_dbapi_connection: Any, record: Any) -> None:
    record.info[_IDLE_SINCE] = time.monotonic()


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """Checks that a pooled connection still answers before anyone uses it, and replaces it when
    it does not, without a round trip for a connection in steady use: one is pinged when it sat
    in the pool for a while (a firewall may have dropped it) or when the server said something
    to it while it was idle, which it does only to close it (the backend was terminated, the
    server is shutting down). `pool_pre_ping` would cost a round trip before every transaction,
    several per Slack request."""
    since = record.info.get(_IDLE_SINCE)
    recent = since is not None and time.monotonic() - since < IDLE_PING_SECONDS
    if recent and not _server_spoke(dbapi_connection):
        return
    try:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("SELECT 1")
        finally:
            cursor.close()
        dbapi_connection.rollback()  # leave no transaction open behind the pool's back
    except Exception as error:
        raise exc.DisconnectionError("the pooled connection no longer answers") from error


def _server_spoke(dbapi_connection: Any) -> bool:
    """True when an idle connection's socket has something to read (or is gone)."""
    try:
        readable, _, _ = select.select([dbapi_connection.fileno()], [], [], 0)
    except (OSError, ValueError):
        return True
    return bool(readable)


# PostgreSQL's messages for these error classes quote values ("invalid input syntax for type
# integer: "…"", "Failing row contains (…)", "Key (…)=(…) already exists"): data exceptions and
# integrity constraint violations.
_QUOTING_VALUES = ("22", "23")


def _without_values(context: Any) -> None:
    """Rewrites a PostgreSQL error that would quote values (what people typed) into one that
    names its kind and where it happened, so that no traceback or log line shows them; the
    exception keeps its type, and its `diag` still holds everything."""
    original = context.original_exception
    state = getattr(original, "sqlstate", None)
    if not state or not state.startswith(_QUOTING_VALUES):
        return
    diag = original.diag
    where = [
        f"{name} {value}"
        for name, value in (
            ("table", diag.table_name),
            ("column", diag.column_name),
            ("constraint", diag.constraint_name),
        )
        if value
    ]
    terse = f"SQLSTATE {state}" + (f" ({', '.join(where)})" if where else "")
    original.args = (terse,)
    wrapped = context.sqlalchemy_exception
    if wrapped is not None:
        kind = type(original)
        wrapped.args = (f"({kind.__module__}.{kind.__name__}) {terse}",)


class _WriterQueue:
    """Lets one transaction at a time write to a SQLite file, across threads and processes.

    SQLite's own busy handler makes a waiting writer poll with growing sleeps (up to 100 ms), so
    under load an unlucky writer can wait seconds while others keep getting in. Here waiters
    block instead and are woken when the writer ends: threads of a process on a lock, processes
    on an advisory lock on a file next to the database (opened for each transaction, so nothing
    stays open and a fork shares nothing). A waiter that gives up after `timeout` falls back to
    SQLite's busy handler, which then answers "database is locked" as before.
    """

    def __init__(self, database: str, *, timeout: float = BUSY_TIMEOUT) -> None:
        self._path = f"{database}.writer-lock"
        self._timeout = timeout
        self._threads = threading.Lock()

    def enter(self, info: dict[str, Any]) -> None:
        if not self._threads.acquire(timeout=self._timeout):
            return
        try:
            lock_file = open(self._path, "a+b")  # noqa: SIM115 (closed by `leave`)
            try:
                fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX)
            except BaseException:
                lock_file.close()
                raise
        except BaseException:
            self._threads.release()
            raise
        info[_WRITER] = lock_file

    def leave(self, info: dict[str, Any]) -> None:
        lock_file = info.pop(_WRITER, None)
        if lock_file is not None:
            lock_file.close()  # which releases its lock
            self._threads.release()


_queues: dict[str, _WriterQueue] = {}
_queues_lock = threading.Lock()


def _writer_queue(database: str) -> _WriterQueue:
    """The one queue of this process for a database file, whatever the number of engines on it
    (two lock files opened by one process would wait for each other)."""
    path = os.path.realpath(database)
    with _queues_lock:
        return _queues.setdefault(path, _WriterQueue(path))


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


@contextmanager
def transaction(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit on success, roll back on error. Handlers and jobs own it."""
    with sessions.begin() as session:
        yield session


@contextmanager
def reading(sessions: sessionmaker[Session]) -> Iterator[Session]:
    """A transaction that only reads: on SQLite it does not wait for the write lock every other
    transaction takes. Writing in it may fail with "database is locked"; use `transaction`."""
    with sessions(execution_options={_READ_ONLY: True}) as session, session.begin():
        yield session


def read_only(engine: Engine) -> Engine:
    """`engine` for code that only reads and opens its own connections (slack_sdk's stores):
    on SQLite its transactions do not wait for the write lock, as in `reading`."""
    return engine.execution_options(**{_READ_ONLY: True})


def database_answers(engine: Engine) -> bool:
    """True when a trivial query succeeds. It runs outside a transaction, so on SQLite it never
    waits for the write lock that every transaction takes (see `_sqlite_begin`)."""
    try:
        connection = engine.raw_connection()
        try:
            cursor = connection.cursor()
            cursor.execute("SELECT 1")
            cursor.close()
        finally:
            connection.close()
    except Exception:
        return False
    return True
