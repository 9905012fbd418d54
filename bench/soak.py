"""Soak test: thousands of mixed Slack requests against `liaison web` while the Slack API fails a
few percent of the time, then a check that nothing was lost, doubled or left stale.

    python -m bench.soak [--events 10000] [--concurrency 20] [--failure-rate 0.04]
                         [--workers 4] [--postgres [URL]]

`liaison web` runs as a subprocess (SQLite unless `--postgres`) against a fake Slack Web API in
this process, which answers a share of chat.postMessage and chat.update calls with 500 or 429 at
random moments, or posts the message but answers after the app's timeout (a lost answer). The
clients send `/request` commands, submit the modals the app opened, and react
on cards (claim, estimate, ask, deliver, decline) from realistic ids; some reactions are sent
again with the same event_id (a duplicate, at once or in parallel) or as Slack's retries
(X-Slack-Retry-Num). Once the app is idle it is stopped and what its outbox still holds is sent
(run here with a clock moved ahead past every backoff). Then the database and the fake's record
are checked; each check prints PASS or FAIL. Every loop is bounded; all traffic stays on
127.0.0.1.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from bench.load import (
    DEFAULT_POSTGRES,
    SIGNING_SECRET,
    BenchSlack,
    Company,
    TimedSim,
    Views,
    create_postgres,
    drop_postgres,
    make_company,
    new_sim,
    reaction_for,
    sqlite_database,
    start_server,
    submission_values,
)
from bot.config import load_config
from bot.db.migrate import upgrade
from bot.db.session import make_engine
from bot.domain import outbox
from bot.domain.models import InboxEvent, OutboxMessage, ProcessedEvent, Request, RequestEvent
from bot.settings import Settings
from bot.slack.blocks.card import card_for
from bot.slack.listeners.operations import NOT_THERE
from bot.wiring import build_runtime
from tests.fakes.slack_api import FakeSlack

SEED = 20261202
# Share of each kind of request. A duplicate resends an earlier reaction with its event_id; a
# retry does so with Slack's retry headers; a twin sends a new reaction twice at the same time.
MIX = {
    "command": 0.2,
    "submission": 0.2,
    "reaction": 0.42,
    "duplicate": 0.08,
    "retry": 0.05,
    "twin": 0.05,
}
FAILING_METHODS = ("chat.postMessage", "chat.update")
INJECTED_ERRORS = frozenset({"internal_error", "ratelimited"})
# What slack_sdk logs when it receives the HTML page of an injected 500, and when a lost
# answer makes the client give up.
INJECTED_LOGS = ("Failed to decode Slack API response", "Failed to send a request to Slack API")
# A lost answer: the fake posts the message but answers only after LOST_ANSWER_DELAY, past the
# app's SLACK_TIMEOUT_SECONDS, so the app must find the post in Slack instead of sending it again.
SLACK_TIMEOUT = 2.0
LOST_ANSWER_DELAY = 4.0
QUIET_SECONDS = 3.0  # the app counts as idle when the fake saw no call for this long
IDLE_LIMIT = 300.0
DRAIN_PASSES = 40
DRAIN_STEP = timedelta(hours=2)  # longer than the longest backoff, so each pass finds all due


class FlakySlack(BenchSlack):
    """The fake Web API, failing about `rate` of the chat.postMessage and chat.update calls: a
    third 500 with Slack's HTML error page, a third 429 with Retry-After: 1, and a third (of the
    chat.postMessage calls) posted but answered too late for the client."""

    def __init__(self, company: Company, *, rate: float, seed: int) -> None:
        super().__init__(company)
        self.rate = rate
        self.injected = 0
        self.lost_answers = 0
        self._failure_rng = random.Random(seed)
        self._stop_injecting = threading.Event()
        self._injector = threading.Thread(target=self._inject, daemon=True)

    def start_failing(self) -> None:
        self._injector.start()

    def stop_failing(self) -> None:
        """Stop injecting, and drop the failures queued for calls still to come."""
        self._stop_injecting.set()
        self._injector.join(timeout=5)
        with self._cond:
            self._failures.clear()

    def _inject(self) -> None:
        # Queue failures as the calls come, so they land at random moments of the run.
        while not self._stop_injecting.wait(0.02):
            calls = sum(1 for c in self.calls if c.method in FAILING_METHODS)
            while self.injected < calls * self.rate:
                kind = self._failure_rng.choice((500, 429, "lost"))
                if kind == "lost":
                    self.accept_then_time_out("chat.postMessage", LOST_ANSWER_DELAY)
                    self.lost_answers += 1
                else:
                    self.fail(self._failure_rng.choice(FAILING_METHODS), status=kind)
                self.injected += 1


@dataclass
class SentReaction:
    user: str
    reaction: str
    channel: str
    ts: str
    event_id: str


@dataclass
class Record:
    """What the clients sent and how the app answered."""

    statuses: Counter[int] = field(default_factory=Counter)
    transport_errors: list[str] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    filed_titles: list[str] = field(default_factory=list)
    unacknowledged_titles: list[str] = field(default_factory=list)  # answered non-2xx
    refused_submissions: list[str] = field(default_factory=list)
    reactions: dict[str, SentReaction] = field(default_factory=dict)
    slow_acks: int = 0  # answered after Slack's 3 s limit
    lock: threading.Lock = field(default_factory=threading.Lock)


class Soak:
    def __init__(self, url: str, company: Company, fake: FlakySlack, total: int) -> None:
        self.url = url
        self.company = company
        self.fake = fake
        self.views = Views(fake.opened, [])
        self.record = Record()
        self._remaining = total
        self._titles = iter(range(1, 10**9))
        self._lock = threading.Lock()
        self._deadline = time.monotonic() + 1800

    def _turns(self, count: int) -> bool:
        with self._lock:
            if self._remaining < count or time.monotonic() > self._deadline:
                return False
            self._remaining -= count
            return True

    def run(self, concurrency: int) -> None:
        threads = [threading.Thread(target=self._client, args=(n,)) for n in range(concurrency)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _client(self, number: int) -> None:
        rng = random.Random(SEED * 1000 + number)
        sim = new_sim(self.url, self.company, self.fake)
        twin = new_sim(self.url, self.company, self.fake)
        kinds, weights = zip(*MIX.items(), strict=True)
        try:
            while True:
                kind = rng.choices(kinds, weights)[0]
                if not self._turns(2 if kind == "twin" else 1):
                    if not self._turns(1):
                        return
                    kind = "command"
                self._send(kind, sim, twin, rng)
        finally:
            sim.close()
            twin.close()

    def _send(self, kind: str, sim: TimedSim, twin: TimedSim, rng: random.Random) -> None:
        record = self.record
        view = self.views.take() if kind == "submission" else None
        with record.lock:
            earlier = list(record.reactions.values())[-300:]
        if (kind == "submission" and view is None) or not self.fake.cards:
            kind = "command"
        if kind in ("duplicate", "retry") and not earlier:
            kind = "reaction"
        if kind == "command":
            self._answer(kind, sim, lambda: sim.command(rng.choice(self.company.requesters)))
        elif kind == "submission":
            assert view is not None
            values = submission_values(rng, self.company, view)
            values["title"] = f"Soak {next(self._titles):05d}: {values.get('title', '')}"
            response = self._answer(
                kind,
                sim,
                lambda: sim.view_submission(view, rng.choice(self.company.requesters), values),
            )
            if response is not None:
                with record.lock:
                    if response.status_code != 200:
                        record.unacknowledged_titles.append(values["title"])
                    elif response.content.strip():
                        record.refused_submissions.append(response.text[:200])
                    else:
                        record.filed_titles.append(values["title"])
        elif kind in ("reaction", "twin"):
            channel, ts = rng.choice(self.fake.cards)
            user, reaction = reaction_for(rng, self.company, channel)
            sent = SentReaction(user, reaction, channel, ts, f"Ev{rng.getrandbits(48):012X}")
            with record.lock:
                record.reactions[sent.event_id] = sent
            if kind == "twin":
                other = threading.Thread(target=self._react, args=(kind, twin, sent))
                other.start()
                self._react(kind, sim, sent)
                other.join()
            else:
                self._react(kind, sim, sent)
        else:
            retry = rng.randint(1, 3) if kind == "retry" else None
            self._react(kind, sim, rng.choice(earlier), retry)

    def _react(
        self, kind: str, sim: TimedSim, sent: SentReaction, retry: int | None = None
    ) -> None:
        self._answer(
            kind,
            sim,
            lambda: sim.reaction(
                sent.user,
                sent.reaction,
                sent.channel,
                sent.ts,
                event_id=sent.event_id,
                retry_num=retry,
            ),
        )

    def _answer(self, kind: str, sim: TimedSim, send: Any) -> httpx.Response | None:
        try:
            response = send()
        except httpx.HTTPError as error:
            with self.record.lock:
                self.record.kinds[kind] += 1
                self.record.transport_errors.append(f"{kind}: {type(error).__name__} {error}")
            return None
        with self.record.lock:
            self.record.kinds[kind] += 1
            self.record.statuses[response.status_code] += 1
            self.record.slow_acks += sim.elapsed > 3.0
        return response


# -- waiting and draining ----------------------------------------------------------------------


def wait_until_idle(fake: FakeSlack, engine: Any, record: Record) -> float:
    """Wait (bounded) until every acknowledged event and submission is in the database and the app
    made no Slack call for QUIET_SECONDS. Returns the seconds waited."""
    start = time.monotonic()
    expected_events = len(record.reactions)
    expected_requests = len(record.filed_titles)
    last_count, last_change = -1, time.monotonic()
    while time.monotonic() - start < IDLE_LIMIT:
        with Session(engine) as session:
            events = session.scalar(select(func.count()).select_from(ProcessedEvent)) or 0
            requests = session.scalar(select(func.count()).select_from(Request)) or 0
        count = len(fake.calls)
        if count != last_count:
            last_count, last_change = count, time.monotonic()
        stored = events >= expected_events and requests >= expected_requests
        if stored and time.monotonic() - last_change >= QUIET_SECONDS:
            break
        time.sleep(0.5)
    return time.monotonic() - start


def drain(settings: Settings, engine: Any) -> tuple[int, int]:
    """Deliver what the outbox still holds, with a clock moved ahead by DRAIN_STEP per pass so
    every backoff has run out. Returns (passes, messages sent)."""
    offset = [timedelta(0)]

    def clock() -> datetime:
        return datetime.now(UTC) + offset[0]

    runtime = build_runtime(settings, clock=clock, engine=engine)
    sent = 0
    for passes in range(1, DRAIN_PASSES + 1):
        offset[0] += DRAIN_STEP
        runtime.inbox.handle_due()
        sent += runtime.outbox.send_due(limit=5000).sent
        with Session(engine) as session:
            pending = session.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status.in_(("pending", "sending")))
            )
        if not pending:
            return passes, sent
    return DRAIN_PASSES, sent


# -- checks ----------------------------------------------------------------------------------------


@dataclass
class Check:
    name: str
    passed: bool
    detail: str


def _ephemerals_to_outsiders(fake: FakeSlack) -> Counter[tuple[str | None, str | None]]:
    """The ephemerals Slack refused because the person is not in the conversation, by (person,
    text)."""
    return Counter(
        (c.params.get("user"), c.params.get("text"))
        for c in fake.calls_to("chat.postEphemeral")
        if c.response.get("error") in NOT_THERE
    )


def _ok_posts(fake: FakeSlack) -> list[Any]:
    return [
        c for c in fake.calls_to("chat.postMessage") if c.status == 200 and c.response.get("ok")
    ]


def run_checks(
    fake: FlakySlack, engine: Any, record: Record, company: Company, config_path: Path
) -> list[Check]:
    config = load_config(config_path)
    intake = {t.intake_channel for t in company.fulfillers}
    with Session(engine) as session:
        requests = list(session.scalars(select(Request).options(selectinload(Request.estimates))))
        events = list(session.scalars(select(RequestEvent)))
        rows = list(session.scalars(select(OutboxMessage)))
        kept_events = list(session.scalars(select(InboxEvent.event_id)))
        processed = set(session.scalars(select(ProcessedEvent.event_id)))
        expected_cards = {r.id: card_for(r, config) for r in requests}
    checks: list[Check] = []

    # Every acknowledged submission is a stored request, and nothing else is.
    titles = Counter(r.title for r in requests)
    missing = [t for t in record.filed_titles if t not in titles]
    doubled = [t for t, n in titles.items() if n > 1]
    # Stored although the person was told it failed: Slack keeps the modal open, they submit again.
    unacknowledged = [t for t in record.unacknowledged_titles if t in titles]
    checks.append(
        Check(
            "every submitted request stored",
            not missing and not doubled and len(requests) == len(record.filed_titles),
            f"{len(record.filed_titles)} submissions acknowledged, {len(requests)} requests "
            f"stored, {len(missing)} missing, {len(doubled)} stored twice; "
            f"{len(record.refused_submissions)} answered with field errors; "
            f"{len(record.unacknowledged_titles)} not acknowledged (non-2xx), of which "
            f"{len(unacknowledged)} were stored anyway",
        )
    )

    # Each request's card posted exactly once, and its ts stored.
    posts = _ok_posts(fake)
    card_posts = [
        p for p in posts if p.params.get("channel") in intake and "thread_ts" not in p.params
    ]
    card_keys = Counter((p.response["channel"], p.response["ts"]) for p in card_posts)
    stored_cards = {(r.card_channel, r.card_ts) for r in requests if r.card_ts}
    unposted = [r.reference for r in requests if not r.card_ts]
    orphans = [k for k in card_keys if k not in stored_cards]
    checks.append(
        Check(
            "every card posted exactly once, its ts stored",
            not unposted and not orphans and len(card_posts) == len(requests),
            f"{len(card_posts)} card posts for {len(requests)} requests; {len(unposted)} "
            f"requests without a card ts; {len(orphans)} posted cards no request points at",
        )
    )

    # No message sent twice: each successful post is the one recorded on its outbox row, or the
    # private answer to a reaction by someone outside the channel, which Slack shows no
    # ephemeral to (`tell_reactor` sends it by DM instead, directly: it is no outbox row).
    sent_ts = Counter(m.sent_ts for m in rows if m.status == "sent" and m.kind != outbox.CARD)
    other_posts = [p for p in posts if p not in card_posts]
    outsiders = _ephemerals_to_outsiders(fake)
    unanswered = Counter(outsiders)
    unrecorded = []
    for post in other_posts:
        if post.response["ts"] in sent_ts:
            continue
        key = (post.params.get("channel"), post.params.get("text"))
        if unanswered[key] > 0:
            unanswered[key] -= 1
        else:
            unrecorded.append(post)
    same = Counter(
        (p.params.get("channel"), p.params.get("thread_ts"), p.params.get("text"))
        for p in other_posts
    )
    once_only = ("claimed it.", "claimed your request", "marked it delivered", "is filed")
    wrong = [k for k, n in same.items() if n > 1 and any(w in (k[2] or "") for w in once_only)]
    checks.append(
        Check(
            "no message sent twice",
            not unrecorded and not wrong,
            f"{len(other_posts)} other messages posted, {len(unrecorded)} matching neither an "
            f"outbox row nor a private answer by DM; {len(wrong)} once-only texts posted twice "
            "to the same place "
            f"({sum(n - 1 for n in same.values() if n > 1)} repeated texts in all"
            + "".join(f"; e.g. {k[2][:90]!r} ×{n}" for k, n in same.most_common(2) if n > 1)
            + ")",
        )
    )

    # The app never answered 5xx (nor failed to answer), and acknowledged in time.
    server_errors = sum(n for status, n in record.statuses.items() if status >= 500)
    checks.append(
        Check(
            "no 5xx answered by the app",
            server_errors == 0 and not record.transport_errors,
            f"statuses {dict(sorted(record.statuses.items()))}; "
            f"{len(record.transport_errors)} transport errors {record.transport_errors[:3]}; "
            f"{record.slow_acks} answers slower than Slack's 3 s",
        )
    )

    # Slack gives up on an answer after 3 s (and shows an error or retries the event).
    not_ok = sum(n for status, n in record.statuses.items() if not 200 <= status < 300)
    checks.append(
        Check(
            "every request acknowledged (2xx) within 3 s",
            not_ok == 0 and record.slow_acks == 0 and not record.transport_errors,
            f"{not_ok} non-2xx answers, {record.slow_acks} answers after more than 3 s",
        )
    )

    # Every distinct event handled, each once: one claim per request, one question per event.
    claims = Counter(e.request_id for e in events if e.kind == "claimed")
    asked = Counter((e.request_id, e.actor) for e in events if e.kind == "needs_info")
    by_card = {(r.card_channel, r.card_ts): r.id for r in requests}
    questions = Counter(
        (by_card.get((s.channel, s.ts)), s.user)
        for s in record.reactions.values()
        if s.reaction == "question"
    )
    delivered = Counter(e.request_id for e in events if e.kind == "delivered")
    unhandled = [e for e in record.reactions if e not in processed]
    too_many = [k for k, n in asked.items() if n > questions.get(k, 0)]
    checks.append(
        Check(
            "no duplicate state changes",
            max(claims.values(), default=0) <= 1
            and max(delivered.values(), default=0) <= 1
            and not too_many
            and not unhandled,
            f"{len(record.reactions)} distinct events sent, {len(unhandled)} never handled; "
            f"max claims per request {max(claims.values(), default=0)}; max deliveries per "
            f"request {max(delivered.values(), default=0)}; {len(too_many)} (request, person) "
            "pairs with more questions recorded than question reactions sent",
        )
    )

    # The outbox is empty and nothing was given up on; no acknowledged event is left unhandled.
    status = Counter(m.status for m in rows)
    checks.append(
        Check(
            "outbox and inbox drained, nothing failed",
            set(status) <= {"sent"} and not kept_events,
            f"outbox rows by status: {dict(status)}; {len(kept_events)} events still stored "
            f"{kept_events[:3]}",
        )
    )

    # Each card shows its request as it is now (no lost update).
    stale = []
    for request in requests:
        if not request.card_ts:
            continue
        shown = fake.messages.get((request.card_channel, request.card_ts)) or {}
        expected = expected_cards[request.id]
        if shown.get("text") != expected["text"] or shown.get("blocks") != expected["blocks"]:
            stale.append(request.reference)
    checks.append(
        Check(
            "every card shows the request's final state",
            not stale,
            f"{len(stale)} stale cards {stale[:5]}",
        )
    )

    # Slack refused nothing but the failures the fake was told to inject, and the ephemerals to
    # people outside the channel, each of whom the app then tried by DM.
    dm_tries = Counter(
        (c.params.get("channel"), c.params.get("text")) for c in fake.calls_to("chat.postMessage")
    )
    untried = Counter({key: n - min(n, dm_tries[key]) for key, n in outsiders.items()})
    refused = Counter(
        c.response.get("error")
        for c in fake.calls
        if not c.response.get("ok", True)
        and c.response.get("error") not in INJECTED_ERRORS
        and not (c.method == "chat.postEphemeral" and c.response.get("error") in NOT_THERE)
    )
    refused["ephemeral to an outsider not tried by DM"] = untried.total()
    refused = +refused  # counts of zero dropped
    injected = sum(
        1 for c in fake.calls if c.response.get("error") in INJECTED_ERRORS and c.status != 200
    )
    calls = sum(1 for c in fake.calls if c.method in FAILING_METHODS)
    look_ups = len(fake.calls_to("conversations.history")) + len(
        fake.calls_to("conversations.replies")
    )
    checks.append(
        Check(
            "Slack refused nothing else",
            not refused,
            f"{injected} injected failures and {fake.lost_answers} lost answers in {calls} "
            f"chat.postMessage/chat.update calls "
            f"({(injected + fake.lost_answers) / max(calls, 1):.1%}); {look_ups} look-ups for "
            f"posts whose answer was lost; {outsiders.total()} ephemerals to people outside "
            f"the channel, answered by DM instead; other errors: {dict(refused)}",
        )
    )
    return checks


# -- main ------------------------------------------------------------------------------------------


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--events", type=int, default=10_000, help="requests to send")
    parser.add_argument("--concurrency", type=int, default=20, help="clients (default 20)")
    parser.add_argument("--failure-rate", type=float, default=0.04, help="share of Slack calls")
    parser.add_argument("--workers", type=int, default=4, help="WEB_CONCURRENCY (default 4)")
    parser.add_argument(
        "--postgres",
        nargs="?",
        const=DEFAULT_POSTGRES.replace("liaison_load", "liaison_soak"),
        help="run on PostgreSQL instead of SQLite",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    company = make_company()
    workdir = Path(tempfile.mkdtemp(prefix="liaison-soak-"))
    config_path = workdir / "liaison.toml"
    config_path.write_text(company.config_toml())
    url = args.postgres or sqlite_database(workdir, "liaison_soak")
    if args.postgres:
        create_postgres(url)
    upgrade(url)
    engine = make_engine(url)
    print(
        f"soak: {args.events} requests from {args.concurrency} clients, "
        f"{args.failure_rate:.0%} of chat.postMessage/chat.update failing, "
        f"{args.workers} workers on {'PostgreSQL' if args.postgres else 'SQLite'}; "
        f"logs in {workdir}"
    )
    try:
        with FlakySlack(company, rate=args.failure_rate, seed=SEED) as fake:
            server = start_server(
                "liaison",
                fake=fake,
                workdir=workdir,
                workers=args.workers,
                database_url=url,
                config_path=config_path,
                log_name="liaison-soak",
                extra_env={"SLACK_TIMEOUT_SECONDS": str(SLACK_TIMEOUT)},
            )
            try:
                fake.start_failing()
                soak = Soak(server.url, company, fake, args.events)
                _seed(soak)
                started = time.monotonic()
                soak.run(args.concurrency)
                sent_in = time.monotonic() - started
                idle_after = wait_until_idle(fake, engine, soak.record)
            finally:
                server.stop()
            settings = Settings(
                _env_file=None,  # type: ignore[call-arg]
                slack_bot_token=fake.token,
                slack_signing_secret=SIGNING_SECRET,
                slack_api_url=fake.base_url,
                database_url=url,
                liaison_config=config_path,
                slack_timeout_seconds=SLACK_TIMEOUT,
            )
            # The drain's clock runs hours ahead of Slack's, which a lost answer's look-up would
            # not survive (it searches minutes around the attempt); Slack stops failing first.
            fake.stop_failing()
            passes, drained = drain(settings, engine)
            record = soak.record
            print(
                f"sent {sum(record.kinds.values())} requests in {sent_in:.0f} s "
                f"({dict(record.kinds)}); app idle {idle_after:.0f} s later; the drain sent "
                f"{drained} messages in {passes} passes"
            )
            problems = server.log_problems(expected=INJECTED_LOGS)
            print(
                f"server log: {len(problems)} error lines besides slack_sdk's for the injected "
                f"500 pages and lost answers ({server.log_path}); {fake.lost_answers} answers "
                f"held back past the app's {SLACK_TIMEOUT:g} s timeout"
            )
            for line in problems[:8]:
                print(f"  {line[:200]}")
            checks = run_checks(fake, engine, record, company, config_path)
    finally:
        engine.dispose()
        if args.postgres:
            drop_postgres(url)
    for check in checks:
        print(f"{'PASS' if check.passed else 'FAIL'}  {check.name}: {check.detail}")
    return 0 if all(c.passed for c in checks) else 1


def _seed(soak: Soak) -> None:
    """A first request, so reactions have a card from the start."""
    rng = random.Random(SEED)
    sim = new_sim(soak.url, soak.company, soak.fake)
    try:
        user = rng.choice(soak.company.requesters)
        sim.command(user).raise_for_status()
        view = soak.views.take(timeout=10)
        if view is None:
            raise RuntimeError("the app opened no modal for /request within 10 s")
        values = submission_values(rng, soak.company, view)
        values["title"] = "Soak 00000: the first request"
        sim.view_submission(view, user, values).raise_for_status()
        soak.record.filed_titles.append(values["title"])
    finally:
        sim.close()
    deadline = time.monotonic() + 60
    while not soak.fake.cards and time.monotonic() < deadline:
        time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main())
