"""Time the earliest realistic date (bot/domain/realistic.py) against the benchmark's history
(bench/fill.py), on SQLite and PostgreSQL:

    python -m bench.realistic [--sqlite PATH] [--postgres URL | --no-postgres] [--skip-fill]
                              [--runs N] [--refill] [--requests N]

For each fulfilling department it computes the figure exactly as the intake modal and
`/request check` do (`realistic_for`: the queries and the arithmetic) and prints the median time
over the runs (after one to warm the connection up), the number of SQL statements, and the
figure itself. The target is 100 ms.

The PostgreSQL database defaults to `liaison_bench_realistic`, apart from the other benchmarks'.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from bench.fill import DEFAULT_SQLITE, fill_postgres, fill_sqlite, is_filled, sqlite_url
from bench.home import counting
from bench.scenario import NOW, REQUESTS, bench_config
from bot.db.migrate import upgrade
from bot.db.session import make_engine, make_session_factory, reading
from bot.domain.models import Workspace
from bot.domain.realistic import Realistic, realistic_for

TARGET_SECONDS = 0.100
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/liaison_bench_realistic"


@dataclass(frozen=True)
class Measurement:
    backend: str
    department: str
    seconds: float  # median of the runs
    queries: int
    figure: Realistic

    @property
    def passed(self) -> bool:
        return self.seconds < TARGET_SECONDS


def measure(backend: str, url: str, runs: int) -> list[Measurement]:
    config = bench_config()
    upgrade(url)  # a history filled before the latest migrations gets them
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    found = []
    try:
        with reading(sessions) as session:
            team_id = session.scalars(select(Workspace.team_id).limit(1)).one()
        for department in config.fulfilling_departments():
            seconds, queries = [], 0
            for _ in range(runs + 1):  # the first run warms the connection pool up
                with counting(engine) as count:
                    started = time.perf_counter()
                    with reading(sessions) as session:
                        figure = realistic_for(
                            session=session,
                            config=config,
                            team_id=team_id,
                            department_key=department.key,
                            now=NOW,
                        )
                    seconds.append(time.perf_counter() - started)
                queries = count[0]
            median = statistics.median(seconds[1:])
            found.append(Measurement(backend, department.name, median, queries, figure))
            print(f"measured {backend} {department.name}", file=sys.stderr, flush=True)
    finally:
        engine.dispose()
    return found


def table(measurements: Iterable[Measurement], runs: int) -> str:
    header = (
        f"{'backend':<10} {'department':<12} {'median ms':>9} {'queries':>7}  "
        f"{'realistic':<10} {'ahead':>5} {'stalled':>7} {'per day':>7} {'typical':>7} "
        f"{'deliveries':>10}  verdict"
    )
    lines = [header, "-" * len(header)]
    for m in measurements:
        f = m.figure
        lines.append(
            f"{m.backend:<10} {m.department:<12} {m.seconds * 1000:>9.1f} {m.queries:>7}  "
            f"{f.date.isoformat():<10} {f.ahead:>5} {f.stalled:>7} {f.per_day:>7.2f} "
            f"{f.typical_days:>7.2f} {f.deliveries:>10}  "
            f"{'PASS' if m.passed else 'FAIL'}"
        )
    lines.append(
        f"median of {runs} computations each, after one to warm up; "
        f"target < {TARGET_SECONDS * 1000:g} ms."
    )
    return "\n".join(lines)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.realistic", description=__doc__)
    parser.add_argument("--sqlite", type=Path, default=DEFAULT_SQLITE, help="SQLite file")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_REALISTIC_POSTGRES_URL", DEFAULT_POSTGRES),
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
