"""Time `liaison stats` for a week, one nudge evaluation pass and one digest, on SQLite and
PostgreSQL, against two years of history:

    python -m bench.jobs [--sqlite PATH] [--postgres URL | --no-postgres] [--skip-fill]
                         [--runs N] [--refill] [--requests N]

Each run of each operation is a fresh process (bench/probe.py), so the peak memory reported is
that operation's; the time is the median over the runs. The targets are 2 s and 200 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bench.fill import (
    DEFAULT_POSTGRES,
    DEFAULT_SQLITE,
    fill_postgres,
    fill_sqlite,
    is_filled,
    sqlite_url,
)
from bench.probe import OPERATIONS
from bench.scenario import REQUESTS

TARGET_SECONDS = 2.0
TARGET_MB = 200.0
LABELS = {
    "stats": "liaison stats (7 days)",
    "nudges": "nudge evaluation pass",
    "digest": "build one digest",
}
PROJECT_ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Measurement:
    backend: str
    operation: str
    seconds: float  # median of the runs, the operation alone
    process_seconds: float  # median of the runs, interpreter start and imports included
    peak_mb: float  # largest of the runs
    summary: str

    @property
    def passed(self) -> bool:
        return self.seconds < TARGET_SECONDS and self.peak_mb < TARGET_MB


def measure(backend: str, url: str, operation: str, runs: int) -> Measurement:
    seconds, process_seconds, peaks, summary = [], [], [], ""
    for _ in range(runs):
        started = time.perf_counter()
        completed = subprocess.run(
            [sys.executable, "-m", "bench.probe", operation, url],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        elapsed = time.perf_counter() - started
        if completed.returncode != 0:
            raise SystemExit(f"{backend} {operation} failed:\n{completed.stderr}")
        result = json.loads(completed.stdout.strip().splitlines()[-1])
        seconds.append(result["seconds"])
        process_seconds.append(elapsed)
        peaks.append(result["peak_mb"])
        summary = result["summary"]
    return Measurement(
        backend=backend,
        operation=operation,
        seconds=statistics.median(seconds),
        process_seconds=statistics.median(process_seconds),
        peak_mb=max(peaks),
        summary=summary,
    )


def table(measurements: Iterable[Measurement], runs: int) -> str:
    header = (
        f"{'backend':<10} {'operation':<24} {'median s':>9} {'process s':>10} {'peak MB':>8}"
        f"  {'verdict':<7} result"
    )
    lines = [header, "-" * len(header)]
    for m in measurements:
        verdict = "PASS" if m.passed else "FAIL"
        lines.append(
            f"{m.backend:<10} {LABELS[m.operation]:<24} {m.seconds:>9.2f}"
            f" {m.process_seconds:>10.2f} {m.peak_mb:>8.0f}  {verdict:<7} {m.summary}"
        )
    lines.append(
        f"median of {runs} runs, each in a fresh process; 'median s' is the operation alone,"
        f" 'process s' adds interpreter start and imports; peak MB is the largest peak RSS."
        f" Targets: < {TARGET_SECONDS:g} s and < {TARGET_MB:g} MB."
    )
    return "\n".join(lines)


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.jobs", description=__doc__)
    parser.add_argument("--sqlite", type=Path, default=DEFAULT_SQLITE, help="SQLite file")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES),
        help="PostgreSQL URL of the benchmark database (its name must contain 'bench')",
    )
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    parser.add_argument("--skip-fill", action="store_true", help="use the databases as they are")
    parser.add_argument("--refill", action="store_true", help="rebuild the databases first")
    parser.add_argument("--runs", type=int, default=3)
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
        for operation in OPERATIONS:
            measurements.append(measure(backend, url, operation, args.runs))
            print(f"measured {backend} {operation}", file=sys.stderr, flush=True)
    print(table(measurements, args.runs))
    return 0 if all(m.passed for m in measurements) else 1


if __name__ == "__main__":
    raise SystemExit(main())
