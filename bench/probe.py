"""One timed operation in a process of its own, so its peak memory is its own:

    python -m bench.probe {stats,nudges,digest} DATABASE_URL

prints one JSON object: the operation's wall time (from opening the engine to closing it, as
the CLI and the scheduler do it), the process's peak resident memory (imports included) and a
one-line summary of the result.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy.orm import Session

from bench.scenario import NOW, bench_config
from bot.config import LiaisonConfig
from bot.db.session import make_engine, make_session_factory, transaction
from bot.domain.digest import build_digest, last_scheduled
from bot.domain.metrics import compute_stats
from bot.domain.nudges import run_nudges

STATS_DAYS = 7


def liaison_stats(session: Session, config: LiaisonConfig) -> str:
    """What `liaison stats --json` computes for the week before NOW."""
    pairs = compute_stats(session, config=config, start=NOW - timedelta(days=STATS_DAYS), end=NOW)
    lines = [json.dumps(pair.as_json()) for pair in pairs]
    return f"{len(lines)} pairs, {sum(len(line) for line in lines)} bytes of JSON"


def nudge_pass(session: Session, config: LiaisonConfig) -> str:
    """One evaluation pass of the send-nudges job, as a dry run (nothing is written)."""
    result = run_nudges(session, config=config, now=NOW, dry_run=True)
    session.rollback()
    return f"{len(result.nudges)} nudges in {result.messages} messages"


def weekly_digest(session: Session, config: LiaisonConfig) -> str:
    """The facts of the configured digest for its last scheduled moment before NOW."""
    digest = config.digests[0]
    facts = build_digest(
        session, config=config, digest=digest, scheduled_for=last_scheduled(digest, NOW)
    )
    return f"{len(facts.payload['pairs'])} pairs, {len(json.dumps(facts.payload))} bytes"


OPERATIONS: dict[str, Callable[[Session, LiaisonConfig], str]] = {
    "stats": liaison_stats,
    "nudges": nudge_pass,
    "digest": weekly_digest,
}


def peak_mb() -> float:
    """This process's peak resident memory. Linux's VmHWM belongs to this program alone; getrusage's
    ru_maxrss also counts the parent's peak from before the exec, so it is only the fallback."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1024 / (1024 if sys.platform == "darwin" else 1)  # bytes on macOS, else kB


def main(argv: list[str]) -> int:
    operation, url = OPERATIONS[argv[0]], argv[1]
    config = bench_config()
    started = time.perf_counter()
    engine = make_engine(url)
    with transaction(make_session_factory(engine)) as session:
        summary = operation(session, config)
    engine.dispose()
    seconds = time.perf_counter() - started
    print(json.dumps({"seconds": seconds, "peak_mb": peak_mb(), "summary": summary}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
