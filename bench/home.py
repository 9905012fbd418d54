"""Time publishing Home tabs against the benchmark's history (bench/fill.py), on SQLite and
PostgreSQL:

    python -m bench.home [--sqlite PATH] [--postgres URL | --no-postgres] [--skip-fill]
                         [--runs N] [--refill] [--requests N]

For several kinds of people (the requester with the most requests, the fulfiller with the most
claimed, leads of a fulfilling and of a requesting department, someone in no team) it builds the
view exactly as the Home sender does (bot/slack/sending/senders.py `home_publish`: the queries
and the Block Kit), each section listed at its first ten and at length, and prints the median
time per publish and the number of queries it took. The target is 300 ms per publish.

The PostgreSQL database defaults to `liaison_bench_home`, apart from bench/jobs.py's.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from bench.fill import DEFAULT_SQLITE, fill_postgres, fill_sqlite, is_filled, sqlite_url
from bench.scenario import NOW, REQUESTS, bench_config, people
from bot.db.migrate import upgrade
from bot.db.session import make_engine, make_session_factory, transaction
from bot.domain.definitions import is_open_sql
from bot.domain.home import SECTIONS
from bot.domain.models import HomeVisit, Request
from bot.slack.sending.senders import home_publish

TARGET_SECONDS = 0.300
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/liaison_bench_home"
WORKSPACE_ID = 1


@dataclass(frozen=True)
class Person:
    label: str
    user_id: str


@dataclass(frozen=True)
class Measurement:
    backend: str
    person: Person
    expanded: bool
    seconds: float  # median of the runs
    queries: int
    blocks: int

    @property
    def passed(self) -> bool:
        return self.seconds < TARGET_SECONDS


def kinds_of_people(session: Session) -> list[Person]:
    """The people whose Homes are the heaviest of their kind in the history."""

    def most(column: Any, *where: Any) -> str:
        return str(
            session.scalar(
                select(column)
                .where(column.is_not(None), *where)
                .group_by(column)
                .order_by(func.count().desc(), column)
                .limit(1)
            )
        )

    teams = people()
    return [
        Person("requester, most requests", most(Request.requester_id)),
        Person(
            "fulfiller, most claimed open",
            most(Request.claimer_id, is_open_sql(Request.status)),
        ),
        Person("lead of Engineering", teams["eng"][0]),
        Person("lead of Sales", teams["sales"][0]),
        Person("in no team", "U9999999"),
    ]


@contextmanager
def counting(engine: Engine) -> Iterator[list[int]]:
    """Counts the statements sent to the database meanwhile."""
    count = [0]

    def before(*_: Any) -> None:
        count[0] += 1

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield count
    finally:
        event.remove(engine, "before_cursor_execute", before)


def expand(engine: Engine, user_id: str, expanded: bool) -> None:
    """Remember (or forget) every section as shown at length for `user_id`."""
    shown = ",".join(SECTIONS) if expanded else ""
    with transaction(make_session_factory(engine)) as session:
        visit = session.get(HomeVisit, (WORKSPACE_ID, user_id))
        if visit is None:
            visit = HomeVisit(
                workspace_id=WORKSPACE_ID, user_id=user_id, first_opened_at=NOW, last_opened_at=NOW
            )
            session.add(visit)
        visit.expanded = shown


def measure(backend: str, url: str, runs: int) -> list[Measurement]:
    config = bench_config()
    upgrade(url)  # a history filled before the latest migrations gets them
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with transaction(sessions) as session:
        everyone = kinds_of_people(session)
    found = []
    try:
        for person in everyone:
            for expanded in (False, True):
                expand(engine, person.user_id, expanded)
                seconds, queries, blocks = [], 0, 0
                for _ in range(runs + 1):  # the first run warms the connection pool up
                    with counting(engine) as count:
                        started = time.perf_counter()
                        with transaction(sessions) as session:
                            published = home_publish(
                                session,
                                config,
                                workspace_id=WORKSPACE_ID,
                                user_id=person.user_id,
                                now=NOW,
                            )
                        seconds.append(time.perf_counter() - started)
                    queries, blocks = count[0], len(published["view"]["blocks"])
                found.append(
                    Measurement(
                        backend,
                        person,
                        expanded,
                        statistics.median(seconds[1:]),
                        queries,
                        blocks,
                    )
                )
                print(f"measured {backend} {person.label}", file=sys.stderr, flush=True)
            expand(engine, person.user_id, False)
    finally:
        engine.dispose()
    return found


def table(measurements: Iterable[Measurement], runs: int) -> str:
    header = (
        f"{'backend':<10} {'person':<30} {'sections':<9} {'median ms':>9} {'queries':>7}"
        f" {'blocks':>6}  verdict"
    )
    lines = [header, "-" * len(header)]
    for m in measurements:
        lines.append(
            f"{m.backend:<10} {m.person.label:<30} {'expanded' if m.expanded else 'first 10':<9}"
            f" {m.seconds * 1000:>9.1f} {m.queries:>7} {m.blocks:>6}  "
            f"{'PASS' if m.passed else 'FAIL'}"
        )
    lines.append(
        f"median of {runs} publishes each (build: the queries, and render: the Block Kit), after"
        f" one to warm up; target < {TARGET_SECONDS * 1000:g} ms per publish."
    )
    return "\n".join(lines)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.home", description=__doc__)
    parser.add_argument("--sqlite", type=Path, default=DEFAULT_SQLITE, help="SQLite file")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_HOME_POSTGRES_URL", DEFAULT_POSTGRES),
        help="PostgreSQL URL of the benchmark database (its name must contain 'bench')",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--skip-fill", action="store_true", help="use the databases as they are")
    parser.add_argument("--refill", action="store_true", help="rebuild the databases first")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--requests", type=int, default=REQUESTS)
    args = parser.parse_args(list(argv) if argv is not None else None)

    backends = [("sqlite", sqlite_url(args.sqlite.resolve()))]
    if not args.no_postgres and args.postgres:
        backends.append(("postgresql", args.postgres))
    if not args.skip_fill:
        fill_sqlite(args.sqlite.resolve(), requests=args.requests, refill=args.refill)
        if len(backends) > 1:
            fill_postgres(args.postgres, requests=args.requests, refill=args.refill)
    measurements = []
    for backend, url in backends:
        if not is_filled(url, args.requests):
            raise SystemExit(
                f"{backend} holds no complete benchmark history: run without --skip-fill"
            )
        measurements += measure(backend, url, args.runs)
    print(table(measurements, args.runs))
    return 0 if all(m.passed for m in measurements) else 1


if __name__ == "__main__":
    raise SystemExit(main())
