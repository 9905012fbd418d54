"""Who may read a request with `/request status` (and act on it by number): its requester and the
people of the two departments involved. Anyone else is told the same as for a number that does
not exist, so guessing numbers reveals nothing."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.domain.lifecycle import Status
from bot.domain.models import Request
from bot.jobs.usergroups import refresh_usergroups
from tests.conftest import (
    DEFAULT_CONFIG,
    ENG_LEAD,
    ENGINEER,
    SALES_LEAD,
    SALES_REP,
    SALES_REP_2,
    STRANGER,
    Liaison,
)
from tests.slack.helpers import file_request

MARKETER = "UMKT1"
MARKETING_LEAD = "UMKTLEAD"
IN_ENG_GROUP = "UENGGROUP"

CONFIG = (
    DEFAULT_CONFIG
    + f"""
[[departments]]
key = "marketing"
name = "Marketing"
role = "requester"
members = ["{MARKETER}"]
leads = ["{MARKETING_LEAD}"]
"""
)


@pytest.fixture
def config_text() -> str:
    return CONFIG


def status(liaison: Liaison, user: str, reference: str) -> dict:
    response = liaison.slack.command(user, f"status {reference}")
    assert response.status_code == 200
    return response.json()


@pytest.mark.parametrize(
    "user",
    [SALES_REP, SALES_REP_2, SALES_LEAD, ENGINEER, ENG_LEAD, IN_ENG_GROUP],
    ids=["requester", "colleague", "requesting lead", "engineer", "fulfilling lead", "usergroup"],
)
def test_the_people_involved_see_a_request(liaison: Liaison, db, user: str) -> None:
    liaison.fake.usergroups["SENG"] = [IN_ENG_GROUP]
    refresh_usergroups(liaison.runtime)  # as the scheduler keeps it
    file_request(liaison, db, title="Pricing for ACME renewal")
    answer = json.dumps(status(liaison, user, "REQ-1"))
    assert "Pricing for ACME renewal" in answer and "Filed" in answer


@pytest.mark.parametrize(
    "user",
    [STRANGER, MARKETER, MARKETING_LEAD],
    ids=["outsider", "another requesting department", "another department's lead"],
)
def test_others_are_told_what_they_would_be_told_of_no_request(
    liaison: Liaison, db, user: str
) -> None:
    file_request(liaison, db, title="Pricing for ACME renewal")
    existing = status(liaison, user, "REQ-1")
    missing = status(liaison, user, "REQ-2")
    assert existing["text"] == missing["text"].replace("REQ-2", "REQ-1")
    assert json.dumps(existing) == json.dumps(missing).replace("REQ-2", "REQ-1")
    assert "Pricing" not in json.dumps(existing) and SALES_REP not in json.dumps(existing)


def test_cancelling_someone_elses_request_reveals_nothing(liaison: Liaison, db) -> None:
    file_request(liaison, db, title="Pricing for ACME renewal")
    existing = liaison.slack.command(STRANGER, "cancel REQ-1").json()
    missing = liaison.slack.command(STRANGER, "cancel REQ-2").json()
    assert json.dumps(existing) == json.dumps(missing).replace("REQ-2", "REQ-1")
    assert SALES_REP not in json.dumps(existing)
    assert db.scalars(select(Request)).one().status is Status.NEW
    # The requester still can.
    assert "cancelled" in liaison.slack.command(SALES_REP, "cancel REQ-1").json()["text"]
