"""Fill a database with the benchmark's history (migrated with Alembic, written with bulk inserts).

    python -m bench.fill [--sqlite PATH] [--postgres URL | --no-postgres] [--requests N] [--refill]

A filled database is reused unless `--refill`. For PostgreSQL the database named in the URL is
dropped and created again on the same server, so it must be a benchmark database (its name must
contain "bench"): the test database is never touched.
"""

from __future__ import annotations

import argparse
import os
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Table, func, insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from bench.history import History, Simulator
from bench.scenario import HISTORY, NOW, REQUESTS, SEED, TEAM_ID, TEAMS, bench_config
from bot.db.migrate import upgrade
from bot.db.session import make_engine
from bot.domain.digest import WEEK, last_scheduled
from bot.domain.models import (
    Department,
    DigestRun,
    Estimate,
    NudgeMark,
    Request,
    RequestEvent,
    Workspace,
)

DEFAULT_SQLITE = Path(__file__).resolve().parent / "data" / "liaison_bench.sqlite3"
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/liaison_bench"
CHUNK = 5000
WORKSPACE_ID = 1
# Tables whose ids the fill writes itself; PostgreSQL's sequences must be moved past them.
NUMBERED = (Workspace, Department, Request, RequestEvent)


def sqlite_url(path: Path | str) -> str:
    return f"sqlite:///{path}"


def is_filled(url: str, requests: int = REQUESTS) -> bool:
    """Whether `url` holds a complete benchmark history of `requests` requests."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            last = connection.scalar(
                select(Workspace.last_request_number).where(Workspace.team_id == TEAM_ID)
            )
            count = connection.scalar(select(func.count()).select_from(Request))
            return last == requests == count
    except DBAPIError:
        return False
    finally:
        engine.dispose()


def fill_sqlite(
    path: Path, *, requests: int = REQUESTS, seed: int = SEED, refill: bool = False
) -> bool:
    """Fill the SQLite file at `path` unless it is already filled; True when it was filled now.
    The file is built under another name and renamed at the end, so a crash never leaves a
    half-filled file that would be reused."""
    if path.exists() and not refill and is_filled(sqlite_url(path), requests):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    for leftover in (partial, *_sidecars(partial), path, *_sidecars(path)):
        leftover.unlink(missing_ok=True)
    _load(sqlite_url(partial), requests=requests, seed=seed, shown=str(path))
    partial.rename(path)
    return True


def _sidecars(path: Path) -> tuple[Path, Path]:
    return path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")


def fill_postgres(
    url: str, *, requests: int = REQUESTS, seed: int = SEED, refill: bool = False
) -> bool:
    """Fill the PostgreSQL database of `url` (dropped and created again) unless it is already
    filled; True when it was filled now."""
    name = make_url(url).database or ""
    if "bench" not in name:
        raise SystemExit(f"refusing to recreate database {name!r}: its name must contain 'bench'")
    if not refill and is_filled(url, requests):
        return False
    _recreate_database(url)
    _load(url, requests=requests, seed=seed, shown=_redacted(url))
    return True


def _recreate_database(url: str) -> None:
    target = make_url(url)
    server = make_engine(
        target.set(database="postgres").render_as_string(hide_password=False),
        isolation_level="AUTOCOMMIT",
    )
    with server.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{target.database}"'))
    server.dispose()


def _load(url: str, *, requests: int, seed: int, shown: str) -> None:
    started = time.perf_counter()
    upgrade(url)
    config = bench_config()
    engine = make_engine(url)
    department_ids = {team.key: number for number, team in enumerate(TEAMS, 1)}
    simulator = Simulator(
        config,
        department_ids=department_ids,
        workspace_id=WORKSPACE_ID,
        now=NOW,
        span=HISTORY,
        seed=seed,
    )
    history = simulator.simulate(requests)
    simulated = time.perf_counter()
    with engine.begin() as connection:
        connection.execute(
            insert(Workspace.__table__),
            [
                {
                    "id": WORKSPACE_ID,
                    "team_id": TEAM_ID,
                    "last_request_number": requests,
                    "created_at": NOW - HISTORY,
                }
            ],
        )
        connection.execute(
            insert(Department.__table__),
            [
                {
                    "id": department_ids[d.key],
                    "workspace_id": WORKSPACE_ID,
                    "key": d.key,
                    "name": d.name,
                    "role": d.role.value,
                    "intake_channel": d.intake_channel,
                }
                for d in config.departments
            ],
        )
    _insert(engine, Request.__table__, history.requests)
    _insert(engine, RequestEvent.__table__, history.events)
    _insert(engine, Estimate.__table__, history.estimates)
    _insert(engine, NudgeMark.__table__, history.marks)
    _insert(engine, DigestRun.__table__, _digest_runs(config))
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            _move_sequences(connection)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            # What autovacuum would have done long before anyone ran a report.
            connection.execute(text("VACUUM ANALYZE"))
    engine.dispose()
    print(
        f"filled {shown}: {_summary(history)}"
        f" (simulated in {simulated - started:.0f} s, written in"
        f" {time.perf_counter() - simulated:.0f} s)",
        flush=True,
    )


def _insert(engine: Any, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk inserts of CHUNK rows, one transaction each."""
    for start in range(0, len(rows), CHUNK):
        with engine.begin() as connection:
            connection.execute(insert(table), list(rows[start : start + CHUNK]))


def _move_sequences(connection: Connection) -> None:
    for model in NUMBERED:
        table = model.__table__.name
        connection.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f" (SELECT max(id) FROM {table}))"
            )
        )


def _digest_runs(config: Any) -> list[dict[str, Any]]:
    """One row per weekly digest already posted over the history."""
    runs = []
    for digest in config.digests:
        moment = last_scheduled(digest, NOW)
        while moment > NOW - HISTORY:
            runs.append(
                {
                    "workspace_id": WORKSPACE_ID,
                    "channel": digest.channel,
                    "scheduled_for": moment,
                    "created_at": moment,
                }
            )
            moment -= WEEK
    return runs


def _summary(history: History) -> str:
    states: dict[str, int] = {}
    for row in history.requests:
        states[row["status"].value] = states.get(row["status"].value, 0) + 1
    by_state = ", ".join(f"{state} {number}" for state, number in sorted(states.items()))
    return (
        f"{len(history.requests)} requests ({by_state}), {len(history.events)} events,"
        f" {len(history.estimates)} estimates, {len(history.marks)} nudge marks"
    )


def _redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fill", description=__doc__)
    parser.add_argument("--sqlite", type=Path, default=DEFAULT_SQLITE, help="SQLite file")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="PostgreSQL URL of the benchmark database (its name must contain 'bench')",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--refill", action="store_true", help="rebuild even when filled")
    args = parser.parse_args(list(argv) if argv is not None else None)
    options = {"requests": args.requests, "seed": args.seed, "refill": args.refill}
    if not fill_sqlite(args.sqlite, **options):
        print(f"{args.sqlite} is already filled (use --refill to rebuild it)")
    if args.postgres and not args.no_postgres and not fill_postgres(args.postgres, **options):
        print(f"{_redacted(args.postgres)} is already filled (use --refill to rebuild it)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
