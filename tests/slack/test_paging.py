"""`/request list` and `/request status` read a page, not everything: at sizes that used to take
longer than Slack waits, they read a bounded number of rows, count the rest in SQL and say so."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event, insert, select

from bot.domain.lifecycle import Status
from bot.domain.models import Request, RequestEvent
from tests.conftest import SALES_REP, Liaison
from tests.slack.helpers import file_request

REQUESTS = 62_500  # one in five closed: 50,000 open
EVENTS = 200_000
BATCH = 10_000


@contextmanager
def loaded(model: type) -> Iterator[list[Any]]:
    """Every `model` row the ORM builds an object for while the block runs."""
    rows: list[Any] = []
    lock = threading.Lock()

    def count(target: Any, context: Any) -> None:
        with lock:
            rows.append(target)

    event.listen(model, "load", count)
    try:
        yield rows
    finally:
        event.remove(model, "load", count)


def bulk(engine: Engine, model: type, rows: Iterator[dict[str, Any]], total: int) -> None:
    with engine.begin() as connection:
        for _ in range(0, total, BATCH):
            batch = [next(rows) for _ in range(min(BATCH, total))]
            if batch:
                connection.execute(insert(model), batch)
                total -= len(batch)


def answer(liaison: Liaison, text: str) -> tuple[dict[str, Any], float]:
    started = time.monotonic()
    response = liaison.slack.command(SALES_REP, text)
    assert response.status_code == 200, response.text
    return response.json(), time.monotonic() - started


def test_list_reads_one_page_of_a_long_queue(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    first = db.get(Request, card.request_id)
    now = liaison.clock()
    # One in five closed: the page and the count both leave those out.
    statuses = [Status.DELIVERED, Status.NEW, Status.CLAIMED, Status.AT_RISK, Status.COMMITTED]

    def rows() -> Iterator[dict[str, Any]]:
        for number in range(2, REQUESTS + 2):
            yield {
                "workspace_id": first.workspace_id,
                "number": number,
                "title": f"Queued {number}",
                "requester_id": SALES_REP,
                "requesting_department_id": first.requesting_department_id,
                "fulfilling_department_id": first.fulfilling_department_id,
                "status": statuses[number % 5],
                "created_at": now,
                "updated_at": now,
            }

    bulk(liaison.runtime.engine, Request, rows(), REQUESTS)
    with loaded(Request) as requests:
        body, took = answer(liaison, "list")
    text = json.dumps(body)
    total = 1 + sum(1 for number in range(2, REQUESTS + 2) if number % 5)
    assert total > 50_000
    assert f"Your open requests: {total}" in body["text"]
    assert f"Showing the latest 40 of {total}." in text
    assert f"REQ-{REQUESTS + 1}" in text  # the newest open one comes first
    assert "REQ-1 " not in text
    assert len(requests) <= 40
    assert took < 3


def test_status_reads_the_latest_events_of_a_long_history(liaison: Liaison, db) -> None:
    card = file_request(liaison, db)
    start = liaison.clock()

    def rows() -> Iterator[dict[str, Any]]:
        for i in range(EVENTS):
            yield {
                "request_id": card.request_id,
                "at": start + timedelta(seconds=i + 1),
                "actor": SALES_REP,
                "kind": "feedback",
                "surface": "button",
                "data": {"helpful": i == EVENTS - 1},
            }

    bulk(liaison.runtime.engine, RequestEvent, rows(), EVENTS)
    with loaded(RequestEvent) as events:
        body, took = answer(liaison, "status REQ-1")
    history = history_of(body)
    lines = history.splitlines()
    # As many of the latest 30 as fit in a section whole (dates travel as Slack date tokens).
    shown = len(lines) - 1
    assert 10 <= shown <= 30
    assert lines[0] == f"*History* (showing the latest {shown} of {EVENTS + 1}, newest first)"
    assert "met the need" in lines[1]
    assert "Filed" not in history  # the oldest event is past the page
    assert len(events) <= 30
    assert took < 3


def history_of(body: dict[str, Any]) -> str:
    return next(
        block["text"]["text"]
        for block in body["blocks"]
        if block.get("text", {}).get("text", "").startswith("*History*")
    )


def test_a_short_history_is_shown_whole(liaison: Liaison, db) -> None:
    file_request(liaison, db)
    body, _ = answer(liaison, "status REQ-1")
    assert history_of(body).splitlines()[0] == "*History* (newest first)"
    assert db.scalars(select(RequestEvent)).one().kind == "created"
