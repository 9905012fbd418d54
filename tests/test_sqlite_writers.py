"""One SQLite writer at a time (bot/db/session.py): a writer waits for the one before it, sees
what it committed, and a writer that fails or rolls back never keeps the others out."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from bot.db.session import make_engine, make_session_factory, reading


@pytest.fixture
def file_engine(tmp_path: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp_path / 'writers.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE marks (who TEXT NOT NULL)"))
    yield engine
    engine.dispose()


def _marks(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.scalars(text("SELECT who FROM marks ORDER BY rowid")))


def test_a_second_writer_waits_for_the_first_and_sees_its_commit(file_engine: Engine) -> None:
    first_inside, second_done = threading.Event(), threading.Event()
    seen: list[list[str]] = []

    def second() -> None:
        first_inside.wait()
        with file_engine.begin() as connection:
            seen.append(list(connection.scalars(text("SELECT who FROM marks"))))
            connection.execute(text("INSERT INTO marks VALUES ('second')"))
        second_done.set()

    waiter = threading.Thread(target=second)
    waiter.start()
    with file_engine.begin() as connection:
        connection.execute(text("INSERT INTO marks VALUES ('first')"))
        first_inside.set()
        assert not second_done.wait(0.3)  # held back while the first is writing
    waiter.join(10)
    assert seen == [["first"]]
    assert _marks(file_engine) == ["first", "second"]
    assert (Path(str(file_engine.url.database)).parent / "writers.sqlite3.writer-lock").exists()


def test_a_rolled_back_writer_lets_the_next_one_in(file_engine: Engine) -> None:
    with pytest.raises(RuntimeError), file_engine.begin() as connection:
        connection.execute(text("INSERT INTO marks VALUES ('lost')"))
        raise RuntimeError("the handler failed")
    done = threading.Event()

    def writer() -> None:
        with file_engine.begin() as connection:
            connection.execute(text("INSERT INTO marks VALUES ('kept')"))
        done.set()

    threading.Thread(target=writer).start()
    assert done.wait(10)
    assert _marks(file_engine) == ["kept"]


def test_many_writers_at_once_all_commit(file_engine: Engine) -> None:
    def writer(number: int) -> None:
        for _ in range(20):
            with file_engine.begin() as connection:
                connection.execute(text("INSERT INTO marks VALUES (:who)"), {"who": f"{number}"})

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert len(_marks(file_engine)) == 160


def test_a_reader_does_not_wait_for_the_writer(file_engine: Engine) -> None:
    with file_engine.begin() as connection:
        connection.execute(text("INSERT INTO marks VALUES ('committed')"))
    sessions = make_session_factory(file_engine)
    read: list[list[str]] = []
    done = threading.Event()

    def reader() -> None:
        with reading(sessions) as session:
            read.append(list(session.scalars(text("SELECT who FROM marks"))))
        done.set()

    with file_engine.begin() as connection:
        connection.execute(text("INSERT INTO marks VALUES ('uncommitted')"))
        threading.Thread(target=reader).start()
        assert done.wait(10)  # answered while the writer still holds the lock
    assert read == [["committed"]]


def test_two_engines_on_one_file_share_the_queue(file_engine: Engine) -> None:
    other = make_engine(str(file_engine.url))
    try:
        done = threading.Event()

        def writer() -> None:
            with other.begin() as connection:
                connection.execute(text("INSERT INTO marks VALUES ('other')"))
            done.set()

        with file_engine.begin() as connection:
            connection.execute(text("INSERT INTO marks VALUES ('first')"))
            threading.Thread(target=writer).start()
            assert not done.wait(0.3)  # the other engine's writer waits its turn
        assert done.wait(10)
        assert _marks(file_engine) == ["first", "other"]
    finally:
        other.dispose()
