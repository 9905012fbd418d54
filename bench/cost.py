"""What one request of each kind costs the app, in one process: CPU, SQL statements,
transactions and Slack calls, before the answer and after it (the inline mode's follow-up work:
handling the stored event, sending the outbox).

    python -m bench.cost [--postgres [URL]] [--requests 200] [--profile KIND]

The app is built as `liaison web` builds it (LIAISON_BACKGROUND=inline) against the fake Slack
Web API of bench/load.py, on a fresh database (SQLite by default; PostgreSQL's database name
must contain "load", as it is dropped and created again). Each signed request is handed to the
WSGI app in this thread, Bolt's listeners run in it (so the answer includes what a listener does
after `ack()`), and the work the app hands to its background pool runs in it right after the
answer, until none is left. CPU is this thread's (the fake Slack answers in other threads), so
it excludes the fake but includes building and signing nothing: requests are built first.
`--profile KIND` (command, submission, reaction) prints cProfile's top functions for that kind.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import random
import statistics
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, event

from bench.load import (
    BOT_TOKEN,
    SIGNING_SECRET,
    BenchSlack,
    Company,
    create_postgres,
    drop_postgres,
    make_company,
    reaction_for,
    read_usergroups,
    sqlite_database,
    submission_values,
)
from bot.db.migrate import upgrade
from bot.runtime import Answering
from bot.settings import Settings
from bot.slack.app import create_bolt_app
from bot.slack.membership import join_channels_at_start
from bot.web import create_wsgi_app
from bot.wiring import build_runtime
from tests.fakes.signer import SlackClientSim

KINDS = ("command", "submission", "reaction")
SEED = 20261130


class Immediate(Executor):
    """Runs what is submitted at once, in the caller's thread (Bolt's listeners)."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except Exception as error:  # kept on the future, as a pool would
            future.set_exception(error)
        return future


class Deferred(Executor):
    """Keeps what is submitted until `run_all` (the app's background pool)."""

    def __init__(self) -> None:
        self.queued: list[Callable[[], Any]] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.queued.append(lambda: fn(*args, **kwargs))
        return Future()

    def run_all(self) -> None:
        while self.queued:
            self.queued.pop(0)()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.queued.clear()


@dataclass
class Counter:
    """SQL statements and transactions on an engine."""

    statements: int = 0
    transactions: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    log: list[str] | None = None

    def attach(self, engine: Engine) -> None:
        def on_statement(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            with self.lock:
                self.statements += 1
                if self.log is not None:
                    self.log.append(" ".join(statement.split())[:160])

        def on_begin(*_: Any) -> None:
            with self.lock:
                self.transactions += 1
                if self.log is not None:
                    self.log.append("-- BEGIN")

        event.listen(engine, "before_cursor_execute", on_statement)
        event.listen(engine, "begin", on_begin)

    def read(self) -> tuple[int, int]:
        with self.lock:
            return self.statements, self.transactions


@dataclass
class Phase:
    cpu: list[float] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)
    transactions: list[int] = field(default_factory=list)
    slack_calls: list[int] = field(default_factory=list)


class DirectSim(SlackClientSim):
    """Hands each signed request to the WSGI app in this thread instead of over HTTP, and
    measures the answer and the follow-up work apart."""

    def __init__(
        self, wsgi: Any, background: Deferred, counter: Counter, fake: BenchSlack, **kwargs: Any
    ) -> None:
        super().__init__("http://127.0.0.1", SIGNING_SECRET, **kwargs)
        self.wsgi = wsgi
        self.background = background
        self.counter = counter
        self.fake = fake
        self.profile: tuple[cProfile.Profile, cProfile.Profile] | None = None
        self.last: tuple[tuple[float, int, int, int], tuple[float, int, int, int]] | None = None

    def post(
        self,
        body: bytes | str,
        content_type: str,
        *,
        timestamp: str | None = None,
        signature: str | None = None,
        headers: dict[str, str] | None = None,
        path: str = "/slack/events",
    ) -> httpx.Response:
        raw = body.encode() if isinstance(body, str) else body
        sent = self.signed_headers(
            raw, content_type, timestamp=timestamp, signature=signature, headers=headers
        )
        environ = {
            "REQUEST_METHOD": "POST",
            "PATH_INFO": path,
            "QUERY_STRING": "",
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(raw),
            "wsgi.input_terminated": True,
            "wsgi.url_scheme": "http",
            "CONTENT_LENGTH": str(len(raw)),
            "CONTENT_TYPE": content_type,
        }
        for name, value in sent.items():
            key = name.upper().replace("-", "_")
            if key != "CONTENT_TYPE":
                environ["HTTP_" + key] = value
        status: list[str] = []

        def start_response(line: str, _headers: Any, _exc: Any = None) -> Any:
            status.append(line)
            return lambda _: None

        before = self._mark()
        if self.profile:
            self.profile[0].enable()
        answer = b"".join(self.wsgi(environ, start_response))
        if self.profile:
            self.profile[0].disable()
        answered = self._mark()
        if self.profile:
            self.profile[1].enable()
        self.background.run_all()
        if self.profile:
            self.profile[1].disable()
        after = self._mark()
        self.last = (_minus(answered, before), _minus(after, answered))
        return httpx.Response(int(status[0].split()[0]), content=answer)

    def _mark(self) -> tuple[float, int, int, int]:
        statements, transactions = self.counter.read()
        return time.thread_time(), statements, transactions, len(self.fake.calls)


def _minus(
    a: tuple[float, int, int, int], b: tuple[float, int, int, int]
) -> tuple[float, int, int, int]:
    return (a[0] - b[0], a[1] - b[1], a[2] - b[2], a[3] - b[3])


def run(
    database_url: str, *, requests: int, profile_kind: str | None, show_statements: bool = False
) -> None:
    company: Company = make_company()
    workdir = Path(tempfile.mkdtemp(prefix="liaison-cost-"))
    config_path = workdir / "liaison.toml"
    config_path.write_text(company.config_toml())
    with BenchSlack(company) as fake:
        upgrade(database_url)
        read_usergroups(fake, database_url, config_path)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            slack_bot_token=BOT_TOKEN,
            slack_signing_secret=SIGNING_SECRET,
            slack_api_url=fake.base_url,
            database_url=database_url,
            liaison_config=config_path,
            liaison_background="inline",
        )
        background = Deferred()
        runtime = build_runtime(settings, background=background)
        runtime.answering = Answering(quiet=0)  # the work after the answer is run right after it
        join_channels_at_start(runtime)
        counter = Counter()
        counter.attach(runtime.engine)
        wsgi = create_wsgi_app(runtime, create_bolt_app(runtime, listener_executor=Immediate()))
        sim = DirectSim(
            wsgi,
            background,
            counter,
            fake,
            team_id=company.team_id,
            response_url_base=fake.root_url,
        )
        rng = random.Random(SEED)
        phases: dict[tuple[str, str], Phase] = defaultdict(Phase)
        profiles = {
            kind: (cProfile.Profile(time.thread_time), cProfile.Profile(time.thread_time))
            for kind in KINDS
        }
        # Warm up: file requests (so reactions have cards) and touch every path once.
        for round_number in range(requests // 3 + 20):
            measured = round_number >= 20
            for kind in KINDS:
                sim.profile = profiles[kind] if measured and kind == profile_kind else None
                last_round = round_number == requests // 3 + 19
                counter.log = [] if show_statements and last_round else None
                if kind == "command":
                    response = sim.command(rng.choice(company.requesters), "")
                elif kind == "submission":
                    view = fake.opened.get_nowait()
                    response = sim.view_submission(
                        view, rng.choice(company.requesters), submission_values(rng, company, view)
                    )
                else:
                    channel, ts = rng.choice(fake.cards)
                    user, reaction = reaction_for(rng, company, channel)
                    response = sim.reaction(user, reaction, channel, ts)
                assert response is not None and response.status_code == 200, response
                assert sim.last is not None
                if counter.log is not None:
                    print(f"-- statements of one {kind} (answer, then after it):")
                    print("\n".join(counter.log))
                if measured:
                    for name, figures in zip(("answer", "after"), sim.last, strict=True):
                        phase = phases[(kind, name)]
                        phase.cpu.append(figures[0])
                        phase.statements.append(figures[1])
                        phase.transactions.append(figures[2])
                        phase.slack_calls.append(figures[3])
        print(f"{database_url.split(':')[0]}: {requests // 3} of each kind, after 20 to warm up")
        print(f"{'kind':<11} {'phase':<7} {'CPU ms':>7} {'stmts':>6} {'txns':>5} {'Slack':>6}")
        for kind in KINDS:
            total = 0.0
            for name in ("answer", "after"):
                phase = phases[(kind, name)]
                cpu = statistics.median(phase.cpu) * 1000
                total += statistics.mean(phase.cpu) * 1000
                print(
                    f"{kind:<11} {name:<7} {cpu:7.2f} {statistics.mean(phase.statements):6.1f} "
                    f"{statistics.mean(phase.transactions):5.1f} "
                    f"{statistics.mean(phase.slack_calls):6.1f}"
                )
            print(f"{kind:<11} {'mean':<7} {total:7.2f}")
        if profile_kind:
            for phase, profile in zip(("answer", "after"), profiles[profile_kind], strict=True):
                print(f"\n== {profile_kind}, {phase}")
                print_packages(profile, requests // 3)
                stream = io.StringIO()
                stats = pstats.Stats(profile, stream=stream)
                stats.sort_stats("tottime").print_stats(25)
                stats.sort_stats("cumulative").print_stats(50)
                print(stream.getvalue())
        runtime.engine.dispose()


def print_packages(profile: cProfile.Profile, count: int) -> None:
    """CPU per request by where the code lives (its own time, not its callees')."""
    totals: dict[str, float] = defaultdict(float)
    for (path, _line, _name), (_cc, _nc, own, _cum, _callers) in pstats.Stats(
        profile
    ).stats.items():  # type: ignore[attr-defined]
        totals[_package(path)] += own
    print("CPU per request by package (profiled, so inflated; compare the shares):")
    whole = sum(totals.values()) or 1.0
    for package, seconds in sorted(totals.items(), key=lambda item: -item[1]):
        print(f"  {package:<28} {seconds / count * 1000:6.2f} ms  {seconds / whole:5.1%}")


def _package(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/", 1)[0]
    if "/bot/" in path:
        parts = path.split("/bot/", 1)[1].split("/")
        return "bot/" + "/".join(parts[:-1] or [parts[0]])
    if path.startswith("<") or path == "~":
        return "builtins"
    return "stdlib " + path.rsplit("/", 1)[-1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.cost", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--postgres",
        nargs="?",
        const="postgresql+psycopg://postgres@127.0.0.1:5432/liaison_load_cost",
    )
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", choices=KINDS)
    parser.add_argument("--statements", action="store_true", help="print one request's SQL")
    args = parser.parse_args(argv)
    if args.postgres:
        create_postgres(args.postgres)
        try:
            run(
                args.postgres,
                requests=args.requests,
                profile_kind=args.profile,
                show_statements=args.statements,
            )
        finally:
            drop_postgres(args.postgres)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="liaison-cost-db-"))
        url = sqlite_database(workdir, "cost")
        run(url, requests=args.requests, profile_kind=args.profile, show_statements=args.statements)
    return 0


if __name__ == "__main__":
    sys.exit(main())
