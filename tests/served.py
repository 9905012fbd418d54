"""Liaison served as its command serves it: `liaison web` or `liaison run` as a subprocess, on a
free port of 127.0.0.1, against a fake Slack Web API."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.conftest import BOT_TOKEN, DEFAULT_CONFIG, DIGEST_CHANNEL, INTAKE_CHANNEL, SIGNING_SECRET
from tests.fakes.slack_api import FakeSlack


@dataclass
class Served:
    url: str
    port: int
    process: subprocess.Popen[str]
    fake: FakeSlack
    stderr: str = ""  # the server's log, once it stopped


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for_health(url: str, timeout: float = 30) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        try:
            return httpx.get(url, timeout=2)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


CLI = [sys.executable, "-m", "bot.cli"]


def migrated(
    tmp_path: Path,
    fake: FakeSlack,
    port: int,
    *,
    config_text: str | None = DEFAULT_CONFIG,
    **env: str,
) -> dict[str, str]:
    """The environment of a command on `port`, against `fake`, with the test config (None: no
    config file) and a fresh SQLite database (`served.db`, migrated); `env` adds to it
    (WEB_CONCURRENCY=2 unless given)."""
    # The test config's channels exist, as they would in the workspace: a command joins them at
    # start, and one running on a Monday from 9:00 in New York posts the weekly digest there.
    fake.channels |= {INTAKE_CHANNEL, DIGEST_CHANNEL}
    config = tmp_path / "liaison.toml"
    if config_text is not None:
        config.write_text(config_text)
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SLACK_")},
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.base_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'served.db'}",
        "LIAISON_CONFIG": str(config),
        "PORT": str(port),
        "WEB_CONCURRENCY": "2",
        **env,
    }
    subprocess.run([*CLI, "db", "upgrade"], env=environment, check=True, capture_output=True)
    return environment


@contextmanager
def serve(
    tmp_path: Path, command: str = "web", *, config_text: str | None = DEFAULT_CONFIG, **env: str
) -> Iterator[Served]:
    """`liaison <command>` with a fresh SQLite database and the test config (None: no config
    file); `env` adds to the environment (WEB_CONCURRENCY=2 unless given). Stops it on exit and
    keeps its log."""
    port = free_port()
    with FakeSlack(token=BOT_TOKEN) as fake:
        environment = migrated(tmp_path, fake, port, config_text=config_text, **env)
        process = subprocess.Popen(
            [*CLI, command], env=environment, stderr=subprocess.PIPE, text=True
        )
        served = Served(f"http://127.0.0.1:{port}", port, process, fake)
        try:
            wait_for_health(f"{served.url}/healthz")
            yield served
        finally:
            process.terminate()
            try:
                _, served.stderr = process.communicate(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                _, served.stderr = process.communicate(timeout=10)
