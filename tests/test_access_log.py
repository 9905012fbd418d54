"""The HTTP server's access line: one per request, with the request line but not its query (an
OAuth code travels there), and nothing of the headers or the environment."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.http_server import AccessLog, hypercorn_config
from bot.settings import Settings


def test_one_line_per_request_without_the_query(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOME_TOKEN", "xoxb-never-in-a-log")
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        slack_bot_token="xoxb-never-in-a-log",
        slack_signing_secret="secret",
        database_url="sqlite://",
    )
    config = hypercorn_config(settings, workers=1, application_path="bot.serve:worker_app")
    log = config.log
    assert isinstance(log, AccessLog)
    request = {
        "type": "http",
        "client": ("10.0.0.7", 51234),
        "method": "GET",
        "path": "/slack/oauth_redirect",
        "query_string": b"code=1234.5678&state=abc",
        "http_version": "1.1",
        "headers": [(b"authorization", b"Bearer xoxb-never-in-a-log")],
    }
    response = {"status": 302, "headers": [(b"content-length", b"0")]}
    with caplog.at_level(logging.INFO, logger="hypercorn.access"):
        asyncio.run(log.access(request, response, 0.0125))
    [line] = [r.getMessage() for r in caplog.records if r.name == "hypercorn.access"]
    assert line == '10.0.0.7:51234 "GET /slack/oauth_redirect HTTP/1.1" 302 0 12.5 ms'
    assert "code=" not in line and "xoxb" not in line
