"""SIGTERM stops `liaison run`, `liaison web` and `liaison worker` cleanly: exit status 0, each
process saying it stopped, nothing logged as an error, and no wait for the graceful periods when
nothing is under way. The signal goes to every process of the command, as systemd and container
platforms send it. (What stopping does with work under way: tests/slack/test_stopping.py.)"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from bot.serve import GRACEFUL_TIMEOUT
from tests.conftest import BOT_TOKEN
from tests.fakes.slack_api import FakeSlack
from tests.served import CLI, free_port, migrated, wait_for_health


def wait_for(ready: object, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not ready():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"{what} did not happen"
        time.sleep(0.2)


def scheduler_beat(database: Path) -> bool:
    with sqlite3.connect(database) as connection:
        return connection.execute("SELECT count(*) FROM heartbeats").fetchone()[0] > 0


@pytest.mark.parametrize("command", ["run", "web", "worker"])
def test_sigterm_stops_the_command_at_once_while_idle(tmp_path: Path, command: str) -> None:
    port = free_port()
    with FakeSlack(token=BOT_TOKEN) as fake:
        fake.usergroups["SENG"] = []  # the test config's
        env = migrated(tmp_path, fake, port, LOG_FORMAT="json", WEB_CONCURRENCY="2")
        process = subprocess.Popen(
            [*CLI, command], env=env, stderr=subprocess.PIPE, text=True, start_new_session=True
        )
        try:
            if command == "worker":
                wait_for(lambda: scheduler_beat(tmp_path / "served.db"), "a heartbeat")
            else:
                url = f"http://127.0.0.1:{port}/healthz"
                wait_for_health(url)
                if command == "run":
                    wait_for(lambda: httpx.get(url).json()["scheduler"] == "ok", "a heartbeat")
            os.killpg(process.pid, signal.SIGTERM)
            # Idle, nothing is under way: it must not sit out the graceful periods.
            _, log = process.communicate(timeout=GRACEFUL_TIMEOUT)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
                process.communicate()

    assert process.returncode == 0, log
    entries = [json.loads(line) for line in log.splitlines() if line.strip()]  # LOG_FORMAT=json
    processes = 2 if command == "web" else 1  # web: WEB_CONCURRENCY worker processes
    assert [e["message"] for e in entries].count("stopped") == processes, log
    assert not [e for e in entries if e["level"] in ("ERROR", "CRITICAL")], log
