"""Time to acknowledge under load: `liaison web` (several worker processes) against a bare Bolt app
on the same server stack (bench/bare_app.py).

    python -m bench.load [--concurrency 50] [--requests 3000] [--postgres [URL]] [--sqlite]
                         [--workers 2] [--rate R] [--worker-delivery]

With neither `--postgres` nor `--sqlite`, both run. For each database: a fresh database is migrated
(PostgreSQL: the database named in the URL, default `liaison_load`, is created and dropped again;
its name must contain "load", so the test database is never touched), a fake Slack Web API runs in
this process, `liaison web` starts with WEB_CONCURRENCY=`--workers`, ~50 requests are filed through
the front door so reactions have real cards, and then `--requests` signed requests are sent by
`--concurrency` clients: `/request` commands, submissions of modals the fake opened, and reactions
on cards. Each client sends its next request once it has its answer (a closed load, which keeps
the server saturated), or, with `--rate`, when the next request is due (an open load). Each
request's time to acknowledge (its HTTP response time) is measured, and the server's memory (RSS
of its parent process and workers, from /proc) is sampled throughout. The same
load then runs against the bare app, and the ratios are printed. Every loop is bounded; all traffic
goes to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import queue
import random
import socket
import string
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from bot.db.migrate import upgrade
from bot.db.session import make_engine
from bot.domain.models import InboxEvent, OutboxMessage
from bot.jobs.usergroups import refresh_usergroups
from bot.serve import REQUEST_THREADS
from bot.settings import Settings
from bot.slack.membership import join_channels_at_start
from bot.wiring import build_runtime
from tests.fakes import slack_api
from tests.fakes.signer import SlackClientSim
from tests.fakes.slack_api import FakeSlack

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/liaison_load"
SIGNING_SECRET = "bench-load-signing-secret"
BOT_TOKEN = "xoxb-bench-load"
WORKERS = 2  # WEB_CONCURRENCY's default
SEED_REQUESTS = 50
WARMUP_REQUESTS = 100
SEED = 20261201
CLIENT_TIMEOUT = 10.0
MAX_RUN_SECONDS = 900  # a load phase stops after this, whatever is left to send
TARGET_P99 = 0.300
TARGET_RATIO = 2.0
TARGET_MB = 250.0
# Share of each kind of request in the load.
MIX = {"command": 0.3, "submission": 0.3, "reaction": 0.4}
ESTIMATES = ("one", "two", "three", "four", "five", "eight", "keycap_ten")
VERBS = ("Export", "Dashboard for", "Integration with", "Fix sync of", "Report on", "API for")
THINGS = ("invoices", "usage data", "SSO", "the renewal list", "churn signals", "price tiers")
CLIENTS = ("Acme Corp", "Globex", "Initech", "Umbrella", "Stark Industries", "")


# -- the company --------------------------------------------------------------------------------

_ID_CHARS = string.digits + "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _slack_id(rng: random.Random, prefix: str) -> str:
    return prefix + "0" + "".join(rng.choice(_ID_CHARS) for _ in range(9))


@dataclass(frozen=True)
class Team:
    key: str
    name: str
    role: str
    members: tuple[str, ...]
    leads: tuple[str, ...]
    intake_channel: str | None = None
    usergroup: str | None = None
    timezone: str = "America/New_York"


@dataclass(frozen=True)
class Company:
    """Two requesting and two fulfilling departments, with ids shaped like Slack's."""

    team_id: str
    digest_channel: str
    teams: tuple[Team, ...]

    @property
    def requesters(self) -> list[str]:
        return [u for t in self.teams if t.role == "requester" for u in t.members]

    @property
    def fulfillers(self) -> list[Team]:
        return [t for t in self.teams if t.role == "fulfiller"]

    def team_by_channel(self, channel: str) -> Team | None:
        return next((t for t in self.fulfillers if t.intake_channel == channel), None)

    def config_toml(self) -> str:
        lines = [
            "[organization]",
            'timezone = "America/New_York"',
            'holidays = ["2026-12-25", "2027-01-01"]',
        ]
        for team in self.teams:
            lines += [
                "",
                "[[departments]]",
                f'key = "{team.key}"',
                f'name = "{team.name}"',
                f'role = "{team.role}"',
                f"members = [{', '.join(f'{m!r}' for m in team.members)}]".replace("'", '"'),
                f"leads = [{', '.join(f'{m!r}' for m in team.leads)}]".replace("'", '"'),
                f'timezone = "{team.timezone}"',
            ]
            if team.intake_channel:
                lines.append(f'intake_channel = "{team.intake_channel}"')
            if team.usergroup:
                lines.append(f'usergroup = "{team.usergroup}"')
        lines += [
            "",
            "[[digests]]",
            f'channel = "{self.digest_channel}"',
            'departments = ["sales", "eng"]',
        ]
        return "\n".join(lines) + "\n"


def make_company(seed: int = SEED) -> Company:
    rng = random.Random(seed)

    def people(count: int) -> tuple[str, ...]:
        return tuple(_slack_id(rng, "U") for _ in range(count))

    def team(key: str, name: str, role: str, size: int, **extra: Any) -> Team:
        members = people(size)
        return Team(key, name, role, members, members[:2], **extra)

    return Company(
        team_id=_slack_id(rng, "T"),
        digest_channel=_slack_id(rng, "C"),
        teams=(
            team("sales", "Sales", "requester", 24),
            team("success", "Customer Success", "requester", 12, timezone="Europe/London"),
            team(
                "eng",
                "Engineering",
                "fulfiller",
                14,
                intake_channel=_slack_id(rng, "C"),
                usergroup=_slack_id(rng, "S"),
                timezone="Europe/Berlin",
            ),
            team("data", "Data", "fulfiller", 6, intake_channel=_slack_id(rng, "C")),
        ),
    )


# -- Slack around the app -----------------------------------------------------------------------


class BenchSlack(FakeSlack):
    """The fake Web API, also handing the driver what the app opened and posted: each modal
    (to be submitted once, as Slack allows) and each request card (to react on)."""

    def __init__(self, company: Company, **kwargs: Any) -> None:
        # Slack's edge never refuses a connection; the fake's listen backlog (socketserver's
        # default of 5) does under load, as slack_sdk opens a connection per call.
        slack_api._Server.request_queue_size = 256
        super().__init__(team_id=company.team_id, token=BOT_TOKEN, **kwargs)
        self.intake_channels = {t.intake_channel for t in company.fulfillers}
        # Public channels Liaison joins when it starts; a load run needs more than Slack's limits.
        self.channels |= {*self.intake_channels, company.digest_channel}
        self.raise_rate_limits(1000)
        self.opened: queue.Queue[dict[str, Any]] = queue.Queue()
        self.cards: list[tuple[str, str]] = []
        for team in company.teams:
            if team.usergroup:
                self.usergroups[team.usergroup] = list(team.members)

    def forget(self) -> None:
        """Start over for another run (keeps users and user groups)."""
        self.reset()
        self.opened = queue.Queue()
        self.cards = []

    def _views_open(self, params: dict[str, Any]) -> dict[str, Any]:
        answer = super()._views_open(params)
        self.opened.put(answer["view"])
        return answer

    def _chat_post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        answer = super()._chat_post_message(params)
        if answer["channel"] in self.intake_channels and not params.get("thread_ts"):
            self.cards.append((answer["channel"], answer["ts"]))
        return answer


@dataclass
class Sample:
    kind: str
    seconds: float
    status: int | None  # None: no HTTP answer (transport error)
    error: str | None = None

    @property
    def failed(self) -> bool:
        return self.status is None or not 200 <= self.status < 300


class TimedSim(SlackClientSim):
    """SlackClientSim whose `post` times only the HTTP exchange: payload building and signing
    happen before the clock starts."""

    def __init__(self, app_url: str, signing_secret: str, **kwargs: Any) -> None:
        super().__init__(app_url, signing_secret, **kwargs)
        self.http = httpx.Client(base_url=app_url, timeout=CLIENT_TIMEOUT)
        self.elapsed = 0.0

    def close(self) -> None:
        super().close()
        self.http.close()

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
        sent_headers = self.signed_headers(
            raw, content_type, timestamp=timestamp, signature=signature, headers=headers
        )
        start = time.perf_counter()
        try:
            return self.http.post(path, content=raw, headers=sent_headers)
        finally:
            self.elapsed = time.perf_counter() - start


def new_sim(url: str, company: Company, fake: FakeSlack) -> TimedSim:
    return TimedSim(url, SIGNING_SECRET, team_id=company.team_id, response_url_base=fake.root_url)


def submission_values(rng: random.Random, company: Company, view: dict[str, Any]) -> dict[str, Any]:
    """What a person types into the intake modal (only the fields the view has)."""
    today = date.today()
    fulfillers = company.fulfillers
    values: dict[str, Any] = {
        "title": f"{rng.choice(VERBS)} {rng.choice(THINGS)} #{rng.randrange(1_000_000)}",
        "details": "Customers keep asking for it; see the thread with the account team.",
        "client": rng.choice(CLIENTS),
        "impact": rng.choice(("Renewal at stake", "Blocks a deal", "")),
        "desired_date": (today + timedelta(days=rng.randrange(2, 45))).isoformat(),
        "deadline": "hard" if rng.random() < 0.2 else "soft",
        "promised": "yes" if rng.random() < 0.25 else "no",
        "fulfilling_department": fulfillers[0].key if rng.random() < 0.7 else fulfillers[-1].key,
    }
    inputs = {b.get("block_id") for b in view.get("blocks") or [] if b.get("type") == "input"}
    return {k: v for k, v in values.items() if k in inputs}


def reaction_for(rng: random.Random, company: Company, channel: str) -> tuple[str, str]:
    """(user, reaction) for a reaction on a card in `channel`: mostly the team's members
    claiming and estimating, sometimes asking or delivering, sometimes an outsider."""
    team = company.team_by_channel(channel) or company.fulfillers[0]
    roll = rng.random()
    if roll < 0.08:
        return rng.choice(company.requesters), "raising_hand"  # refused: not in the team
    user = rng.choice(team.members)
    if roll < 0.38:
        return user, "raising_hand"
    if roll < 0.90:
        return user, rng.choice(ESTIMATES)
    if roll < 0.96:
        return user, "question"
    if roll < 0.98:
        return user, "no_entry_sign"
    return user, "white_check_mark"


# -- the server under test -----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _parent_of(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces and parentheses: the fields after the last ")" are safe.
    return int(stat.rsplit(")", 1)[1].split()[1])


def process_tree(root: int) -> list[int]:
    """`root` and its descendants (the server's parent process and its workers)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            parent = _parent_of(int(entry.name))
            if parent is not None:
                parents[int(entry.name)] = parent
    tree, frontier = [root], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far."""
    ticks = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time the whole machine has spent busy (all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class MemorySampler(threading.Thread):
    """Samples the summed RSS (and PSS, which counts pages shared between processes once) of a
    process tree until stopped; keeps the peaks, in MB."""

    def __init__(self, root: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.root = root
        self.interval = interval
        self.peak_rss_mb = 0.0
        self.peak_pss_mb = 0.0
        self.processes = 0
        self.pids: set[int] = set()
        self._stop_event = threading.Event()

    def run(self) -> None:
        rounds = 0
        while not self._stop_event.is_set():
            pids = process_tree(self.root)
            self.pids.update(pids)
            self.processes = max(self.processes, len(pids))
            rss = sum(_status_kb(pid, "VmRSS") for pid in pids) / 1024
            self.peak_rss_mb = max(self.peak_rss_mb, rss)
            if rounds % 5 == 0:
                pss = sum(_pss_kb(pid) for pid in pids) / 1024
                self.peak_pss_mb = max(self.peak_pss_mb, pss)
            rounds += 1
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join(timeout=5)


@dataclass
class Server:
    label: str
    process: subprocess.Popen[bytes]
    url: str
    log_path: Path
    memory: MemorySampler

    def stop(self) -> None:
        self.memory.stop()
        if self.process.poll() is None:
            self.process.terminate()  # graceful shutdown of the workers
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                for pid in process_tree(self.process.pid):
                    if pid in self.memory.pids:
                        os.kill(pid, 9)
                self.process.wait(timeout=10)

    def log_problems(self, expected: tuple[str, ...] = ()) -> list[str]:
        """Lines of the server's log that say something went wrong (except `expected` ones)."""
        markers = ("Traceback", " ERROR ", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT", "ack()")
        lines = self.log_path.read_text(errors="replace").splitlines()
        return [
            line
            for line in lines
            if any(m in line for m in markers) and not any(e in line for e in expected)
        ]


def read_usergroups(fake: FakeSlack, database_url: str, config_path: Path) -> None:
    """Read the teams' user groups into the database, as the scheduler of `liaison run` or
    `liaison worker` does when it starts (`liaison web` alone answers from what is stored)."""
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token=BOT_TOKEN,
        slack_signing_secret=SIGNING_SECRET,
        slack_api_url=fake.base_url,
        database_url=database_url,
        liaison_config=config_path,
    )
    runtime = build_runtime(settings)
    try:
        join_channels_at_start(runtime)  # applies the config file to the workspace first
        refresh_usergroups(runtime)
    finally:
        runtime.engine.dispose()


def start_server(
    kind: str,
    *,
    fake: FakeSlack,
    workdir: Path,
    workers: int = WORKERS,
    database_url: str | None = None,
    config_path: Path | None = None,
    log_name: str,
    extra_env: dict[str, str] | None = None,
) -> Server:
    """`liaison web` (kind "liaison") or the bare app (kind "bare") as a subprocess; returns once
    every worker has started (each calls auth.test) and the port answers."""
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.base_url,
        PORT=str(port),
        WEB_CONCURRENCY=str(workers),
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH")])),
        **(extra_env or {}),
    )
    if kind == "liaison":
        assert database_url and config_path
        read_usergroups(fake, database_url, config_path)
        env.update(DATABASE_URL=database_url, LIAISON_CONFIG=str(config_path))
        command = [sys.executable, "-m", "bot.cli", "web"]
    else:
        command = [sys.executable, "-m", "bench.bare_app"]
    auth_before = len(fake.calls_to("auth.test"))
    log_path = workdir / f"{log_name}.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    memory = MemorySampler(process.pid)
    memory.start()
    server = Server(kind, process, f"http://127.0.0.1:{port}", log_path, memory)
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            memory.stop()
            tail = log_path.read_text(errors="replace")[-3000:]
            raise RuntimeError(f"{kind} server exited with {process.returncode}:\n{tail}")
        started = len(fake.calls_to("auth.test")) - auth_before >= workers
        if started and _answers(server.url):
            return server
        if time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"{kind} server did not start within 60 s; see {log_path}")
        time.sleep(0.1)


def _answers(url: str) -> bool:
    try:
        httpx.get(url + "/healthz", timeout=2)
    except httpx.HTTPError:
        return False
    return True


# -- databases ------------------------------------------------------------------------------------


def sqlite_database(workdir: Path, name: str) -> str:
    path = workdir / f"{name}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def _guard_postgres(url: str) -> tuple[Any, str]:
    parsed = make_url(url)
    name = parsed.database or ""
    if "load" not in name and "soak" not in name:
        raise SystemExit(
            f"refusing to recreate the database {name!r}: its name must contain 'load' or "
            "'soak' (the benchmark drops it)"
        )
    return parsed.set(database="postgres"), name


def create_postgres(url: str) -> None:
    """Drop and create the benchmark database named in `url` (never any other)."""
    admin_url, name = _guard_postgres(url)
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def drop_postgres(url: str) -> None:
    admin_url, name = _guard_postgres(url)
    engine = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def pending_work(url: str) -> int:
    """Messages still to send, and Slack events still to handle (which may queue more)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            messages = connection.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status.in_(("pending", "sending")))
            )
            events = connection.scalar(
                select(func.count()).select_from(InboxEvent).where(InboxEvent.gave_up_at.is_(None))
            )
            return int(messages or 0) + int(events or 0)
    finally:
        engine.dispose()


# -- driving it ------------------------------------------------------------------------------------


class Views:
    """Modals to submit. Fresh ones (each submitted once, as Slack allows) from the fake's
    views.open answers; or, for the bare app, which opens none, templates used round-robin."""

    def __init__(self, fresh: queue.Queue[dict[str, Any]] | None, templates: list[dict]) -> None:
        self._fresh = fresh
        self._templates = templates
        self._turn = 0
        self._lock = threading.Lock()
        self.seen: list[dict[str, Any]] = []

    def take(self, timeout: float = 0.0) -> dict[str, Any] | None:
        if self._fresh is not None:
            try:
                view = self._fresh.get(timeout=timeout) if timeout else self._fresh.get_nowait()
            except queue.Empty:
                return None
            if len(self.seen) < 200:
                self.seen.append(view)
            return view
        with self._lock:
            if not self._templates:
                return None
            self._turn += 1
            return self._templates[self._turn % len(self._templates)]


@dataclass
class Load:
    """What one run sends and to whom."""

    url: str
    company: Company
    fake: BenchSlack
    views: Views
    cards: Callable[[], list[tuple[str, str]]]
    mix: dict[str, float] = field(default_factory=lambda: dict(MIX))


def send_one(load: Load, sim: TimedSim, rng: random.Random) -> Sample:
    """One request of a kind drawn from the mix (a command when there is nothing to submit or
    react on yet)."""
    kinds, weights = zip(*load.mix.items(), strict=True)
    kind = rng.choices(kinds, weights)[0]
    view = load.views.take() if kind == "submission" else None
    cards = load.cards() if kind == "reaction" else []
    if (kind == "submission" and view is None) or (kind == "reaction" and not cards):
        kind = "command"
    company = load.company
    try:
        if kind == "command":
            words = f"{rng.choice(VERBS)} {rng.choice(THINGS)}" if rng.random() < 0.3 else ""
            response = sim.command(rng.choice(company.requesters), words)
        elif kind == "submission":
            assert view is not None
            values = submission_values(rng, company, view)
            response = sim.view_submission(view, rng.choice(company.requesters), values)
        else:
            channel, ts = rng.choice(cards)
            user, reaction = reaction_for(rng, company, channel)
            response = sim.reaction(user, reaction, channel, ts)
    except httpx.HTTPError as error:
        return Sample(kind, sim.elapsed, None, f"{type(error).__name__}: {error}")
    error = None if 200 <= response.status_code < 300 else response.text[:200]
    return Sample(kind, sim.elapsed, response.status_code, error)


@dataclass
class Measured:
    samples: list[Sample]
    wall: float
    server_cpu: float  # CPU seconds used by the server's processes meanwhile
    driver_cpu: float  # ... and by this process (the clients and the fake Slack API)
    other_cpu: float  # ... and by everything else on the machine (PostgreSQL, ...)


def measure(
    load: Load,
    server: Server,
    *,
    concurrency: int,
    total: int,
    seed: int,
    rate: float | None = None,
) -> Measured:
    pids = process_tree(server.process.pid)
    server_before, driver_before = cpu_seconds(pids), time.process_time()
    machine_before = machine_busy_seconds()
    # This process's own full collections (the fake Slack keeps every call) would hold every
    # client for 100-200 ms at a time, and count in whichever requests were under way: what was
    # built before the clock starts is kept out of their sight, for either app.
    gc.collect()
    gc.freeze()
    try:
        samples, wall = drive(load, concurrency=concurrency, total=total, seed=seed, rate=rate)
    finally:
        gc.unfreeze()
    server = cpu_seconds(pids) - server_before
    driver = time.process_time() - driver_before
    other = machine_busy_seconds() - machine_before - server - driver
    return Measured(samples, wall, server, driver, max(other, 0.0))


def drive(
    load: Load, *, concurrency: int, total: int, seed: int, rate: float | None = None
) -> tuple[list[Sample], float]:
    """Send `total` requests from `concurrency` clients, each waiting for its answer before
    sending the next. With `rate`, the n-th request is due `n / rate` seconds after the start
    (an open load, like people acting independently): a client waits for its request's moment,
    and when it is late because the answers before came slowly, the delay counts in the
    request's time, so a server that falls behind is not flattered. Returns the samples and the
    wall time."""
    samples: list[Sample] = []
    lock = threading.Lock()
    sent = [0]
    deadline = time.monotonic() + MAX_RUN_SECONDS
    # The clock starts once every client is ready, so setting them up makes nobody late.
    ready = threading.Barrier(concurrency + 1)
    start = [0.0]

    def take_turn() -> float | None:
        """When the next request is due (None: nothing left to send)."""
        with lock:
            if sent[0] >= total or time.monotonic() > deadline:
                return None
            sent[0] += 1
            return start[0] + (sent[0] - 1) / rate if rate else time.monotonic()

    def client(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        sim = new_sim(load.url, load.company, load.fake)
        try:
            ready.wait()
            while (due := take_turn()) is not None:
                wait = due - time.monotonic()
                if wait > 0:
                    time.sleep(wait)
                late = max(time.monotonic() - due, 0.0) if rate else 0.0
                sample = send_one(load, sim, rng)
                sample.seconds += late
                with lock:
                    samples.append(sample)
        finally:
            sim.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    start[0] = time.monotonic()
    ready.wait()
    for thread in threads:
        thread.join()
    return samples, time.perf_counter() - began


def seed_cards(load: Load, count: int) -> None:
    """File `count` requests through the front door (command, then the modal it opened) and wait
    for their cards, so reactions have real card timestamps."""
    rng = random.Random(SEED)
    sim = new_sim(load.url, load.company, load.fake)
    try:
        for _ in range(count):
            user = rng.choice(load.company.requesters)
            sim.command(user).raise_for_status()
            view = load.views.take(timeout=10)
            if view is None:
                raise RuntimeError("the app opened no modal for /request within 10 s")
            values = submission_values(rng, load.company, view)
            # A hard deadline before the team's realistic date is answered with a warning to
            # confirm, and nothing is filed; each of these must file its card.
            if "deadline" in values:
                values["deadline"] = "soft"
            sim.view_submission(view, user, values).raise_for_status()
    finally:
        sim.close()
    deadline = time.monotonic() + 60
    while len(load.fake.cards) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {len(load.fake.cards)} of {count} cards posted in 60 s")
        time.sleep(0.1)


# -- figures ------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..1) of `values`."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


@dataclass
class Figures:
    label: str
    samples: list[Sample]
    wall: float
    rss_mb: float
    pss_mb: float
    processes: int
    server_cpu: float = math.nan
    driver_cpu: float = math.nan
    other_cpu: float = math.nan
    notes: list[str] = field(default_factory=list)

    @classmethod
    def of_run(cls, label: str, measured: Measured, memory: MemorySampler) -> Figures:
        return cls(
            label,
            measured.samples,
            measured.wall,
            memory.peak_rss_mb,
            memory.peak_pss_mb,
            memory.processes,
            measured.server_cpu,
            measured.driver_cpu,
            measured.other_cpu,
        )

    def of(self, kind: str | None = None) -> list[Sample]:
        return [s for s in self.samples if kind is None or s.kind == kind]

    def p(self, q: float, kind: str | None = None) -> float:
        return percentile([s.seconds for s in self.of(kind)], q)

    def errors(self, kind: str | None = None) -> int:
        return sum(1 for s in self.of(kind) if s.failed)

    @property
    def throughput(self) -> float:
        return len(self.samples) / self.wall if self.wall else math.nan


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.1f}"


def print_figures(figures: Figures) -> None:
    print(f"\n== {figures.label}")
    print(f"  {'kind':<11} {'n':>5} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'errors':>6}")
    for kind in (*MIX, None):
        rows = figures.of(kind)
        if not rows:
            continue
        print(
            f"  {kind or 'all':<11} {len(rows):>5} {_ms(figures.p(0.5, kind))} "
            f"{_ms(figures.p(0.99, kind))} {_ms(figures.p(1.0, kind))} {figures.errors(kind):>6}"
        )
    print(
        f"  throughput {figures.throughput:.0f} req/s over {figures.wall:.1f} s; server memory "
        f"peak {figures.rss_mb:.0f} MB RSS summed over {figures.processes} processes "
        f"({figures.pss_mb:.0f} MB PSS)"
    )
    count = len(figures.samples) or 1
    print(
        f"  CPU during the load: server {figures.server_cpu:.1f} s "
        f"({figures.server_cpu / count * 1000:.1f} ms per request), this process (clients, "
        f"fake Slack) {figures.driver_cpu:.1f} s, the rest of the machine (database, others) "
        f"{figures.other_cpu:.1f} s; {figures.wall * (os.cpu_count() or 1):.1f} s available"
    )
    failed = [s for s in figures.samples if s.failed]
    for sample in failed[:5]:
        print(f"  error: {sample.kind} -> {sample.status}: {sample.error}")
    for note in figures.notes:
        print(f"  {note}")


def compare(ours: Figures, bare: Figures) -> dict[str, float]:
    return {
        "p50": ours.p(0.5) / bare.p(0.5),
        "p99": ours.p(0.99) / bare.p(0.99),
        "max": ours.p(1.0) / bare.p(1.0),
        "throughput": ours.throughput / bare.throughput,
        "memory (RSS)": ours.rss_mb / bare.rss_mb,
    }


def check_targets(ours: Figures, bare: Figures) -> list[tuple[str, bool]]:
    ratio = ours.p(0.99) / bare.p(0.99)
    return [
        (
            f"p99 {ours.p(0.99) * 1000:.0f} ms < {TARGET_P99 * 1000:.0f} ms",
            ours.p(0.99) < TARGET_P99,
        ),
        (f"errors {ours.errors()} == 0", ours.errors() == 0),
        (f"p99 ratio to bare {ratio:.2f} <= {TARGET_RATIO:g}", ratio <= TARGET_RATIO),
        (f"memory {ours.rss_mb:.0f} MB RSS < {TARGET_MB:g} MB", ours.rss_mb < TARGET_MB),
    ]


# -- runs ----------------------------------------------------------------------------------------


def run_liaison(
    label: str,
    database_url: str,
    *,
    fake: BenchSlack,
    company: Company,
    workdir: Path,
    config_path: Path,
    concurrency: int,
    total: int,
    worker_delivery: bool = False,
    workers: int = WORKERS,
    rate: float | None = None,
) -> tuple[Figures, list[dict[str, Any]], list[tuple[str, str]]]:
    """One run against `liaison web`; also returns modals and cards for the bare app's run.
    With `worker_delivery`, web workers only answer and commit, and a `liaison worker` process
    sends the outbox (LIAISON_BACKGROUND=worker)."""
    fake.forget()
    upgrade(database_url)
    server = start_server(
        "liaison",
        fake=fake,
        workdir=workdir,
        database_url=database_url,
        config_path=config_path,
        workers=workers,
        log_name=f"liaison-{label.lower()}",
        extra_env={"LIAISON_BACKGROUND": "worker"} if worker_delivery else None,
    )
    worker = start_worker(fake, workdir, database_url, config_path) if worker_delivery else None
    try:
        views = Views(fake.opened, [])
        load = Load(server.url, company, fake, views, lambda: fake.cards)
        seed_cards(load, SEED_REQUESTS)
        drive(load, concurrency=min(concurrency, 10), total=WARMUP_REQUESTS, seed=SEED + 1)
        pids = process_tree(server.process.pid)
        server_before = cpu_seconds(pids)
        measured = measure(
            load, server, concurrency=concurrency, total=total, seed=SEED + 2, rate=rate
        )
        drained_at, pending = _wait_until_done(database_url, time.monotonic(), limit=120)
        until_drained = cpu_seconds(pids) - server_before
    finally:
        server.stop()
        if worker is not None:
            worker.terminate()
            worker.wait(timeout=30)
    figures = Figures.of_run(
        f"Liaison on {label} ({workers} workers × {REQUEST_THREADS} threads), "
        f"{_load_label(concurrency, rate)}",
        measured,
        server.memory,
    )
    figures.notes.append(
        f"outbox and inbox after the load: {pending} pending"
        + (f" (drained {drained_at:.1f} s after the last answer)" if not pending else "")
    )
    figures.notes.append(
        f"server CPU from the first request until drained: {until_drained:.1f} s "
        f"({until_drained / total * 1000:.1f} ms per request"
        + (", the worker's not counted)" if worker_delivery else ")")
    )
    problems = server.log_problems()
    figures.notes.append(f"server log: {len(problems)} error lines ({server.log_path})")
    figures.notes += [f"  {line[:200]}" for line in problems[:8]]
    return figures, views.seen, list(fake.cards)


def start_worker(
    fake: FakeSlack, workdir: Path, database_url: str, config_path: Path
) -> subprocess.Popen[bytes]:
    """`liaison worker` sending the outbox every second (for LIAISON_DELIVERY=worker runs)."""
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.base_url,
        "DATABASE_URL": database_url,
        "LIAISON_CONFIG": str(config_path),
        "BACKGROUND_POLL_SECONDS": "1",
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    with (workdir / "worker.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "bot.cli", "worker"],
            cwd=workdir,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


def _wait_until_done(url: str, start: float, *, limit: float) -> tuple[float, int]:
    """Seconds until no message is left to send nor event to handle (bounded by `limit`), and
    what is left."""
    pending = pending_work(url)
    while pending and time.monotonic() - start < limit:
        time.sleep(0.5)
        pending = pending_work(url)
    return time.monotonic() - start, pending


def run_bare(
    *,
    fake: BenchSlack,
    company: Company,
    workdir: Path,
    templates: list[dict[str, Any]],
    cards: list[tuple[str, str]],
    concurrency: int,
    total: int,
    workers: int = WORKERS,
    rate: float | None = None,
) -> Figures:
    fake.forget()
    server = start_server("bare", fake=fake, workdir=workdir, workers=workers, log_name="bare")
    try:
        load = Load(server.url, company, fake, Views(None, templates), lambda: cards)
        drive(load, concurrency=min(concurrency, 10), total=WARMUP_REQUESTS, seed=SEED + 1)
        measured = measure(
            load, server, concurrency=concurrency, total=total, seed=SEED + 2, rate=rate
        )
    finally:
        server.stop()
    figures = Figures.of_run(
        f"bare Bolt app ({workers} workers × {REQUEST_THREADS} threads), "
        f"{_load_label(concurrency, rate)}",
        measured,
        server.memory,
    )
    problems = server.log_problems()
    figures.notes.append(f"server log: {len(problems)} error lines ({server.log_path})")
    return figures


def _load_label(concurrency: int, rate: float | None) -> str:
    return f"{concurrency} clients" + (f" at {rate:g} requests/s" if rate else "")


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.load", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--concurrency", type=int, default=50, help="clients (default 50)")
    parser.add_argument("--requests", type=int, default=3000, help="requests (default 3000)")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_POSTGRES,
        help=f"run on PostgreSQL (default URL {DEFAULT_POSTGRES})",
    )
    parser.add_argument("--sqlite", action="store_true", help="run on SQLite")
    parser.add_argument(
        "--workers", type=int, default=WORKERS, help=f"WEB_CONCURRENCY (default {WORKERS})"
    )
    parser.add_argument(
        "--rate",
        type=float,
        help="send this many requests per second in all (an open load) instead of each client "
        "sending its next request as soon as it has its answer",
    )
    parser.add_argument(
        "--worker-delivery",
        action="store_true",
        help="web workers only answer; `liaison worker` does the rest (LIAISON_BACKGROUND)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    # The clients and the fake Slack API are threads of this process: with Python's default
    # 5 ms turns at the GIL, a thread holding an answer can wait for dozens of others, and that
    # wait would be counted as the server's.
    sys.setswitchinterval(0.0005)
    backends: list[tuple[str, str | None]] = []
    if args.postgres:
        backends.append(("PostgreSQL", args.postgres))
    if args.sqlite:
        backends.append(("SQLite", None))
    if not backends:
        backends = [("PostgreSQL", DEFAULT_POSTGRES), ("SQLite", None)]
    company = make_company()
    workdir = Path(tempfile.mkdtemp(prefix="liaison-load-"))
    config_path = workdir / "liaison.toml"
    config_path.write_text(company.config_toml())
    print(
        f"{args.requests} requests from {args.concurrency} clients per run; mix {MIX}; "
        f"logs in {workdir}"
    )
    results: list[Figures] = []
    templates: list[dict[str, Any]] = []
    cards: list[tuple[str, str]] = []
    with BenchSlack(company) as fake:
        for label, url in backends:
            database_url = url or sqlite_database(workdir, "liaison_load")
            if url:
                create_postgres(url)
            try:
                figures, seen, posted = run_liaison(
                    label,
                    database_url,
                    fake=fake,
                    company=company,
                    workdir=workdir,
                    config_path=config_path,
                    concurrency=args.concurrency,
                    total=args.requests,
                    worker_delivery=args.worker_delivery,
                    workers=args.workers,
                    rate=args.rate,
                )
            finally:
                if url:
                    drop_postgres(url)
                else:
                    sqlite_database(workdir, "liaison_load")  # removes the files
            print_figures(figures)
            results.append(figures)
            templates, cards = templates or seen, cards or posted
        bare = run_bare(
            fake=fake,
            company=company,
            workdir=workdir,
            templates=templates,
            cards=cards,
            concurrency=args.concurrency,
            total=args.requests,
            workers=args.workers,
            rate=args.rate,
        )
    print_figures(bare)
    passed = True
    for figures in results:
        ratios = compare(figures, bare)
        print(f"\n== {figures.label} / bare")
        print("  " + "; ".join(f"{name} ×{value:.2f}" for name, value in ratios.items()))
        for description, ok in check_targets(figures, bare):
            print(f"  {'PASS' if ok else 'FAIL'}  {description}")
            passed = passed and ok
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
